import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rectification import services
from rectification.models import RectificationNotice
from tests.uploads import png_bomb

from .conftest import png_file

pytestmark = pytest.mark.django_db

NOTICE_FIELDS = {"id", "agency", "source", "text", "issued_at", "deadline", "status", "overdue", "response"}


def notice_routes(pk):
    return [("get", f"/api/v1/rectifications/{pk}/", None),
            ("post", f"/api/v1/rectifications/{pk}/respond/", {"measures": "措施"}),
            ("post", f"/api/v1/rectifications/{pk}/verify/", {"accepted": True, "comment": ""})]


def test_liaison_of_another_agency_gets_404_on_every_notice_route(client_for, other_liaison, notice):
    client = client_for(other_liaison)
    for method, url, body in notice_routes(notice.pk):
        assert getattr(client, method)(url, body).status_code == 404, url
    assert client.get("/api/v1/rectifications/").json()["count"] == 0


@pytest.mark.parametrize("who, expected", [(None, {401, 403}), ("inspector", {403}), ("assessor", {403})])
def test_anonymous_and_other_roles_are_refused(request, client_for, notice, who, expected):
    client = client_for(request.getfixturevalue(who) if who else None)
    routes = [*notice_routes(notice.pk), ("get", "/api/v1/rectifications/", None),
              ("post", "/api/v1/rectifications/", {"agency": "gaj", "text": "x"}),
              ("get", "/api/v1/opinions/", None), ("post", "/api/v1/opinions/1/triage/", {"action": "reject"})]
    for method, url, body in routes:
        assert getattr(client, method)(url, body).status_code in expected, url


def test_leader_reads_the_notices_the_board_shows_but_changes_none(client_for, leader, notice, responded):
    client = client_for(leader)
    listed = client.get("/api/v1/rectifications/")
    assert listed.status_code == 200 and [n["id"] for n in listed.json()["results"]] == [notice.pk]
    assert client.get(f"/api/v1/rectifications/{notice.pk}/").status_code == 200
    for method, url, body in notice_routes(notice.pk)[1:]:
        assert getattr(client, method)(url, body).status_code == 403, url
    assert client.post("/api/v1/rectifications/", {"agency": "gaj", "text": "x"}).status_code == 403
    assert client.get("/api/v1/opinions/").status_code == 403


def test_respond_and_verify_roles_are_the_services_rule(admin, liaison, other_liaison, notice):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.notice_respond(notice=notice, actor=other_liaison, measures="措施", files=[png_file()])
    with pytest.raises(PermissionDenied):
        services.notice_respond(notice=notice, actor=admin, measures="措施", files=[png_file()])
    responded = services.notice_respond(notice=notice, actor=liaison, measures="措施", files=[png_file()])
    with pytest.raises(PermissionDenied):
        services.notice_verify(notice=responded, actor=liaison, accepted=True)
    assert services.notice_verify(notice=responded, actor=admin, accepted=True).status == "verified"


def test_stats_are_for_admin_and_leader(client_for, cycle, leader, liaison, inspector):
    url = f"/api/v1/cycles/{cycle.code}/rectification-stats/"
    assert client_for(leader).get(url).status_code == 200
    assert client_for(liaison).get(url).status_code == 403
    assert client_for(inspector).get(url).status_code == 403
    assert client_for(None).get(url).status_code in (401, 403)
    assert client_for(leader).get("/api/v1/cycles/none/rectification-stats/").status_code == 404


def test_admin_creates_lists_and_filters_notices(api, agency, other_agency, cycle, mailable):
    response = api.post("/api/v1/rectifications/", {"agency": "gaj", "text": "窗口人员脱岗", "cycle": cycle.code})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == NOTICE_FIELDS
    assert (body["agency"], body["source"], body["status"], body["overdue"], body["response"]) == (
        "gaj", "manual", "issued", False, None)
    api.post("/api/v1/rectifications/", {"agency": "scjgj", "text": "办事拖拉", "source": "finding"})
    assert api.get("/api/v1/rectifications/").json()["count"] == 2
    assert [n["agency"] for n in api.get("/api/v1/rectifications/?agency=scjgj").json()["results"]] == ["scjgj"]
    assert api.get("/api/v1/rectifications/?source=finding&status=issued").json()["count"] == 1
    assert api.get("/api/v1/rectifications/?status=verified").json()["count"] == 0
    bad = api.post("/api/v1/rectifications/", {"agency": "nope", "text": ""})
    assert bad.status_code == 400 and {"agency", "text"} <= set(bad.json()["errors"])


