"""Every bad input to the API is a 4xx in the error format `{"detail", "errors": {field: [messages]}}`, never a 500:
ids that are not numbers, bodies nested too deep or too large, control characters, dates no cycle can mean."""
import datetime
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Agency, Cycle
from inspections.models import Visit
from surveys.models import Opinion, Response, Survey
from tests.factories import AgencyFactory, CycleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Each test counts submissions under rate-limit keys of its own (as tests/surveys do)."""
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{uuid.uuid4().hex}:"


def error_of(response, status: int) -> dict:
    """The answer's body, once it is known to be `status` in the error format."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"detail", "errors"} and isinstance(body["detail"], str)
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages), body
    return body


# --- ids --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/rectifications/x1/"),
    ("post", "/api/v1/rectifications/null,null/verify/"),
    ("post", "/api/v1/rectifications/1.5/respond/"),
    ("post", "/api/v1/findings/abc/confirm/"),
    ("get", "/api/v1/findings/-1/"),
    ("post", "/api/v1/opinions/1e3/triage/"),
    ("get", "/api/v1/visits/%00/"),
    ("get", "/api/v1/users/0x10/"),
    ("post", "/api/v1/entries/abc/reverse/"),
    ("get", "/api/v1/rectifications/99999999999999999999999999/"),  # digits, but past any id column
    ("get", "/api/v1/agencies/no.such/"),
    ("get", "/api/v1/cycles/%E5%B9%B4/"),
    ("get", "/api/v1/track/%00/"),
    ("get", "/api/v1/track/..%2F..%2Fetc/"),
    ("get", "/api/v1/no-such-thing/"),
    ("post", "/api/v1/surveys/%01/responses/"),
])
def test_ids_that_cannot_be_are_a_json_404(api, method, path):
    error_of(getattr(api, method)(path, {}, format="json"), 404)


def test_unknown_path_is_a_json_404_for_anyone_and_any_method(client_for):
    for method in ("get", "post", "put", "delete"):
        error_of(getattr(client_for(), method)("/api/v1/rectifications/x1/verify/"), 404)


def test_a_known_path_without_its_slash_is_still_redirected(api):
    answer = api.get("/api/v1/agencies?active=true")
    assert answer.status_code == 301 and answer["Location"] == "/api/v1/agencies/?active=true"
    error_of(api.post("/api/v1/agencies", {}, format="json"), 404)  # a redirect would lose the body


@pytest.mark.parametrize("path", [
    "/ballot/%00/", "/dashboard/rectifications/x1/", "/agency/notices/1e3/", "/inspect/abc/",
    "/dashboard/opinions/null/triage/", "/track/%00/feedback/",
])
def test_pages_with_ids_that_cannot_be_are_404(client, admin, path):
    client.force_login(admin)
    assert client.get(path).status_code == 404


# --- bodies: depth, size, numbers -----------------------------------------------------------------------------

def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
def open_survey(cycle, agency):
    now = datetime.datetime.now(datetime.UTC)
    return Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=now - datetime.timedelta(days=3), closes_at=now + datetime.timedelta(days=3))


@pytest.mark.parametrize("depth", [40, 1_000, 100_000])
def test_deeply_nested_json_is_a_400_on_the_anonymous_endpoints(client_for, open_survey, depth):
    for path in (f"/api/v1/surveys/{open_survey.slug}/responses/", "/api/v1/ballots/"):
        for body in (nested(depth), json.dumps({"agency": "gaj", "ratings": "@"}).replace('"@"', nested(depth))):
            body = error_of(client_for().post(path, body, content_type="application/json"), 400)
            assert "嵌套" in body["detail"] or "嵌套" in str(body["errors"])
    assert not Response.objects.exists()


def test_deeply_nested_json_is_a_400_for_signed_in_users_too(api, cycle):
    body = json.dumps({"scheme": "@"}).replace('"@"', '{"a": ' * 1_000 + "1" + "}" * 1_000)
    error_of(api.patch(f"/api/v1/cycles/{cycle.code}/", body, content_type="application/json"), 400)


