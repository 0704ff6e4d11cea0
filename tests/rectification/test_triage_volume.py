"""Triage at volume: the queue's total, page numbers, sorting and filters (an agency by name or code), bulk
route / reject / merge through the services, problem categories and their counts, near-duplicate groups, and
the citizen's reply kept apart from the office's internal note."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.selectors import agencies_named
from rectification import selectors, services
from rectification.models import OpinionNote, OpinionTag, ProblemCategory, RectificationNotice
from rectification.similarity import clusters
from surveys.models import Opinion, OpinionEvent
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db

QUEUE = "/dashboard/opinions/"
SAME = ["户政窗口排队时间太长，工作人员态度冷淡", "户政窗口排队时间太长了，工作人员态度很冷淡",
        "工作人员态度冷淡，户政窗口排队时间太长"]


@pytest.fixture
def categories(db):
    """The seeded list (a transactional test may have flushed the migration's rows)."""
    rows = [("attitude", "服务态度"), ("efficiency", "办事效率"), ("other", "其他")]
    return {code: ProblemCategory.objects.get_or_create(code=code, defaults={"name": name, "order": i})[0]
            for i, (code, name) in enumerate(rows)}


@pytest.fixture
def office(client, admin):
    client.force_login(admin)
    return client


def test_the_migration_seeds_the_offices_categories():
    names = list(ProblemCategory.objects.filter(active=True).values_list("name", flat=True))
    assert names[:6] == ["服务态度", "办事效率", "政策落实", "廉洁自律", "环境设施", "其他"]


# --- an agency typed by name or code ------------------------------------------------------------

def test_an_agency_is_found_by_its_name_its_code_or_an_unambiguous_part(agency, other_agency):
    assert agencies_named("市公安局") == [agency]
    assert agencies_named("GAJ") == [agency]
    assert agencies_named("公安") == [agency]
    assert agencies_named("市") == sorted([agency, other_agency], key=lambda a: a.name)  # ambiguous
    assert agencies_named("税务") == []


def test_the_queue_filters_by_agency_name_and_a_bad_value_is_a_400_under_the_field(office, make_opinion, agency,
                                                                                  other_agency):
    make_opinion("公安窗口排队久")
    make_opinion("市场监管投诉无人接", agency=other_agency)
    by_name = office.get(QUEUE, {"agency": "市公安局"})
    assert by_name.status_code == 200
    html = by_name.content.decode()
    assert "公安窗口排队久" in html and "市场监管投诉无人接" not in html
    assert 'value="市公安局"' in html  # the filter keeps its value
    assert '<datalist id="id_agency-agencies"><option value="市公安局">gaj</option>' in html  # type-ahead
    assert office.get(QUEUE, {"agency": "gaj"}).content.decode().count("公安窗口排队久") >= 1
    bad = office.get(QUEUE, {"agency": "市税务局"})
    assert bad.status_code == 400
    assert "机关：没有名称或编码为“市税务局”的机关" in bad.content.decode()
    assert "公安窗口排队久" not in bad.content.decode()  # no unfiltered list to act on by mistake
    ambiguous = office.get(QUEUE, {"agency": "市"})
    assert ambiguous.status_code == 400 and "对应多个机关" in ambiguous.content.decode()
    assert office.get(QUEUE, {"created_after": "2026-13-45"}).status_code == 400
    assert office.get(QUEUE, {"sort": "sideways"}).status_code == 400
    assert office.get(QUEUE, {"view": "map"}).status_code == 400


def test_the_api_takes_an_agency_by_name_and_refuses_an_unknown_one(api, make_opinion, other_agency):
    make_opinion("公安窗口排队久")
    make_opinion("市场监管投诉无人接", agency=other_agency)
    found = api.get("/api/v1/opinions/", {"agency": "市公安局", "status": "new"})
    assert found.status_code == 200 and [o["text"] for o in found.json()["results"]] == ["公安窗口排队久"]
    refused = api.get("/api/v1/opinions/", {"agency": "市税务局"})
    assert refused.status_code == 400 and "市税务局" in refused.json()["errors"]["agency"][0]


# --- total, page numbers, sorting -----------------------------------------------------------------

def test_the_queue_shows_its_total_page_numbers_and_keeps_filters_across_pages(office, make_opinion, agency):
    opinions = [make_opinion(f"第{i}条意见：窗口服务需要改进{i}") for i in range(65)]
    first = office.get(QUEUE, {"agency": "市公安局", "sort": "oldest"})
    html = first.content.decode()
    assert "共 65 条" in html
    assert 'href="?agency=%E5%B8%82%E5%85%AC%E5%AE%89%E5%B1%80&amp;sort=oldest&amp;page=3"' in html
    assert 'aria-current="page"><span class="page-link">1</span>' in html
    assert f'id="opinion-{opinions[0].pk}"' in html and f'id="opinion-{opinions[-1].pk}"' not in html  # oldest first
    last = office.get(QUEUE, {"agency": "市公安局", "sort": "oldest", "page": 3}).content.decode()
    assert f'id="opinion-{opinions[-1].pk}"' in last and 'value="oldest" selected' in last
    assert 'value="市公安局"' in last


def test_sorting_by_agency_puts_names_in_order(api, make_opinion, other_agency):
    make_opinion("公安的意见")
    make_opinion("市场监管的意见", agency=other_agency)
    rows = api.get("/api/v1/opinions/", {"sort": "agency"}).json()["results"]
    assert [r["agency"] for r in rows] == sorted([r["agency"] for r in rows],
                                                 key={"gaj": "市公安局", "scjgj": "市市场监督管理局"}.get)


def test_many_pages_elide_the_far_numbers(office, make_opinion, settings):
    from rectification import views

    for i in range(12):
        make_opinion(f"意见{i}")
    views.PAGE_SIZE, saved = 1, views.PAGE_SIZE
    try:
        html = office.get(QUEUE, {"page": 6}).content.decode()
    finally:
        views.PAGE_SIZE = saved
    assert "…" in html and ">12</a>" in html and ">1</a>" in html and ">9</a>" not in html


# --- bulk actions -------------------------------------------------------------------------------------

def test_bulk_route_issues_one_notice_each_and_lists_what_could_not_be_done(office, admin, make_opinion, agency,
                                                                            cycle):
    opinions = [make_opinion(f"意见{i}") for i in range(5)]
    services.opinion_triage(opinion=opinions[0], action="reject", note="重复提交", actor=admin)
    ids = [o.pk for o in opinions] + [999999]
    answer = office.post(f"{QUEUE}?sort=oldest", {"ids": ids, "action": "route"}, follow=True)
    assert answer.redirect_chain[-1][0] == f"{QUEUE}?sort=oldest"  # back to the same filters
    said = [str(m) for m in answer.context["messages"]]
    assert "转交单位整改：成功 4 条，未能处理 2 条。" in said
    assert any(f"#{opinions[0].pk}（该意见已处理（不予采纳））" in m and "#999999（没有这条意见）" in m for m in said)
    assert RectificationNotice.objects.filter(opinion__in=opinions[1:], agency=agency).count() == 4
    assert set(Opinion.objects.filter(pk__in=ids[1:5]).values_list("status", flat=True)) == {"routed"}


def test_bulk_route_to_a_named_agency(admin, make_opinion, other_agency):
    opinions = [make_opinion(f"意见{i}") for i in range(3)]
    outcome = services.opinions_triage_bulk(opinion_ids=[o.pk for o in opinions], action="route",
                                            agency=other_agency, actor=admin)
    assert len(outcome.done) == 3 and not outcome.failed
    assert RectificationNotice.objects.filter(agency=other_agency).count() == 3


def test_a_failing_opinion_leaves_no_half_done_step(admin, make_opinion, agency, monkeypatch):
    """An opinion whose notice cannot be issued keeps its status and history; the others are done."""
    from conduct_eval.errors import ConflictError
    from rectification.services import triage

    good, bad = make_opinion("好的"), make_opinion("坏的")
    real = triage.notice_issue

    def refuse_one(**kwargs):
        notice = real(**kwargs)
        if kwargs["opinion"].pk == bad.pk:
            raise ConflictError("评议周期已关闭")  # after the notice row was written: the savepoint undoes it
        return notice

    monkeypatch.setattr(triage, "notice_issue", refuse_one)
    outcome = services.opinions_triage_bulk(opinion_ids=[good.pk, bad.pk], action="route", actor=admin,
                                            internal_note="批量转交")
    assert outcome.done == [good.pk] and outcome.failed == [(bad.pk, "评议周期已关闭")]
    bad.refresh_from_db()
    assert bad.status == "new" and not RectificationNotice.objects.filter(opinion=bad).exists()
    assert list(OpinionEvent.objects.filter(opinion=bad).values_list("status", flat=True)) == ["new"]
    assert not OpinionNote.objects.filter(opinion=bad).exists()
    assert OpinionNote.objects.filter(opinion=good, text="批量转交").exists()


def test_an_unexpected_error_undoes_the_whole_bulk_action(admin, make_opinion, monkeypatch):
    from rectification.services import triage

    opinions = [make_opinion(f"意见{i}") for i in range(3)]
    calls = []
    real = triage.notice_issue

    def crash_on_third(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(triage, "notice_issue", crash_on_third)
    with pytest.raises(RuntimeError):
        services.opinions_triage_bulk(opinion_ids=[o.pk for o in opinions], action="route", actor=admin)
    assert not RectificationNotice.objects.exists()
    assert set(Opinion.objects.values_list("status", flat=True)) == {"new"}


def test_bulk_reject_needs_a_reason_and_keeps_what_was_typed(office, make_opinion):
    opinions = [make_opinion(f"意见{i}") for i in range(2)]
    refused = office.post(QUEUE, {"ids": [o.pk for o in opinions], "action": "reject",
                                  "internal_note": "疑似刷单"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "不予采纳时请填写答复群众的理由" in html and "疑似刷单</textarea>" in html
    assert html.count(" checked>") >= 2  # the ticked opinions stay ticked
    done = office.post(QUEUE, {"ids": [o.pk for o in opinions], "action": "reject", "note": "内容与机关作风无关"})
    assert done.status_code == 302
    assert set(Opinion.objects.values_list("status", flat=True)) == {"rejected"}
    assert OpinionEvent.objects.filter(status="rejected", note="内容与机关作风无关").count() == 2


def test_bulk_merge_folds_the_selection_into_the_chosen_root(office, make_opinion):
    root, *others = [make_opinion(text) for text in SAME]
    answer = office.post(QUEUE, {"ids": [o.pk for o in (root, *others)], "action": "merge", "merge_into": root.pk})
    assert answer.status_code == 302
    assert {o.pk: o.merged_into_id for o in Opinion.objects.exclude(pk=root.pk)} == {o.pk: root.pk for o in others}
    root.refresh_from_db()
    assert root.status == "new"  # the root is handled next, for all of them
    refused = office.post(QUEUE, {"ids": [root.pk], "action": "merge"})
    assert refused.status_code == 400 and "合并时请选择主意见" in refused.content.decode()
    missing = office.post(QUEUE, {"ids": [root.pk], "action": "merge", "merge_into": 999999})
    assert missing.status_code == 400 and "没有这条意见" in missing.content.decode()


def test_bulk_input_is_checked_before_anything_is_done(admin, make_opinion):
    opinion = make_opinion()
    for kwargs, field in [({"action": "reject"}, "note"), ({"action": "split"}, "action"),
                          ({"action": "merge"}, "merge_into")]:
        with pytest.raises(ValidationError) as caught:
            services.opinions_triage_bulk(opinion_ids=[opinion.pk], actor=admin, **kwargs)
        assert field in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.opinions_triage_bulk(opinion_ids=list(range(1, 300)), action="route", actor=admin)
    opinion.refresh_from_db()
    assert opinion.status == "new"


def test_bad_ids_are_a_400_naming_the_field(office):
    answer = office.post(QUEUE, {"ids": ["x1"], "action": "route"})
    assert answer.status_code == 400 and "所选意见：应为意见编号" in answer.content.decode()
    assert office.post(QUEUE, {"action": "route"}).status_code == 400


# --- problem categories -----------------------------------------------------------------------------

def test_categories_are_set_in_bulk_counted_and_filtered(office, api, make_opinion, categories):
    opinions = [make_opinion(f"意见{i}") for i in range(4)]
    ids = [o.pk for o in opinions]
    office.post(QUEUE, {"ids": ids[:3], "action": "tag", "categories": ["attitude"]})
    office.post(QUEUE, {"ids": ids[2:], "action": "tag", "categories": ["attitude", "efficiency"]})
    assert OpinionTag.objects.filter(category=categories["attitude"]).count() == 4
    page = office.get(QUEUE).content.decode()
    assert 'data-category-count="attitude">4<' in page and 'data-category-count="efficiency">2<' in page
    assert 'data-category-count="other">0<' in page
    listed = office.get(QUEUE, {"category": "efficiency"}).content.decode()
    assert "共 2 条" in listed
    counts = api.get("/api/v1/opinions/categories/", {"status": "new"}).json()
    assert {c["code"]: c["count"] for c in counts}["attitude"] == 4
    assert api.get("/api/v1/opinions/", {"category": "efficiency"}).json()["count"] == 2
    assert sorted(api.get("/api/v1/opinions/?agency=gaj").json()["results"][0]["categories"]) in (
        ["attitude"], ["attitude", "efficiency"])
    office.post(QUEUE, {"ids": ids, "action": "untag", "categories": ["attitude"]})
    assert not OpinionTag.objects.filter(category=categories["attitude"]).exists()
    refused = office.post(QUEUE, {"ids": ids, "action": "tag"})
    assert refused.status_code == 400 and "请选择问题类别" in refused.content.decode()
    assert office.get(QUEUE, {"category": "nosuch"}).status_code == 400


def test_a_retired_category_is_not_offered_but_still_counted(admin, make_opinion, categories):
    opinion = make_opinion()
    services.opinion_tags_change(opinion_ids=[opinion.pk], add=[categories["other"]], actor=admin)
    categories["other"].active = False
    categories["other"].save()
    with pytest.raises(ValidationError):
        services.opinion_tags_change(opinion_ids=[opinion.pk], add=[categories["other"]], actor=admin)
    counts = {c["code"]: c["count"] for c in selectors.opinion_category_counts(Opinion.objects.all())}
    assert counts["other"] == 1


def test_category_counts_take_one_query(make_opinion, categories, admin):
    opinions = [make_opinion(f"意见{i}") for i in range(6)]
    services.opinion_tags_change(opinion_ids=[o.pk for o in opinions], add=list(categories.values()), actor=admin)
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.opinion_category_counts(Opinion.objects.filter(status="new"))
    assert len(queries) == 2  # the counts, and the list of categories
    assert {c["count"] for c in counts if c["code"] in categories} == {6}


# --- near-duplicate groups --------------------------------------------------------------------------

def test_alike_texts_are_grouped_and_different_ones_left_out():
    texts = {1: SAME[0], 2: "停车场太小，车位不够", 3: SAME[1], 4: "网站经常打不开", 5: SAME[2],
             6: "门口停车场车位不够，太小"}
    assert clusters(texts) == [[1, 3, 5], [2, 6]]
    assert clusters({1: "一"}) == []


def test_the_groups_view_shows_same_agency_near_duplicates_with_a_merge(office, make_opinion, other_agency):
    mine = [make_opinion(text) for text in SAME]
    make_opinion(SAME[0], agency=other_agency)  # the same words about another agency: not the same case
    make_opinion("网站经常打不开")
    page = office.get(QUEUE, {"view": "clusters"})
    html = page.content.decode()
    assert page.status_code == 200 and "共 1 组相似意见" in html and "3 条相似意见" in html
    assert html.count('name="merge_into"') == 3 and ">合并</button>" in html
    assert office.post(f"{QUEUE}?view=clusters", {"action": "merge", "ids": [o.pk for o in mine],
                                                  "merge_into": mine[0].pk}).status_code == 302
    assert Opinion.objects.filter(merged_into=mine[0]).count() == 2
    assert "共 0 组相似意见" in office.get(QUEUE, {"view": "clusters"}).content.decode()


# --- the reply to the citizen and the internal note ----------------------------------------------------

def test_an_internal_note_never_appears_on_track_and_the_reply_does(client, admin, make_opinion, agency):
    routed, rejected, merged, root = (make_opinion(t) for t in ("排队久", "无关内容", SAME[0], SAME[1]))
    services.opinion_triage(opinion=routed, action="route", agency=agency, actor=admin,
                            note="已请公安局增开窗口", internal_note="内部：该窗口负责人已约谈")
    services.opinions_triage_bulk(opinion_ids=[rejected.pk], action="reject", actor=admin,
                                  note="与机关作风无关，不予采纳", internal_note="内部：疑似广告")
    services.opinions_triage_bulk(opinion_ids=[merged.pk, root.pk], action="merge", merge_into=root, actor=admin,
                                  internal_note="内部：同一投诉人")
    assert OpinionNote.objects.count() == 3
    for opinion, reply in [(routed, "已请公安局增开窗口"), (rejected, "与机关作风无关，不予采纳"),
                           (merged, "与内容相同的意见合并办理")]:
        client.logout()
        track = client.get("/track/", {"receipt": opinion.receipt}).content.decode()
        assert reply in track
        assert "内部" not in track and "约谈" not in track and "广告" not in track and "投诉人" not in track
        assert client.get(f"/api/v1/track/{opinion.receipt}/").content.decode().find("内部") == -1
    client.force_login(admin)
    queue = client.get(QUEUE, {"status": ""}).content.decode()
    assert "内部：该窗口负责人已约谈" in queue and "内部备注 · 群众不可见" in queue


def test_the_form_shows_the_public_reply_with_its_preview_apart_from_the_internal_note(office, make_opinion):
    opinion = make_opinion()
    deadline = services.route_deadline(opinion)
    html = office.get(QUEUE).content.decode()
    assert "公开 · 群众可见" in html and "内部 · 群众不可见" in html
    assert "预览：群众在“查询办理进度”页面将看到" in html
    assert "{#" not in html and "#}" not in html  # no template comment leaks onto the page
    # The preview's standard reply is word for word what the service writes when no reply is typed.
    expected = f"已转交市公安局整改，整改期限 {deadline:%Y-%m-%d}"
    assert f"<div class=\"small text-break\" data-preview-note>{expected}</div>" in html
    office.post(f"{QUEUE}{opinion.pk}/triage/", {"action": "route", "agency": "gaj"})
    assert OpinionEvent.objects.filter(opinion=opinion, status="routed").get().note == expected


def test_the_queue_reads_in_a_bounded_number_of_queries(office, make_opinion, categories, admin):
    """30 opinions with tags, notes and suggestions: a fixed number of queries (17 today), none per opinion."""
    opinions = [make_opinion(f"第{i}条：窗口排队时间太长{i}") for i in range(30)]
    services.opinion_tags_change(opinion_ids=[o.pk for o in opinions], add=[categories["attitude"]], actor=admin)
    AgencyFactory.create_batch(5)  # more agencies in the type-ahead list add no query
    with CaptureQueriesContext(connection) as queries:
        assert office.get(QUEUE).status_code == 200
    assert len(queries) <= 20, [q["sql"][:80] for q in queries]
