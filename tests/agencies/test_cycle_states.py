"""The cycle's state machine (DESIGN.md "Cycle"): draft → open → closed → published, forward only; closed may
go back to open until the final snapshot exists; published never moves. The API, the admin and every service
that writes into a cycle answer to it: a closed or published cycle refuses entries, assessments, visits and
notices with 409."""
import pytest
from django.contrib.admin.sites import AdminSite

from agencies.admin import CycleAdmin
from agencies.choices import CycleStatus
from agencies.models import Cycle
from rectification import services as rectification
from scoring.services import indicator_create, snapshot_compute
from tests.rectification.conftest import png_file

pytestmark = pytest.mark.django_db

VISIT = {"agency": "gaj", "visited_at": "2026-03-02T10:30:00+08:00", "mode": "covert", "summary": "暗访",
         "findings": [{"category": "attitude", "severity": "major", "description": "脸难看"}]}


def patch(api, cycle, **body):
    return api.patch(f"/api/v1/cycles/{cycle.code}/", body, format="json")


def set_status(cycle, status):
    Cycle.objects.filter(pk=cycle.pk).update(status=status)
    cycle.refresh_from_db()


def test_the_cycle_moves_forward_one_step_at_a_time(api, cycle):
    set_status(cycle, CycleStatus.DRAFT)
    assert patch(api, cycle, status="closed").status_code == 409  # no skipping a step
    assert patch(api, cycle, status="open").json()["status"] == "open"
    assert patch(api, cycle, status="draft").status_code == 409  # never backwards to a draft
    assert patch(api, cycle, status="published").status_code == 409
    assert patch(api, cycle, status="closed").json()["status"] == "closed"
    assert patch(api, cycle, status="open").json()["status"] == "open"  # reopened: no final snapshot yet
    assert patch(api, cycle, status="closed").status_code == 200
    assert patch(api, cycle, status="published").json()["status"] == "published"
    for status in ("open", "closed", "draft"):
        response = patch(api, cycle, status=status)
        assert response.status_code == 409, status
        assert "已公布" in response.json()["detail"]
    assert Cycle.objects.get(pk=cycle.pk).status == "published"
    response = patch(api, cycle, status="finished")
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_a_closed_cycle_with_its_final_snapshot_stays_closed(api, cycle, agency):
    set_status(cycle, CycleStatus.CLOSED)
    snapshot_compute(cycle=cycle, final=True)
    response = patch(api, cycle, status="open")
    assert response.status_code == 409 and "年度最终结果" in response.json()["detail"]
    assert Cycle.objects.get(pk=cycle.pk).status == "closed"


def test_a_new_cycle_is_a_draft_or_open(api):
    body = {"code": "2031", "name": "2031年度", "starts_on": "2031-01-01", "ends_on": "2031-12-31"}
    response = api.post("/api/v1/cycles/", {**body, "status": "published"}, format="json")
    assert response.status_code == 400 and "status" in response.json()["errors"]
    assert api.post("/api/v1/cycles/", {**body, "status": "draft"}, format="json").status_code == 201


@pytest.mark.parametrize("status", [CycleStatus.CLOSED, CycleStatus.PUBLISHED])
def test_the_scheme_changes_only_while_draft_or_open(api, cycle, status):
    assert patch(api, cycle, scheme={"bonus_cap": 4}).status_code == 200
    set_status(cycle, status)
    assert patch(api, cycle, scheme={"bonus_cap": 3}).status_code == 409
    assert Cycle.objects.get(pk=cycle.pk).scheme["bonus_cap"] == 4


@pytest.mark.parametrize("status", [CycleStatus.CLOSED, CycleStatus.PUBLISHED])
def test_a_locked_cycle_refuses_entries_and_assessments(api, client_for, cycle, agency, assessor, status):
    indicator = indicator_create(cycle=cycle, code="i1", name="班子建设", max_points=20, assessor_unit="市委组织部")
    set_status(cycle, status)
    response = api.post(f"/api/v1/cycles/{cycle.code}/entries/",
                        {"agency": "gaj", "kind": "bonus", "points": 1, "reason": "服务品牌"}, format="json")
    assert response.status_code == 409
    response = client_for(assessor).put(f"/api/v1/cycles/{cycle.code}/assessments/",
                                        {"indicator": indicator.code, "agency": "gaj", "points": 10}, format="json")
    assert response.status_code == 409
    assert not cycle.score_entries.exists()


@pytest.mark.parametrize("submit", [True, False])
def test_a_closed_cycle_refuses_visits(client_for, inspector, cycle, agency, submit):
    set_status(cycle, CycleStatus.CLOSED)
    response = client_for(inspector).post("/api/v1/visits/", {**VISIT, "submit": submit}, format="json")
    assert response.status_code == 409, response.json()


def test_a_draft_visit_is_not_submitted_into_a_closed_cycle(client, inspector, cycle, agency):
    from conduct_eval.errors import ConflictError
    from inspections import services as inspections
    from inspections.models import Visit

    visit = inspections.visit_create(inspector=inspector, agency=agency, mode="covert",
                                     visited_at=Visit._meta.get_field("visited_at").to_python(VISIT["visited_at"]),
                                     findings=VISIT["findings"])
    set_status(cycle, CycleStatus.CLOSED)
    with pytest.raises(ConflictError):
        inspections.visit_submit(visit=visit)
    assert Visit.objects.get(pk=visit.pk).status == "draft"


