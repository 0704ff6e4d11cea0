"""Every point opens its evidence: from a snapshot's scorecard to the responses behind a dimension mean, an
indicator's revisions, a ledger entry and its reversal, and a finding's visit with its photo and appeal."""
import pytest

from rectification.models import RectificationNotice
from tests import drill_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tmp_path, settings, cycle, agency, other_agency, admin, liaison, inspector, assessor):
    settings.MEDIA_ROOT = tmp_path / "media"
    return drill_world.build(cycle=cycle, agency=agency, admin=admin, liaison=liaison, inspector=inspector,
                             assessor=assessor)


def base(world, agency) -> str:
    return f"/dashboard/{world.snapshot.pk}/{agency.code}/"


def test_the_scorecard_links_each_component_to_what_makes_it(client, world, agency, admin):
    client.force_login(admin)
    page = client.get(base(world, agency)).content.decode()
    assert f"{base(world, agency)}responses/?dimension=service_attitude" in page
    assert f"{base(world, agency)}responses/?dimension=service_attitude&amp;level=2" in page
    assert f"{base(world, agency)}indicators/{world.indicator.pk}/" in page
    for entry in (world.bonus, world.bonus_reversal, world.inspection_entry):
        assert f"{base(world, agency)}entries/{entry.pk}/" in page
    row = page.split('data-dimension="service_attitude"')[1].split("</tr>")[0]
    assert "66.67" in row  # the stored mean of 服务态度: levels 2, 5, 4 → (25 + 100 + 75) / 3


def test_a_response_behind_a_dimension_mean_shows_with_its_contact_masked(client, world, agency, admin):
    client.force_login(admin)
    page = client.get(f"{base(world, agency)}responses/?dimension=service_attitude&level=2").content.decode()
    assert "共 1 份答卷" in page
    assert drill_world.MASKED in page and drill_world.PHONE not in page
    assert "扫码" in page and "户政窗口" in page and "窗口人员态度生硬" in page
    assert f'data-response="{world.responses[0]}"' in page
    assert f'data-response="{world.responses[1]}"' not in page
    every = client.get(f"{base(world, agency)}responses/?dimension=service_attitude").content.decode()
    assert "共 3 份答卷" in every
    integrity = client.get(f"{base(world, agency)}responses/?dimension=integrity").content.decode()
    assert "共 1 份答卷" in integrity and f'data-response="{world.responses[1]}"' in integrity


@pytest.mark.parametrize(("query", "field"), [("dimension=speed", "dimension"), ("level=9", "level"),
                                              ("level=x", "level")])
def test_a_bad_filter_is_a_400_naming_the_field(client, world, agency, admin, query, field):
    client.force_login(admin)
    response = client.get(f"{base(world, agency)}responses/?{query}")
    assert response.status_code == 400 and field in response.content.decode()


def test_responses_are_paged(client, world, agency, admin, monkeypatch):
    from scoring import drill

    monkeypatch.setattr(drill, "RESPONSES_PAGE_SIZE", 2)
    client.force_login(admin)
    first = client.get(f"{base(world, agency)}responses/").content.decode()
    second = client.get(f"{base(world, agency)}responses/?page=2").content.decode()
    assert first.count("data-response=") == 2 and second.count("data-response=") == 1
    assert "page=2" in first


def test_the_revision_history_lists_every_revision_and_marks_the_counted_one(client, world, agency, admin):
    client.force_login(admin)
    page = client.get(f"{base(world, agency)}indicators/{world.indicator.pk}/").content.decode()
    assert "第 1 版" in page and "第 2 版" in page
    assert "12.00 / 20.00" in page and "16.00 / 20.00" in page
    assert page.count("data-counted") == 1
    assert page.index("data-counted") < page.index("第 1 版")  # the counted one is the latest, listed first
    assert "assessor" in page  # who gave the points


def test_an_entry_links_its_reversal_both_ways(client, world, agency, admin):
    client.force_login(admin)
    page = client.get(f"{base(world, agency)}entries/{world.bonus.pk}/").content.decode()
    assert "省级服务品牌" in page and 'id="reversal"' in page
    assert f"{base(world, agency)}entries/{world.bonus_reversal.pk}/" in page and "品牌认定撤回" in page
    back = client.get(f"{base(world, agency)}entries/{world.bonus_reversal.pk}/").content.decode()
    assert 'id="reverses"' in back and f"{base(world, agency)}entries/{world.bonus.pk}/" in back


