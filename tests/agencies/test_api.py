import pytest

from agencies.choices import CycleStatus, Role
from agencies.models import Agency, Cycle, User

pytestmark = pytest.mark.django_db

AGENCY = {"code": "fgw", "name": "市发展和改革委员会", "group": "window", "has_service_window": False,
          "leader_in_charge": "张副市长"}


def test_anonymous_cannot_list_agencies(client_for, agency):
    assert client_for().get("/api/v1/agencies/").status_code in (401, 403)


def test_token_login_then_list(client_for, admin, agency):
    anonymous = client_for()
    response = anonymous.post("/api/v1/auth/token/", {"username": "admin", "password": "pass-Word-123"})
    assert response.status_code == 200
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    listing = anonymous.get("/api/v1/agencies/")
    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    assert listing.json()["results"][0]["code"] == "gaj"


def test_wrong_password_is_400_with_error_format(client_for, admin):
    response = client_for().post("/api/v1/auth/token/", {"username": "admin", "password": "nope"})
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_admin_creates_group_agency_window_and_cycle(api):
    assert api.post("/api/v1/agency-groups/", {"code": "window", "name": "窗口服务部门"}).status_code == 201
    response = api.post("/api/v1/agencies/", AGENCY)
    assert response.status_code == 201, response.json()
    window = {"code": "w1", "name": "综合窗口", "location": "一楼"}
    assert api.post("/api/v1/agencies/fgw/windows/", window).status_code == 201
    assert api.get("/api/v1/agencies/fgw/windows/").json()["results"][0]["code"] == "w1"
    response = api.post("/api/v1/cycles/", {"code": "2026", "name": "2026年度", "starts_on": "2026-01-01",
                                            "ends_on": "2026-12-31", "status": "open", "scheme": {}})
    assert response.status_code == 201, response.json()
    assert response.json()["scheme"]["weights"]["public_survey"] == 30
    assert Cycle.objects.get(code="2026").scheme["level_points"]["5"] == 100


def test_patch_agency(api, agency):
    response = api.patch(f"/api/v1/agencies/{agency.code}/", {"leader_in_charge": "李副市长"})
    assert response.status_code == 200
    agency.refresh_from_db()
    assert agency.leader_in_charge == "李副市长"