@pytest.mark.parametrize("status", [CycleStatus.CLOSED, CycleStatus.PUBLISHED])
def test_a_locked_cycle_refuses_notices(api, client_for, cycle, agency, liaison, admin, status):
    to_respond = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口脱岗",
                                            source_key="manual:a")
    to_verify = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="态度冷淡",
                                           source_key="manual:b")
    rectification.notice_respond(notice=to_verify, actor=liaison, measures="已整改", files=[png_file()])
    set_status(cycle, status)
    response = api.post("/api/v1/rectifications/", {"agency": "gaj", "text": "新问题", "cycle": cycle.code},
                        format="json")
    assert response.status_code == 409
    response = client_for(liaison).post(f"/api/v1/rectifications/{to_respond.pk}/respond/", {"measures": "措施"},
                                        format="json")
    assert response.status_code == 409
    response = api.post(f"/api/v1/rectifications/{to_verify.pk}/verify/", {"accepted": True, "comment": ""},
                        format="json")
    assert response.status_code == 409
    # The final ranking's own notices are the exception: issued after the close, worked in the next year.
    ranking = rectification.notice_issue(agency=agency, cycle=cycle, source="ranking", text="排名靠后",
                                         source_key=f"ranking:{cycle.code}:gaj")
    assert rectification.notice_respond(notice=ranking, actor=liaison, measures="已整改").status == "responded"


# --- the admin ---------------------------------------------------------------------------

def test_the_admin_shows_status_read_only_and_moves_it_by_actions(client, admin, cycle):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    model_admin = CycleAdmin(Cycle, AdminSite())
    assert "status" in model_admin.get_readonly_fields(None, cycle)
    page = client.get(f"/admin/agencies/cycle/{cycle.pk}/change/").content.decode()
    assert 'name="status"' not in page

    def act(action):
        return client.post("/admin/agencies/cycle/", {"action": action, "_selected_action": [cycle.pk]}, follow=True)

    act("cycle_to_published")  # open → published skips closed: refused
    assert Cycle.objects.get(pk=cycle.pk).status == "open"
    act("cycle_to_closed")
    act("cycle_to_published")
    assert Cycle.objects.get(pk=cycle.pk).status == "published"
    page = act("cycle_to_open").content.decode()
    assert Cycle.objects.get(pk=cycle.pk).status == "published" and "已公布" in page


def test_the_admin_refuses_a_scheme_edit_of_a_closed_cycle(client, admin, cycle):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    set_status(cycle, CycleStatus.CLOSED)
    model_admin = CycleAdmin(Cycle, AdminSite())
    assert {"status", "scheme"} <= set(model_admin.get_readonly_fields(None, cycle))
    client.post(f"/admin/agencies/cycle/{cycle.pk}/change/", {
        "code": cycle.code, "name": "改名", "starts_on": "2026-01-01", "ends_on": "2026-12-31",
        "scheme": '{"bonus_cap": 1}'})
    cycle.refresh_from_db()
    assert cycle.name == "改名" and cycle.scheme.get("bonus_cap") != 1


# --- the scheme takes only numbers the ledger books ----------------------------------------------

@pytest.mark.parametrize(("scheme", "key"), [
    ({"overdue_deduction": 0.333}, "overdue_deduction"),
    ({"overdue_deduction": "100.5"}, "overdue_deduction"),
    ({"severity_points": {"minor": "1.125"}}, "severity_points.minor"),
    ({"severity_points": {"serious": 0}}, "severity_points.serious"),
    ({"bonus_cap": "2.555"}, "bonus_cap"),
])
def test_a_scheme_number_the_ledger_cannot_book_is_400_naming_the_key(api, cycle, scheme, key):
    response = patch(api, cycle, scheme=scheme)
    assert response.status_code == 400, response.json()
    assert any(message.startswith(f"{key}:") for message in response.json()["errors"]["scheme"])
    body = {"code": "2032", "name": "2032年度", "starts_on": "2032-01-01", "ends_on": "2032-12-31", "scheme": scheme}
    assert api.post("/api/v1/cycles/", body, format="json").status_code == 400


def test_ledger_numbers_with_two_decimals_are_taken(api, cycle):
    response = patch(api, cycle, scheme={"overdue_deduction": "0.25", "severity_points": {"minor": "1.5"},
                                         "bonus_cap": 0})
    assert response.status_code == 200, response.json()
    assert response.json()["scheme"]["severity_points"]["minor"] == "1.5"


def test_the_dashboard_moves_the_cycle_through_the_same_rules(client, admin, leader, cycle, agency):
    client.force_login(admin)
    page = client.get(f"/dashboard/?cycle={cycle.code}").content.decode()
    form = page[page.index('id="cycle-status"'):]
    form = form[:form.index("</form>")]
    assert 'value="closed"' in form and 'value="published"' not in form
    client.post("/dashboard/cycle-status/", {"cycle": cycle.code, "status": "closed"})
    client.post("/dashboard/cycle-status/", {"cycle": cycle.code, "status": "published"})
    assert Cycle.objects.get(pk=cycle.pk).status == "published"
    response = client.post("/dashboard/cycle-status/", {"cycle": cycle.code, "status": "open"}, follow=True)
    assert "已公布" in response.content.decode() and Cycle.objects.get(pk=cycle.pk).status == "published"
    assert 'id="cycle-status"' not in client.get(f"/dashboard/?cycle={cycle.code}").content.decode()
    client.force_login(leader)
    assert client.post("/dashboard/cycle-status/", {"cycle": cycle.code, "status": "open"}).status_code == 403