def test_entry_finding_visit_shows_the_photo_thumbnail_and_the_appeal(client, world, agency, admin):
    client.force_login(admin)
    entry = client.get(f"{base(world, agency)}entries/{world.inspection_entry.pk}/").content.decode()
    finding_url = f"/dashboard/findings/{world.finding.pk}/?snapshot={world.snapshot.pk}"
    assert finding_url in entry
    page = client.get(finding_url).content.decode()
    thumb = f"/inspect/evidence/{world.evidence.pk}/?size=thumb"
    assert thumb in page
    assert "工作人员玩手机" in page and "暗访户政窗口" in page and "暗访" in page
    assert "当日系统故障" in page and "监控显示确有其事" in page and "属实（维持认定）" in page
    assert "inspector" in page  # the office sees who inspected
    notice = RectificationNotice.objects.get(source_key=f"finding:{world.finding.pk}")
    assert f"/dashboard/rectifications/{notice.pk}/" in page
    assert f"{base(world, agency)}entries/{world.inspection_entry.pk}/" in page
    served = client.get(thumb)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"


def test_the_liaison_drills_its_own_agency_only(client, world, agency, other_agency, liaison, other_liaison):
    thumb = f"/inspect/evidence/{world.evidence.pk}/?size=thumb"
    client.force_login(liaison)
    assert client.get(f"{base(world, agency)}responses/").status_code == 200
    page = client.get(f"/dashboard/findings/{world.finding.pk}/?snapshot={world.snapshot.pk}").content.decode()
    assert thumb in page and "inspector" not in page  # never which inspector
    assert "/agency/notices/" in page
    assert client.get(thumb).status_code == 200
    client.force_login(other_liaison)
    for path in (f"{base(world, agency)}responses/", f"{base(world, agency)}indicators/{world.indicator.pk}/",
                 f"{base(world, agency)}entries/{world.bonus.pk}/", f"/dashboard/findings/{world.finding.pk}/"):
        assert client.get(path).status_code == 404, path
    assert client.get(thumb).status_code in (403, 404)
    # its own scorecard in the same snapshot opens, but not another agency's entry through it
    assert client.get(f"{base(world, other_agency)}responses/").status_code == 200
    assert client.get(f"{base(world, other_agency)}entries/{world.bonus.pk}/").status_code == 404


def test_a_notice_links_to_its_source_and_back(client, world, agency, admin):
    notice = RectificationNotice.objects.get(source_key=f"finding:{world.finding.pk}")
    client.force_login(admin)
    page = client.get(f"/dashboard/rectifications/{notice.pk}/").content.decode()
    assert f"/dashboard/findings/{world.finding.pk}/" in page and 'data-source-kind="finding"' in page


def test_a_notice_from_an_opinion_links_to_it(client, world, agency, admin):
    from rectification import services as rectification
    from surveys.models import Opinion

    opinion = Opinion.objects.get(text="窗口人员态度生硬")
    rectification.opinion_triage(opinion=opinion, actor=admin, action="route", agency=agency)
    notice = RectificationNotice.objects.get(opinion=opinion)
    client.force_login(admin)
    page = client.get(f"/dashboard/rectifications/{notice.pk}/").content.decode()
    assert 'data-source-kind="opinion"' in page and opinion.receipt in page and f"#opinion-{opinion.pk}" in page
    assert drill_world.PHONE not in page.split('id="notice-sources"')[1].split("</section>")[0]
    triage = client.get("/dashboard/opinions/?status=").content.decode()
    assert f"/dashboard/rectifications/{notice.pk}/" in triage  # and back from the opinion to its notice


def test_a_ranking_notice_and_the_final_scorecard_link_to_each_other(client, cycle, agency, other_agency, admin):
    from rectification import services as rectification
    from tests.scoring.factories import snapshot_with

    snapshot = snapshot_with(cycle, [other_agency, agency], final=True)
    notice = rectification.notice_issue(agency=agency, cycle=cycle, source="ranking", text="排名靠后，限期整改",
                                        source_key=f"ranking:{cycle.code}:{agency.code}", actor=admin)
    client.force_login(admin)
    card = client.get(f"/dashboard/{snapshot.pk}/{agency.code}/").content.decode()
    assert 'id="ranking-notice"' in card and f"/dashboard/rectifications/{notice.pk}/" in card
    page = client.get(f"/dashboard/rectifications/{notice.pk}/").content.decode()
    assert 'data-source-kind="ranking"' in page and f"/dashboard/{snapshot.pk}/{agency.code}/" in page
    other = client.get(f"/dashboard/{snapshot.pk}/{other_agency.code}/").content.decode()
    assert 'id="ranking-notice"' not in other