@pytest.mark.parametrize("body, field", [
    ({**AGENCY, "code": "gaj"}, "code"),          # duplicate code
    ({**AGENCY, "group": "nope"}, "group"),       # unknown group
    ({**AGENCY, "code": "a b"}, "code"),          # not a slug
    ({**AGENCY, "name": ""}, "name"),
    ({**AGENCY, "has_service_window": "maybe"}, "has_service_window"),
])
def test_bad_agency_is_400_naming_the_field(api, agency, body, field):
    response = api.post("/api/v1/agencies/", body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Agency.objects.count() == 1


def test_duplicate_window_code_is_400(api, agency):
    assert api.post(f"/api/v1/agencies/{agency.code}/windows/", {"code": "w1", "name": "窗口"}).status_code == 201
    response = api.post(f"/api/v1/agencies/{agency.code}/windows/", {"code": "w1", "name": "窗口"})
    assert response.status_code == 400
    assert "code" in response.json()["errors"]


def test_windows_of_unknown_agency_is_404(api, db):
    assert api.post("/api/v1/agencies/nope/windows/", {"code": "w1", "name": "窗口"}).status_code == 404


CYCLE = {"code": "2027", "name": "2027年度", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}


@pytest.mark.parametrize("scheme", [
    {"weights": {"public_survey": 99, "appraisal": 30, "organizational": 20, "inspection": 20}},
    {"weights": {"public_survey": -10, "appraisal": 70, "organizational": 20, "inspection": 20}},
    {"level_points": {"1": "x"}},
    {"bonus_cap": -1},
    {"warn_bottom": 1.5},
    {"nonsense": 1},
    {"weights": {"nope": 1}},
    "not an object",
    {"level_points": {"1": 100, "5": 0}},
])
def test_bad_scheme_is_400_naming_scheme(api, scheme):
    response = api.post("/api/v1/cycles/", {**CYCLE, "scheme": scheme})
    assert response.status_code == 400, response.json()
    assert "scheme" in response.json()["errors"]
    assert not Cycle.objects.exists()


def test_omitted_scheme_keys_take_defaults(api):
    response = api.post("/api/v1/cycles/", {**CYCLE, "scheme": {"bonus_cap": 3}})
    assert response.status_code == 201
    scheme = response.json()["scheme"]
    assert scheme["bonus_cap"] == 3
    assert scheme["category_weights"] == {"deputy": 20, "grassroots": 30, "enterprise": 30, "citizen": 20}


def test_cycle_ending_before_it_starts_is_400(api):
    response = api.post("/api/v1/cycles/", {**CYCLE, "ends_on": "2026-01-01"})
    assert response.status_code == 400
    assert "ends_on" in response.json()["errors"]


def test_partial_scheme_patch_keeps_other_changes(api, cycle):
    api.patch(f"/api/v1/cycles/{cycle.code}/", {"scheme": {"bonus_cap": 4}}, format="json")
    response = api.patch(f"/api/v1/cycles/{cycle.code}/", {"scheme": {"min_sample": 10}}, format="json")
    assert response.status_code == 200
    assert response.json()["scheme"]["bonus_cap"] == 4
    assert response.json()["scheme"]["min_sample"] == 10


def test_scheme_of_closed_cycle_is_409(api, cycle):
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    response = api.patch(f"/api/v1/cycles/{cycle.code}/", {"scheme": {"bonus_cap": 4}}, format="json")
    assert response.status_code == 409
    assert response.json()["detail"]


def test_admin_creates_users_with_roles(api, agency):
    response = api.post("/api/v1/users/", {"username": "li", "password": "Str0ng-pass-987", "role": "agency",
                                           "agency": agency.code})
    assert response.status_code == 201, response.json()
    assert "password" not in response.json()
    user = User.objects.get(username="li")
    assert user.agency == agency and user.check_password("Str0ng-pass-987")


@pytest.mark.parametrize("body, field", [
    ({"username": "x", "password": "Str0ng-pass-987", "role": "agency"}, "agency"),
    ({"username": "x", "password": "Str0ng-pass-987", "role": "assessor"}, "assessor_unit"),
    ({"username": "x", "password": "Str0ng-pass-987", "role": "king"}, "role"),
    ({"username": "x", "password": "123", "role": "leader"}, "password"),
    ({"username": "admin", "password": "Str0ng-pass-987", "role": "leader"}, "username"),
    ({"username": "x", "password": "Str0ng-pass-987", "role": "agency", "agency": "nope"}, "agency"),
])
def test_bad_user_is_400_naming_the_field(api, agency, body, field):
    response = api.post("/api/v1/users/", body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR, Role.ASSESSOR, Role.AGENCY])
def test_only_admins_write(client_for, agency, role):
    user = User.objects.create(username=f"u-{role}", role=role, agency=agency, assessor_unit="x")
    client = client_for(user)
    assert client.get("/api/v1/agencies/").status_code == 200
    assert client.post("/api/v1/agencies/", AGENCY).status_code == 403
    assert client.patch(f"/api/v1/agencies/{agency.code}/", {"name": "x"}).status_code == 403
    assert client.get("/api/v1/users/").status_code == 403
    assert client.get("/api/v1/cycles/").status_code == 403
    assert client.post("/api/v1/agency-groups/", {"code": "g", "name": "g"}).status_code == 403


def test_superuser_is_an_admin(client_for, agency):
    root = User.objects.create(username="root", is_superuser=True, role=Role.LEADER)
    assert client_for(root).post("/api/v1/agency-groups/", {"code": "g2", "name": "组"}).status_code == 201


def test_pagination_shape_and_page_size_cap(api, group):
    Agency.objects.bulk_create([Agency(code=f"a{n:03d}", name=f"机关{n}", group=group) for n in range(503)])
    body = api.get("/api/v1/agencies/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 503 and len(body["results"]) == 2
    assert len(api.get("/api/v1/agencies/").json()["results"]) == 50  # the default page
    capped = api.get("/api/v1/agencies/?page_size=100000")
    assert capped.status_code == 200
    assert len(capped.json()["results"]) == 500 and capped.json()["next"]  # DESIGN.md: up to 500
    assert len(api.get("/api/v1/agencies/?page_size=500&page=2").json()["results"]) == 3


def test_malformed_json_is_400_not_500(api):
    response = api.generic("POST", "/api/v1/agencies/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_schema_and_docs_are_served(api, client):
    assert api.get("/api/v1/schema/").status_code == 200
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"cdn" not in response.content.lower()
