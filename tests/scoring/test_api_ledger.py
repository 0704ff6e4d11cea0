"""API of the ledger and the organizational assessment: every 400, 403, 404 and 409."""
import pytest

from agencies.choices import CycleStatus
from scoring.models import Assessment, Indicator, ScoreEntry
from scoring.services import score_entry_book
from tests.factories import CycleFactory

from .factories import IndicatorFactory

pytestmark = pytest.mark.django_db

BONUS = {"agency": "gaj", "kind": "bonus", "points": "1.5", "reason": "服务品牌"}


def entries_url(cycle):
    return f"/api/v1/cycles/{cycle.code}/entries/"


def test_admin_books_and_lists_entries(api, cycle, agency, admin):
    response = api.post(entries_url(cycle), BONUS)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"] and body["agency"] == "gaj" and body["points"] == 1.5 and body["cycle"] == cycle.code
    assert body["created_by"] == "admin" and body["reverses"] is None and body["reversed_by"] is None
    listing = api.get(entries_url(cycle)).json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == body["id"]


def test_veto_with_zero_points_and_a_reason(api, cycle, agency):
    response = api.post(entries_url(cycle), {"agency": "gaj", "kind": "veto", "reason": "重大安全事故"})
    assert response.status_code == 201, response.json()
    assert response.json()["points"] == 0


