
import pytest

from inspections import services
from inspections.models import Finding
from rectification.models import RectificationNotice
from scoring.models import ScoreEntry
from tests.concurrency import run_at_once

from .conftest import VISITED, jpeg_with_gps

pytestmark = pytest.mark.django_db


def finding_of(visit) -> Finding:
    return visit.findings.get()


def test_confirm_books_one_inspection_entry_of_the_severity_points(api, visit, cycle):
    finding = finding_of(visit)
    for _ in range(2):  # confirming twice books nothing new
        response = api.post(f"/api/v1/findings/{finding.pk}/confirm/", {"reason": "属实"})
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "confirmed"
    entry = ScoreEntry.objects.get()
    assert (entry.kind, entry.points, entry.agency_id, entry.cycle_id) == ("inspection", 3, visit.agency_id, cycle.pk)
    assert entry.source_key == f"finding:{finding.pk}"
    notice = RectificationNotice.objects.get()
    assert (notice.agency_id, notice.source, notice.source_key) == (visit.agency_id, "finding", f"finding:{finding.pk}")
    assert finding.description in notice.text


def test_dismiss_needs_a_reason_and_books_nothing(api, visit, cycle):
    finding = finding_of(visit)
    response = api.post(f"/api/v1/findings/{finding.pk}/dismiss/", {"reason": ""})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert api.post(f"/api/v1/findings/{finding.pk}/dismiss/", {"reason": "证据不足"}).json()["status"] == "dismissed"
    assert api.post(f"/api/v1/findings/{finding.pk}/confirm/").status_code == 409
    assert not ScoreEntry.objects.exists() and not RectificationNotice.objects.exists()


@pytest.mark.parametrize("who", ["inspector", "liaison", "leader"])
def test_only_admins_review(request, client_for, visit, cycle, who):
    client = client_for(request.getfixturevalue(who))
    finding = finding_of(visit)
    assert client.post(f"/api/v1/findings/{finding.pk}/confirm/").status_code in (403, 404)
    assert client.post(f"/api/v1/findings/{finding.pk}/dismiss/", {"reason": "x"}).status_code in (403, 404)
    assert not ScoreEntry.objects.exists()


def test_liaison_sees_its_confirmed_findings_and_photos_without_the_inspector(client, client_for, api, visit, cycle,
                                                                              liaison, other_liaison, inspector):
    item = services.evidence_add(visit=visit, upload=jpeg_with_gps())
    finding = finding_of(visit)
    assert client_for(liaison).get("/api/v1/findings/").json()["count"] == 0  # not yet confirmed
    client.force_login(liaison)
    assert client.get(f"/inspect/evidence/{item.pk}/").status_code == 404
    api.post(f"/api/v1/findings/{finding.pk}/confirm/")
    body = client_for(liaison).get("/api/v1/findings/").json()
    assert body["count"] == 1
    text = str(body)
    assert "inspector" not in text and inspector.username not in text
    assert client.get(f"/inspect/evidence/{item.pk}/").status_code == 200
    page = client.get("/agency/findings/").content.decode()
    assert finding.description in page and inspector.username not in page and "察访员" not in page
    assert client_for(other_liaison).get("/api/v1/findings/").json()["count"] == 0
    assert client_for(other_liaison).get(f"/api/v1/findings/{finding.pk}/").status_code == 404
    client.force_login(other_liaison)
    assert client.get(f"/inspect/evidence/{item.pk}/").status_code == 404


def test_upheld_appeal_books_a_reversing_entry(api, client_for, visit, cycle, liaison):
    finding = finding_of(visit)
    api.post(f"/api/v1/findings/{finding.pk}/confirm/")
    assert api.post(f"/api/v1/findings/{finding.pk}/appeal/", {"reason": "x"}).status_code == 403
    response = client_for(liaison).post(f"/api/v1/findings/{finding.pk}/appeal/", {"reason": "当天系统故障"})
    assert response.status_code == 200 and response.json()["appeal_status"] == "pending"
    assert client_for(liaison).post(f"/api/v1/findings/{finding.pk}/appeal/", {"reason": "再诉"}).status_code == 409
    response = api.post(f"/api/v1/findings/{finding.pk}/adjudicate/", {"verdict": "false", "note": "核实系统故障"})
    assert response.status_code == 200 and response.json()["appeal_status"] == "upheld"
    assert sorted(ScoreEntry.objects.values_list("points", flat=True)) == [-3, 3]


def test_appeal_found_true_keeps_the_entry(api, client_for, visit, cycle, liaison):
    finding = finding_of(visit)
    api.post(f"/api/v1/findings/{finding.pk}/confirm/")
    client_for(liaison).post(f"/api/v1/findings/{finding.pk}/appeal/", {"reason": "不服"})
    assert api.post(f"/api/v1/findings/{finding.pk}/adjudicate/", {"verdict": "true"}).json()["appeal_status"] == (
        "rejected")
    assert list(ScoreEntry.objects.values_list("points", flat=True)) == [3]


def test_review_queue_costs_the_same_queries_for_many_findings(client, admin, inspector, agency, cycle,
                                                               django_assert_max_num_queries):
    for n in range(8):
        visit = services.visit_create(inspector=inspector, agency=agency, visited_at=VISITED, mode="covert",
                                      findings=[{"category": "other", "severity": "minor", "description": f"问题{n}"}],
                                      submit=True)
        services.evidence_add(visit=visit, upload=jpeg_with_gps())
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        page = client.get("/dashboard/findings/").content.decode()
    assert page.count("/inspect/evidence/") >= 8 and "问题7" in page


def test_review_page_confirms(client, admin, visit, cycle):
    client.force_login(admin)
    finding = finding_of(visit)
    action = f"/dashboard/findings/{finding.pk}/confirm/"
    assert action in client.get("/dashboard/findings/").content.decode()
    client.post(action, {"reason": ""})
    assert ScoreEntry.objects.count() == 1
    assert action not in client.get("/dashboard/findings/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirms_book_exactly_one_entry(admin, visit, cycle):
    from rest_framework.test import APIClient

    finding = finding_of(visit)

    def confirm(i):
        client = APIClient()
        client.force_authenticate(admin)
        return client.post(f"/api/v1/findings/{finding.pk}/confirm/").status_code

    statuses = run_at_once(confirm, 2)
    assert statuses == [200, 200]
    assert ScoreEntry.objects.filter(source_key=f"finding:{finding.pk}").count() == 1
    assert RectificationNotice.objects.filter(source_key=f"finding:{finding.pk}").count() == 1