def test_a_body_over_the_upload_limit_is_a_json_413(client_for, api, open_survey, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    big = json.dumps({"agency": "gaj", "ratings": {}, "opinion": "很" * 20_000})
    for client, path in ((client_for(), f"/api/v1/surveys/{open_survey.slug}/responses/"),
                         (client_for(), "/api/v1/ballots/"), (api, "/api/v1/agency-groups/")):
        error_of(client.post(path, big, content_type="application/json"), 413)
    # A form body is bounded the same; a multipart one by Django's parser (RequestDataTooBig).
    error_of(api.post("/api/v1/agency-groups/", "code=g&name=" + "x" * 20_000,
                      content_type="application/x-www-form-urlencoded"), 413)
    error_of(api.post("/api/v1/agency-groups/", {"code": "g", "name": "x" * 20_000}, format="multipart"), 413)
    assert not Response.objects.exists()


def test_too_many_form_fields_is_a_json_400(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    error_of(api.post("/api/v1/agency-groups/", "&".join(f"f{i}=1" for i in range(20)),
                      content_type="application/x-www-form-urlencoded"), 400)


@pytest.mark.parametrize("raw", ['{"agency": "gaj", "ratings": {"service_attitude": 1e999}}',
                                 '{"agency": "gaj", "ratings": {"service_attitude": NaN}}',
                                 '{"agency": "gaj", "ratings": {"service_attitude": -Infinity}}',
                                 '{"agency": "gaj", "ratings": {"service_attitude": ' + "9" * 5_000 + "}}",
                                 '{"agency": "gaj"', "\xff\xfe", "", "[null, null]", '"text"', "5"])
def test_json_that_is_not_json_or_not_finite_is_a_400(client_for, open_survey, raw):
    path = f"/api/v1/surveys/{open_survey.slug}/responses/"
    error_of(client_for().post(path, raw.encode("latin-1", "replace"), content_type="application/json"), 400)


@pytest.mark.parametrize("raw", ["[null, null]", '"measures"', "null"])
def test_a_json_body_that_is_not_an_object_is_a_400_everywhere(client_for, admin, liaison, agency, raw):
    from rectification.models import RectificationNotice

    notice = RectificationNotice.objects.create(agency=agency, source="manual", text="整改",
                                                deadline=datetime.date(2026, 12, 31))
    for user, path in ((liaison, f"/api/v1/rectifications/{notice.pk}/respond/"),
                       (admin, f"/api/v1/rectifications/{notice.pk}/verify/"), (admin, "/api/v1/agency-groups/")):
        error_of(client_for(user).post(path, raw, content_type="application/json"), 400)


# --- control characters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value", [
    ("opinion", "窗口\x00人员态度差"), ("opinion", "态度\x1b[31m差"), ("contact", "1380013800\x00"),
    ("opinion", "\ud800"), ("agency", "gaj\x00"), ("window", "\x7f"),
])
def test_control_characters_in_a_survey_response_are_a_400_naming_the_field(client_for, open_survey, field, value):
    body = {"agency": "gaj", "ratings": {"service_attitude": 5}, "opinion": "很好", field: value}
    raw = json.dumps(body)  # escapes \x00 as \u0000, as a client would
    error = error_of(client_for().post(f"/api/v1/surveys/{open_survey.slug}/responses/", raw,
                                       content_type="application/json"), 400)
    assert field in error["errors"] and field in error["detail"]
    assert not Opinion.objects.exists()


def test_a_nul_in_a_json_key_is_a_400_naming_the_field(client_for, agency):
    error = error_of(client_for().post("/api/v1/ballots/", {"token": "t", "ratings": {"gaj\x00": 5}}, format="json"),
                     400)
    assert list(error["errors"]) == ["ratings"]