@pytest.mark.parametrize("change, field", [
    ({"points": "0"}, "points"),
    ({"points": "-2"}, "points"),
    ({"points": "x"}, "points"),
    ({"points": None}, "points"),
    ({"kind": "veto", "points": "1"}, "points"),
    ({"kind": "veto", "points": "0", "reason": ""}, "reason"),
    ({"reason": ""}, "reason"),
    ({"kind": "inspection"}, "kind"),
    ({"kind": "gift"}, "kind"),
    ({"agency": "nope"}, "agency"),
])
def test_bad_entry_is_400_naming_the_field(api, cycle, agency, change, field):
    body = {k: v for k, v in {**BONUS, **change}.items() if v is not None}
    response = api.post(entries_url(cycle), body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not ScoreEntry.objects.exists()


@pytest.mark.parametrize("role", ["inspector", "liaison", "leader", "assessor"])
def test_only_admins_book(request, client_for, cycle, agency, role):
    user = request.getfixturevalue(role)
    assert client_for(user).post(entries_url(cycle), BONUS).status_code == 403
    assert client_for().post(entries_url(cycle), BONUS).status_code in (401, 403)


def test_unknown_cycle_is_404(api, agency):
    assert api.post("/api/v1/cycles/1999/entries/", BONUS).status_code == 404
    assert api.get("/api/v1/cycles/1999/entries/").status_code == 404


def test_closed_cycle_is_409(api, cycle, agency):
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    assert api.post(entries_url(cycle), BONUS).status_code == 409


def test_liaison_sees_only_its_agency(client_for, cycle, agency, other_agency, liaison, inspector):
    score_entry_book(cycle=cycle, agency=agency, kind="bonus", points=1, reason="品牌")
    score_entry_book(cycle=cycle, agency=other_agency, kind="deduction", points=2, reason="曝光")
    listing = client_for(liaison).get(entries_url(cycle)).json()
    assert [e["agency"] for e in listing["results"]] == ["gaj"]
    assert client_for(liaison).get(entries_url(cycle) + "?agency=scjgj").json()["count"] == 0
    assert client_for(inspector).get(entries_url(cycle)).status_code == 403


def test_reverse_then_again_is_409(api, cycle, agency):
    entry = api.post(entries_url(cycle), BONUS).json()
    response = api.post(f"/api/v1/entries/{entry['id']}/reverse/", {"reason": "更正"})
    assert response.status_code == 201, response.json()
    assert response.json()["points"] == -1.5 and response.json()["reverses"] == entry["id"]
    assert api.post(f"/api/v1/entries/{entry['id']}/reverse/", {"reason": "再更正"}).status_code == 409
    assert api.post(f"/api/v1/entries/{response.json()['id']}/reverse/", {"reason": "x"}).status_code == 409
    listed = {e["id"]: e for e in api.get(entries_url(cycle)).json()["results"]}
    assert listed[entry["id"]]["reversed_by"] == response.json()["id"]


def test_reverse_needs_a_reason_an_admin_and_an_entry(api, client_for, cycle, agency, liaison):
    entry = api.post(entries_url(cycle), BONUS).json()
    response = api.post(f"/api/v1/entries/{entry['id']}/reverse/", {})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    assert client_for(liaison).post(f"/api/v1/entries/{entry['id']}/reverse/", {"reason": "x"}).status_code == 403
    assert api.post("/api/v1/entries/999999/reverse/", {"reason": "x"}).status_code == 404


# --- indicators and assessments -------------------------------------------------------

INDICATOR = {"code": "lead", "name": "班子建设", "max_points": 20, "assessor_unit": "市委组织部"}


def test_admin_creates_and_lists_indicators(api, cycle):
    response = api.post(f"/api/v1/cycles/{cycle.code}/indicators/", INDICATOR)
    assert response.status_code == 201, response.json()
    assert response.json() == {**INDICATOR, "max_points": 20.0}
    assert api.get(f"/api/v1/cycles/{cycle.code}/indicators/").json()["count"] == 1


@pytest.mark.parametrize("change, field", [
    ({"max_points": 0}, "max_points"), ({"max_points": "x"}, "max_points"), ({"code": "a b"}, "code"),
    ({"name": ""}, "name"), ({"assessor_unit": ""}, "assessor_unit"),
])
def test_bad_indicator_is_400(api, cycle, change, field):
    response = api.post(f"/api/v1/cycles/{cycle.code}/indicators/", {**INDICATOR, **change})
    assert response.status_code == 400 and field in response.json()["errors"], response.json()


def test_duplicate_indicator_is_400_and_others_are_403(api, client_for, cycle, liaison, assessor, other_assessor):
    api.post(f"/api/v1/cycles/{cycle.code}/indicators/", INDICATOR)
    response = api.post(f"/api/v1/cycles/{cycle.code}/indicators/", INDICATOR)
    assert response.status_code == 400 and "code" in response.json()["errors"]
    assert client_for(liaison).post(f"/api/v1/cycles/{cycle.code}/indicators/", INDICATOR).status_code == 403
    assert client_for(assessor).post(f"/api/v1/cycles/{cycle.code}/indicators/", INDICATOR).status_code == 403
    assert client_for(assessor).get(f"/api/v1/cycles/{cycle.code}/indicators/").json()["count"] == 1
    assert client_for(other_assessor).get(f"/api/v1/cycles/{cycle.code}/indicators/").json()["count"] == 0
    assert client_for(liaison).get(f"/api/v1/cycles/{cycle.code}/indicators/").status_code == 403
    assert api.get("/api/v1/cycles/nope/indicators/").status_code == 404


def put(client, cycle, **body):
    return client.put(f"/api/v1/cycles/{cycle.code}/assessments/",
                      {"indicator": "lead", "agency": "gaj", "points": 18, "note": "", **body})


def test_assessor_puts_revisions_and_the_latest_counts(client_for, cycle, agency, indicator, assessor):
    client = client_for(assessor)
    first = put(client, cycle)
    assert first.status_code == 200, first.json()
    assert first.json()["revision"] == 1 and first.json()["points"] == 18
    second = put(client, cycle, points="19.5", note="复核")
    assert second.json()["revision"] == 2
    assert put(client, cycle, points="19.5", note="复核").json()["revision"] == 2  # unchanged: no new revision
    assert list(Assessment.objects.values_list("revision", "points")) == [(2, 19.5), (1, 18)]


@pytest.mark.parametrize("body, field", [
    ({"points": 21}, "points"), ({"points": -1}, "points"), ({"points": "x"}, "points"),
    ({"indicator": "nope"}, "indicator"), ({"agency": "nope"}, "agency"),
])
def test_bad_assessment_is_400(api, cycle, agency, indicator, body, field):
    response = put(api, cycle, **body)
    assert response.status_code == 400 and field in response.json()["errors"], response.json()
    assert not Assessment.objects.exists()


def test_assessment_permissions(client_for, api, cycle, agency, indicator, other_assessor, liaison, leader):
    assert put(client_for(other_assessor), cycle).status_code == 403
    assert put(client_for(liaison), cycle).status_code == 403
    assert put(client_for(leader), cycle).status_code == 403
    assert put(client_for(), cycle).status_code in (401, 403)
    assert put(api, cycle).status_code == 200
    assert client_for(other_assessor).put("/api/v1/cycles/nope/assessments/", {}).status_code == 404


def test_assessment_in_a_closed_cycle_is_409(api, cycle, agency, indicator):
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    assert put(api, cycle).status_code == 409


def test_indicator_of_another_cycle_is_unknown(api, cycle, agency):
    IndicatorFactory(cycle=CycleFactory(code="2025"), code="lead")
    response = put(api, cycle)
    assert response.status_code == 400 and "indicator" in response.json()["errors"]
    assert Indicator.objects.count() == 1
