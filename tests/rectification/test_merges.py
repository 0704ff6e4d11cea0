"""One merge walk: a chain of merged opinions follows its root, on /track/ (page and API) and in the notice."""
import pytest
from django.test import Client

from rectification import services
from rectification.models import RectificationNotice
from surveys.models import Opinion
from surveys.selectors import opinion_merge_root, opinions_merged_into

from .conftest import png_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(make_opinion, admin):
    """A merged into B while B was new, then B merged into C: A → B → C."""
    a, b, c = make_opinion("排队太久"), make_opinion("排队时间太长"), make_opinion("户政窗口排队时间太长")
    services.opinion_triage(opinion=a, action="merge", merge_into=b, actor=admin)
    services.opinion_triage(opinion=b, action="merge", merge_into=c, actor=admin)
    return tuple(Opinion.objects.get(pk=o.pk) for o in (a, b, c))


def _tracked(receipt):
    api = Client().get(f"/api/v1/track/{receipt}/").json()
    page = Client().get(f"/track/?receipt={receipt}").content.decode()
    return api, page


def test_every_opinion_of_a_chain_follows_the_root_notice(chain, admin, liaison, mailable):
    a, b, c = chain
    assert opinion_merge_root(a) == c and [o.pk for o in opinions_merged_into(c)] == [a.pk, b.pk]
    services.opinion_triage(opinion=c, action="route", agency=c.agency, actor=admin)
    notice = RectificationNotice.objects.get(opinion=c)
    services.notice_respond(notice=notice, actor=liaison, measures="增加窗口", files=[png_file()])
    for opinion in (a, b):
        api, page = _tracked(opinion.receipt)
        assert api["status"] == "responded"
        assert [step["status"] for step in api["history"]][:2] == ["new", "merged"]
        assert "responded" in [step["status"] for step in api["history"]]
        assert "单位已答复" in page
    assert Opinion.objects.get(pk=a.pk).status == "responded"  # the notice told every citizen of the chain
    services.notice_verify(notice=notice, accepted=True, comment="已整改", actor=admin)
    assert "您反映的问题是否真正解决" in _tracked(a.receipt)[1]  # the first citizen of the chain may answer too


def test_a_rejected_root_is_what_merged_citizens_see(chain, admin):
    a, b, c = chain
    services.opinion_triage(opinion=c, action="reject", note="不属于作风问题", actor=admin)
    for opinion in (a, b):
        api, page = _tracked(opinion.receipt)
        assert api["status"] == "rejected"
        assert api["history"][-1] == {**api["history"][-1], "status": "rejected", "note": "不属于作风问题"}
        assert "不予采纳" in page and "不属于作风问题" in page


def test_merging_into_a_merged_opinion_lands_on_its_root(chain, make_opinion, admin):
    a, b, c = chain
    d = make_opinion("又一条排队意见")
    services.opinion_triage(opinion=d, action="merge", merge_into=a, actor=admin)
    assert Opinion.objects.get(pk=d.pk).merged_into_id == c.pk


def test_a_cycle_of_merges_in_the_data_does_not_hang_the_walk(make_opinion):
    a, b = make_opinion("甲"), make_opinion("乙")
    Opinion.objects.filter(pk=a.pk).update(merged_into=b, status="merged")
    Opinion.objects.filter(pk=b.pk).update(merged_into=a, status="merged")
    assert opinion_merge_root(Opinion.objects.get(pk=a.pk)) == b
    assert [o.pk for o in opinions_merged_into(b)] == [a.pk]
    assert [o.pk for o in opinions_merged_into(a)] == [b.pk]  # the same walk, from the other end
    assert Client().get(f"/api/v1/track/{a.receipt}/").status_code == 200


def test_the_whole_chain_is_found_in_two_queries(make_opinion, django_assert_num_queries):
    chain = [make_opinion(f"第{i}条") for i in range(6)]
    for child, parent in zip(chain, chain[1:], strict=False):
        Opinion.objects.filter(pk=child.pk).update(merged_into=parent, status="merged")
    with django_assert_num_queries(2):
        assert [o.pk for o in opinions_merged_into(chain[-1])] == [o.pk for o in chain[:-1]]
    assert opinion_merge_root(Opinion.objects.get(pk=chain[0].pk)) == chain[-1]