def test_newlines_and_tabs_stay_allowed(client_for, open_survey):
    body = {"agency": "gaj", "ratings": {"service_attitude": 2}, "opinion": "第一行\n\t第二行\r\n"}
    response = client_for().post(f"/api/v1/surveys/{open_survey.slug}/responses/", body, format="json")
    assert response.status_code == 201, response.json()
    assert Opinion.objects.get().text.startswith("第一行\n\t第二行")


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_control_characters_in_an_office_form_are_a_400_naming_the_field(api, group, fmt):
    body = {"code": "new", "name": "市\x01局", "group": group.code}
    error = error_of(api.post("/api/v1/agencies/", body, format=fmt), 400)
    assert list(error["errors"]) == ["name"]
    assert not Agency.objects.filter(code="new").exists()


def test_a_control_character_in_an_uploaded_file_name_is_a_400(client_for, inspector, cycle, agency):
    visit = Visit.objects.create(inspector=inspector, agency=agency, mode="open", visited_at=datetime.datetime(
        2026, 3, 2, 10, tzinfo=datetime.UTC))
    upload = SimpleUploadedFile("photo\x00.jpg", b"\xff\xd8\xff", content_type="image/jpeg")
    error = error_of(client_for(inspector).post(f"/api/v1/visits/{visit.pk}/evidence/", {"file": upload},
                                                format="multipart"), 400)
    assert list(error["errors"]) == ["file"]


@pytest.mark.parametrize("query", ["agency=%00", "period=%00", "kind=%00"])
def test_control_characters_in_query_parameters_are_a_400(api, cycle, query):
    path = "rankings" if query.startswith("period") else "entries"
    error = error_of(api.get(f"/api/v1/cycles/{cycle.code}/{path}/?{query}"), 400)
    assert query.split("=")[0] in error["errors"]


@pytest.mark.parametrize("query", ["created_before=0234-03-06T14:55:53-23:22",
                                   "created_after=9999-12-31T23:59:59-12:00", "created_after=1999-01-01T00:00:00Z"])
def test_filter_times_no_one_can_mean_are_a_400(api, query):
    error = error_of(api.get(f"/api/v1/opinions/?{query.replace('+', '%2B')}"), 400)
    assert query.split("=")[0] in error["errors"]


@pytest.mark.parametrize("path", ["/public/?cycle=%00", "/public/?cycle=2026%1b", "/dashboard/?cycle=%00",
                                  "/dashboard/?period=%00&group=x", "/track/?receipt=%00",
                                  "/dashboard/opinions/?q=%07"])
def test_control_characters_in_a_page_query_are_a_400(client, admin, cycle, path):
    client.force_login(admin)
    assert client.get(path).status_code == 400


def test_control_characters_in_an_api_filter_are_a_400_naming_it_and_elsewhere_ignored(api):
    error = error_of(api.get("/api/v1/agencies/?group__code=%00&active=true"), 400)
    assert list(error["errors"]) == ["group__code"]
    assert api.get("/api/v1/agency-groups/?%00=%01").status_code == 200  # reads no parameter, as documented


# --- dates ----------------------------------------------------------------------------------------------------

CYCLE = {"code": "2027", "name": "2027年度", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}


@pytest.mark.parametrize("change, field", [
    ({"starts_on": "1999-12-31"}, "starts_on"), ({"starts_on": "0001-01-01"}, "starts_on"),
    ({"ends_on": "2999-12-31"}, "ends_on"), ({"ends_on": "9999-12-31"}, "ends_on"),
])
def test_cycle_dates_no_one_can_mean_are_a_400_naming_the_field(api, change, field):
    error = error_of(api.post("/api/v1/cycles/", {**CYCLE, **change}, format="json"), 400)
    assert field in error["errors"]
    assert not Cycle.objects.exists()