def test_liaison_sees_own_responds_with_evidence_and_admin_verifies(client_for, api, liaison, notice, other_notice):
    client = client_for(liaison)
    listed = client.get("/api/v1/rectifications/").json()
    assert [n["id"] for n in listed["results"]] == [notice.pk]
    assert client.get(f"/api/v1/rectifications/{notice.pk}/").json()["history"][0]["action"] == "issued"

    fake = SimpleUploadedFile("a.jpg", b"GIF89a not a jpeg", content_type="image/jpeg")
    bad = client.post(f"/api/v1/rectifications/{notice.pk}/respond/", {"measures": "措施", "evidence": [fake]},
                      format="multipart")
    assert bad.status_code == 400 and "evidence" in bad.json()["errors"]
    assert client.post(f"/api/v1/rectifications/{notice.pk}/respond/", {}).json()["errors"].keys() == {"measures"}
    assert api.post(f"/api/v1/rectifications/{notice.pk}/respond/", {"measures": "x"}).status_code == 403
    assert client.post(f"/api/v1/rectifications/{notice.pk}/verify/", {"accepted": True}).status_code == 403
    assert api.post(f"/api/v1/rectifications/{notice.pk}/verify/", {"accepted": True}).status_code == 409

    response = client.post(f"/api/v1/rectifications/{notice.pk}/respond/",
                           {"measures": "调整排班，增设导办员", "evidence": [png_file("a.png"), png_file("b.png")]},
                           format="multipart")
    assert response.status_code == 200, response.json()
    answer = response.json()["response"]
    assert answer["measures"] == "调整排班，增设导办员"
    assert [e["name"] for e in answer["evidence"]] == ["a.png", "b.png"]
    assert client.post(f"/api/v1/rectifications/{notice.pk}/respond/", {"measures": "again"}).status_code == 409

    assert api.post(f"/api/v1/rectifications/{notice.pk}/verify/", {"comment": "x"}).status_code == 400
    verified = api.post(f"/api/v1/rectifications/{notice.pk}/verify/", {"accepted": True, "comment": "核验通过"})
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    assert api.post(f"/api/v1/rectifications/{notice.pk}/verify/", {"accepted": True}).status_code == 409


@pytest.mark.parametrize("upload, message", [
    (png_bomb(), "像素"),
    (SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024), content_type="image/jpeg"), "10 MB"),
    (SimpleUploadedFile("broken.png", b"\x89PNG\r\n\x1a\n truncated", content_type="image/png"), "JPEG"),
])
def test_bad_evidence_is_400_naming_evidence_and_nothing_is_stored(client_for, liaison, notice, upload, message):
    response = client_for(liaison).post(f"/api/v1/rectifications/{notice.pk}/respond/",
                                        {"measures": "措施", "evidence": [upload]}, format="multipart")
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"]["evidence"])
    notice.refresh_from_db()
    assert notice.status == "issued" and not notice.evidence.exists()


def test_verify_without_evidence_is_refused_with_a_message(client_for, api, liaison, notice):
    client_for(liaison).post(f"/api/v1/rectifications/{notice.pk}/respond/", {"measures": "已整改"})
    response = api.post(f"/api/v1/rectifications/{notice.pk}/verify/", {"accepted": True, "comment": ""})
    assert response.status_code == 409
    assert "佐证材料" in response.json()["detail"]
    returned = api.post(f"/api/v1/rectifications/{notice.pk}/verify/", {"accepted": False, "comment": "请补充照片"})
    assert returned.json()["status"] == "returned"


def test_stats_count_due_verified_on_time_and_overdue(api, agency, cycle, admin, liaison, mailable):
    import time_machine

    from .conftest import aware

    def issue(key, day):
        return services.notice_issue(agency=agency, cycle=cycle, source="manual", text=key, source_key=key,
                                     issued_at=aware(2026, 3, day, 9))

    early, late = issue("a", 2), issue("b", 2)
    issue("c", 2), issue("d", 30)  # one left open, one not yet due
    for n, when in ((early, aware(2026, 3, 10)), (late, aware(2026, 4, 20))):
        with time_machine.travel(when, tick=False):
            services.notice_respond(notice=n, actor=liaison, measures="措施", files=[png_file()])
            services.notice_verify(notice=n, actor=admin, accepted=True)
    with time_machine.travel(aware(2026, 4, 21), tick=False):
        services.notices_mark_overdue()
        stats = api.get(f"/api/v1/cycles/{cycle.code}/rectification-stats/").json()
    # Deadlines: a–c 2026-03-23, d 2026-04-21 (not yet passed on 04-21). Due: a, b, c.
    # b was verified late: overdue although it was verified before any sweep saw it; c is open past its deadline.
    assert stats == {"issued": 4, "due": 3, "verified": 2, "on_time": 1, "overdue": 2, "rate": 0.6667,
                     "on_time_rate": 0.3333}
    assert RectificationNotice.objects.get(pk=late.pk).overdue is True


def test_opinions_list_suggests_near_duplicates_and_triage_answers_per_contract(api, make_opinion, agency):
    first = make_opinion("户政窗口排队时间太长，工作人员态度冷淡")
    second = make_opinion("窗口工作人员态度冷淡，排队时间长")
    make_opinion("停车难，周边没有停车位")
    listed = api.get("/api/v1/opinions/?status=new&agency=gaj").json()
    assert listed["count"] == 3
    by_id = {o["id"]: o for o in listed["results"]}
    assert [s["id"] for s in by_id[second.pk]["similar"]] == [first.pk]
    assert by_id[first.pk]["contact"] == "13812345678"

    url = f"/api/v1/opinions/{second.pk}/triage/"
    for body, field in [({"action": "close"}, "action"), ({"action": "route"}, "agency"),
                        ({"action": "route", "agency": "nope"}, "agency"), ({"action": "merge"}, "merge_into"),
                        ({"action": "merge", "merge_into": 999999}, "merge_into"), ({"action": "reject"}, "note")]:
        response = api.post(url, body)
        assert response.status_code == 400 and field in response.json()["errors"], (body, response.json())
    merged = api.post(url, {"action": "merge", "merge_into": first.pk, "note": ""})
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    assert api.post(url, {"action": "reject", "note": "重复"}).status_code == 409
    routed = api.post(f"/api/v1/opinions/{first.pk}/triage/", {"action": "route", "agency": "gaj", "note": ""})
    assert routed.json()["status"] == "routed"
    assert RectificationNotice.objects.filter(source_key=f"opinion:{first.pk}").count() == 1
    assert api.post("/api/v1/opinions/999999/triage/", {"action": "reject", "note": "x"}).status_code == 404