@pytest.mark.parametrize("change, field", [
    ({"opens_at": "0132-02-21T15:01:23+08:00"}, "opens_at"),
    ({"closes_at": "9999-12-31T23:59:59-12:00"}, "closes_at"),
    ({"closes_at": "2999-01-01T00:00:00+08:00"}, "closes_at"),
    ({"opens_at": "2027-01-02T00:00:00+08:00", "closes_at": "2027-02-01T00:00:00+08:00"}, "opens_at"),
    ({"opens_at": "2025-01-02T00:00:00+08:00", "closes_at": "2025-12-01T00:00:00+08:00"}, "closes_at"),
])
def test_survey_times_outside_its_cycle_or_any_sense_are_a_400_naming_the_field(api, cycle, change, field):
    body = {"slug": "s1", "cycle": cycle.code, "kind": "public", "title": "网上民评",
            "opens_at": "2026-01-01T00:00:00+08:00", "closes_at": "2026-12-31T00:00:00+08:00", **change}
    error = error_of(api.post("/api/v1/surveys/", body, format="json"), 400)
    assert field in error["errors"]
    assert not Survey.objects.exists()


def test_a_survey_inside_its_cycle_is_accepted(api, cycle):
    body = {"slug": "s1", "cycle": cycle.code, "kind": "appraisal", "title": "年度评议",
            "opens_at": "2026-12-01T00:00:00+08:00", "closes_at": "2027-01-15T00:00:00+08:00"}
    assert api.post("/api/v1/surveys/", body, format="json").status_code == 201


@pytest.mark.parametrize("visited_at", ["2019-05-01T10:00:00+08:00", "1900-01-01T00:00:00+08:00",
                                        "9999-12-31T23:59:59-12:00", "2099-01-01T00:00:00+08:00"])
def test_a_visit_outside_every_cycle_or_in_the_future_is_a_400_naming_visited_at(client_for, inspector, cycle,
                                                                                 agency, visited_at):
    CycleFactory(code="2025", starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31))
    body = {"agency": agency.code, "visited_at": visited_at, "mode": "open", "summary": "明察"}
    error = error_of(client_for(inspector).post("/api/v1/visits/", body, format="json"), 400)
    assert list(error["errors"]) == ["visited_at"]
    assert not Visit.objects.exists()


# --- the error format itself ------------------------------------------------------------------------------------

def test_nested_errors_keep_the_top_level_field_and_flat_messages(client_for, inspector, cycle, agency):
    body = {"agency": agency.code, "visited_at": "2026-03-02T10:30:00+08:00", "mode": "open",
            "findings": [{"category": "attitude", "severity": "minor", "description": "ok"},
                         {"category": "rude", "severity": "huge", "description": "x"}, "not an object"]}
    error = error_of(client_for(inspector).post("/api/v1/visits/", body, format="json"), 400)
    assert list(error["errors"]) == ["findings"]
    messages = error["errors"]["findings"]
    assert any(m.startswith("[1].category：") for m in messages) and any(m.startswith("[1].severity：")
                                                                         for m in messages)
    assert any(m.startswith("[2].non_field_errors：") for m in messages)


def test_an_inactive_agency_code_with_odd_characters_is_still_a_400(api, group):
    AgencyFactory(code="old", group=group, active=False)
    error = error_of(api.post("/api/v1/rectifications/", {"agency": "old", "text": "整改"}, format="json"), 400)
    assert "agency" in error["errors"]


@pytest.mark.parametrize("encoding", ["json", "multipart"])
def test_a_token_request_with_a_username_longer_than_an_account_can_have_is_a_400(client, encoding):
    """Schemathesis found it: the sign-in was tried and the lockout store refused the long name (a 500)."""
    data = {"username": "x" * 300, "password": "whatever"}
    response = (client.post("/api/v1/auth/token/", json.dumps(data), content_type="application/json")
                if encoding == "json" else client.post("/api/v1/auth/token/", data))
    assert response.status_code == 400
    assert "username" in response.json()["errors"]


def test_a_ballot_whose_ratings_name_no_possible_agency_code_is_a_400(client):
    """Schemathesis found it: a NUL in a ratings key reached PostgreSQL, which refused it (a 500)."""
    body = {"token": "x" * 20, "ratings": json.dumps({"\u0000a": 2, "": 3, "ga\u0018j": 4})}
    response = client.post("/api/v1/ballots/", body)  # multipart, ratings as JSON text
    assert response.status_code == 400, response.content
    assert "ratings" in response.json()["errors"]
