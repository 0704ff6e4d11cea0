"""The OpenAPI document at /api/v1/schema/: complete, warning-free, faithful to DESIGN.md's contract,
and `check --deploy` clean under production settings."""
import datetime
import io
import os
import re
import secrets
import subprocess
import sys

import jsonschema
import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from PIL import Image

from agencies.scheme import DIMENSIONS
from scoring.services import score_entry_book
from surveys.models import Survey

# DESIGN.md "REST API contract": (method, path, the answer when all goes well).
CONTRACT = [
    ("post", "/auth/token/", 200),
    ("get", "/users/", 200),
    ("post", "/users/", 201),
    ("get", "/agency-groups/", 200),
    ("post", "/agency-groups/", 201),
    ("get", "/agencies/", 200),
    ("post", "/agencies/", 201),
    ("get", "/agencies/{code}/", 200),
    ("patch", "/agencies/{code}/", 200),
    ("get", "/agencies/{code}/windows/", 200),
    ("post", "/agencies/{code}/windows/", 201),
    ("get", "/cycles/", 200),
    ("post", "/cycles/", 201),
    ("get", "/cycles/{code}/", 200),
    ("patch", "/cycles/{code}/", 200),
    ("get", "/cycles/{code}/indicators/", 200),
    ("post", "/cycles/{code}/indicators/", 201),
    ("put", "/cycles/{code}/assessments/", 200),
    ("get", "/surveys/", 200),
    ("post", "/surveys/", 201),
    ("post", "/surveys/{slug}/responses/", 201),
    ("post", "/surveys/{slug}/invitations/", 201),
    ("post", "/ballots/", 201),
    ("get", "/track/{receipt}/", 200),
    ("get", "/opinions/", 200),
    ("post", "/opinions/{id}/triage/", 200),
    ("post", "/visits/", 201),
    ("get", "/visits/", 200),
    ("get", "/visits/{id}/", 200),
    ("post", "/visits/{id}/evidence/", 201),
    ("post", "/findings/{id}/confirm/", 200),
    ("post", "/findings/{id}/dismiss/", 200),
    ("get", "/cycles/{code}/entries/", 200),
    ("post", "/cycles/{code}/entries/", 201),
    ("post", "/entries/{id}/reverse/", 201),
    ("post", "/cycles/{code}/recompute/", 202),
    ("get", "/cycles/{code}/rankings/", 200),
    ("get", "/rectifications/", 200),
    ("get", "/rectifications/{id}/", 200),
    ("post", "/rectifications/", 201),
    ("post", "/rectifications/{id}/respond/", 200),
    ("post", "/rectifications/{id}/verify/", 200),
    ("get", "/cycles/{code}/rectification-stats/", 200),
]
# Conflicts and rate limits the contract names, by operation.
DECLARED_ERRORS = [
    ("post", "/ballots/", 409),
    ("post", "/surveys/{slug}/responses/", 409),
    ("post", "/surveys/{slug}/responses/", 429),
    ("post", "/ballots/", 429),
    ("post", "/auth/token/", 429),
    ("post", "/rectifications/{id}/verify/", 409),
    ("post", "/entries/{id}/reverse/", 409),
    ("post", "/cycles/{code}/recompute/", 409),
    ("patch", "/cycles/{code}/", 409),
]


def _shape(path: str) -> str:
    """A path with its parameters' names left out: `/cycles/{cycle_code}/` and `/cycles/{code}/` are one."""
    return re.sub(r"\{[^}]+\}", "{}", path.removeprefix("/api/v1"))


@pytest.fixture(scope="module")
def schema():
    GENERATOR_STATS.reset()
    document = SchemaGenerator().get_schema(request=None, public=True)
    warnings, errors = dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache)
    GENERATOR_STATS.reset()
    return document, warnings, errors


@pytest.fixture(scope="module")
def operations(schema):
    document = schema[0]
    return {(method, _shape(path)): operation
            for path, item in document["paths"].items() for method, operation in item.items()}


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _answer_schema(document: dict, operation: dict, code: int) -> dict:
    return _resolve(document, operation["responses"][str(code)]["content"]["application/json"]["schema"])


def test_the_schema_generates_without_warnings_or_errors_and_is_valid_openapi(schema):
    document, warnings, errors = schema
    assert not warnings, "\n".join(warnings)
    assert not errors, "\n".join(errors)
    validate_schema(document)


@pytest.mark.parametrize(("method", "path", "success"), CONTRACT, ids=[f"{m} {p}" for m, p, _ in CONTRACT])
def test_every_contract_operation_is_in_the_schema_with_its_answer(schema, operations, method, path, success):
    document = schema[0]
    operation = operations.get((method, _shape(path)))
    assert operation is not None, f"{method.upper()} {path} is missing from the schema"
    assert str(success) in operation["responses"], operation["responses"].keys()
    answer = _answer_schema(document, operation, success)
    assert answer.get("properties") or answer.get("oneOf"), f"{method.upper()} {path} answers an undescribed object"
    if method in {"post", "put", "patch"}:
        assert operation.get("requestBody", {}).get("content"), f"{method.upper()} {path} has no request body"


def _json_schema(document: dict, node):
    """An OpenAPI 3.0 schema as plain JSON Schema: references resolved, `nullable` spelled as a null type."""
    if isinstance(node, list):
        return [_json_schema(document, item) for item in node]
    if not isinstance(node, dict):
        return node
    node = _resolve(document, node)
    converted = {key: _json_schema(document, value) for key, value in node.items() if key != "nullable"}
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


def _assert_answer_matches(document: dict, operation: dict, response) -> None:
    schema = _json_schema(document, operation["responses"][str(response.status_code)]["content"]
                          ["application/json"]["schema"])
    # OpenAPI 3.0 schemas speak draft 4 (a boolean exclusiveMaximum, for one).
    jsonschema.Draft4Validator(schema).validate(response.json())


def test_every_error_answer_has_the_detail_and_errors_shape(schema):
    document = schema[0]
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"detail", "errors"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            errors = {code: answer for code, answer in operation["responses"].items() if code >= "400"}
            assert errors, f"{method.upper()} {path} documents no error answer"
            for answer in errors.values():
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize(("method", "path", "code"), DECLARED_ERRORS,
                         ids=[f"{m} {p} {c}" for m, p, c in DECLARED_ERRORS])
def test_conflicts_and_rate_limits_are_documented(operations, method, path, code):
    assert str(code) in operations[(method, _shape(path))]["responses"]


def test_error_answers_follow_from_an_operations_shape(operations):
    # A body can be wrong, a signed-in-only operation can be refused, an unknown object is a 404.
    assert {"400", "403", "404"} <= set(operations[("post", "/opinions/{}/triage/")]["responses"])
    # Anyone may track a receipt: only an unknown one is an error.
    track = {code for code in operations[("get", "/track/{}/")]["responses"] if code >= "400"}
    assert track == {"404"}


def test_the_rankings_and_stats_answers_have_the_contract_fields(schema, operations):
    document = schema[0]
    rankings = _answer_schema(document, operations[("get", "/cycles/{}/rankings/")], 200)
    assert {"snapshot", "computed_at", "period", "final", "rows"} <= set(rankings["properties"])
    row = _resolve(document, rankings["properties"]["rows"]["items"])
    assert {"agency", "group", "components", "bonus", "deduction", "total", "rank_overall", "rank_in_group",
            "outcome"} <= set(row["properties"])
    component = _resolve(document, row["properties"]["components"]["additionalProperties"])
    assert {"score", "weight", "n", "included"} <= set(component["properties"])
    stats = _answer_schema(document, operations[("get", "/cycles/{}/rectification-stats/")], 200)
    assert set(stats["properties"]) == {"issued", "due", "verified", "on_time", "overdue", "rate", "on_time_rate"}


def test_an_entrys_kind_is_any_kind_in_answers_but_a_bookable_one_in_requests(schema, operations):
    document = schema[0]
    entry = _answer_schema(document, operations[("post", "/entries/{}/reverse/")], 201)
    booked = _resolve(document, operations[("post", "/cycles/{}/entries/")]["requestBody"]["content"]
                      ["application/json"]["schema"])
    assert "inspection" in _resolve(document, entry["properties"]["kind"])["enum"]
    assert _resolve(document, booked["properties"]["kind"])["enum"] == ["bonus", "deduction", "veto"]


def test_a_real_error_answer_matches_the_documented_shape(schema, operations, client_for, db):
    response = client_for(None).post("/api/v1/ballots/", {"ratings": {}}, format="json")
    assert response.status_code == 400 and response.json()["errors"]
    _assert_answer_matches(schema[0], operations[("post", "/ballots/")], response)


def test_real_scoring_and_rectification_answers_match_their_schemas(schema, operations, api, cycle, agency,
                                                                   other_agency, django_capture_on_commit_callbacks):
    document, base = schema[0], f"/api/v1/cycles/{cycle.code}"
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC), tick=True):
        entry = score_entry_book(cycle=cycle, agency=agency, kind="bonus", points=2, reason="表扬信")
        score_entry_book(cycle=cycle, agency=other_agency, kind="inspection", points=3, reason="暗访")
        with django_capture_on_commit_callbacks(execute=True):
            recompute = api.post(f"{base}/recompute/", {"period": "cycle"})
        answers = {
            ("post", "/cycles/{}/recompute/"): recompute,
            ("get", "/cycles/{}/rankings/"): api.get(f"{base}/rankings/?period=cycle"),
            ("get", "/cycles/{}/entries/"): api.get(f"{base}/entries/"),
            ("post", "/entries/{}/reverse/"): api.post(f"/api/v1/entries/{entry.pk}/reverse/", {"reason": "更正"}),
            ("get", "/cycles/{}/rectification-stats/"): api.get(f"{base}/rectification-stats/"),
            ("get", "/findings/"): api.get("/api/v1/findings/"),
        }
    for key, response in answers.items():
        assert response.status_code < 300, (key, response.json())
        _assert_answer_matches(document, operations[key], response)
    assert len(answers[("get", "/cycles/{}/rankings/")].json()["rows"]) == 2


def test_the_schema_and_its_docs_are_served_without_the_internet(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/cycles/{cycle_code}/rankings/" in schema.json()["paths"]
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar" in html and "cdn." not in html


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    # Production's environment, not this test process's (which may carry test-only switches).
    env = {
        **{name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
        "DJANGO_SETTINGS_MODULE": "conduct_eval.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),  # 67 characters
        "ALLOWED_HOSTS": "pingyi.example.gov.cn",
        "CONDUCT_EVAL_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_real_survey_and_notice_answers_match_their_schemas(schema, operations, api, client_for, cycle, agency,
                                                           liaison):
    document, anon = schema[0], client_for(None)
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC), tick=True):
        now, month = timezone.now(), datetime.timedelta(days=30)
        Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评",
                              opens_at=now - month, closes_at=now + month)
        Survey.objects.create(slug="nianping", cycle=cycle, kind="appraisal", title="年度评议",
                              opens_at=now - month, closes_at=now + month)
        submitted = anon.post("/api/v1/surveys/minping/responses/",
                              {"agency": agency.code, "ratings": dict.fromkeys(DIMENSIONS, 4), "opinion": "排队太久"})
        invitations = api.post("/api/v1/surveys/nianping/invitations/", {"category": "citizen", "count": 1})
        opinions = api.get("/api/v1/opinions/")
        opinion = opinions.json()["results"][0]["id"]
        notice = api.post("/api/v1/rectifications/", {"agency": agency.code, "text": "窗口排队时间过长"})
        answers = {
            ("post", "/surveys/{}/responses/"): submitted,
            ("get", "/track/{}/"): anon.get(f"/api/v1/track/{submitted.json()['receipt']}/"),
            ("post", "/surveys/{}/invitations/"): invitations,
            ("post", "/ballots/"): anon.post("/api/v1/ballots/", {"token": invitations.json()["tokens"][0],
                                                                   "ratings": {agency.code: 5}}),
            ("get", "/opinions/"): opinions,
            ("post", "/opinions/{}/triage/"): api.post(f"/api/v1/opinions/{opinion}/triage/",
                                                       {"action": "reject", "note": "不属于本次评议"}),
            ("post", "/rectifications/"): notice,
            ("post", "/rectifications/{}/respond/"): client_for(liaison).post(
                f"/api/v1/rectifications/{notice.json()['id']}/respond/", {"measures": "增开窗口"}),
            ("get", "/rectifications/{}/"): api.get(f"/api/v1/rectifications/{notice.json()['id']}/"),
            ("get", "/rectifications/"): api.get("/api/v1/rectifications/"),
        }
    for key, response in answers.items():
        assert response.status_code < 300, (key, response.json())
        _assert_answer_matches(document, operations[key], response)
    assert answers[("get", "/rectifications/{}/")].json()["response"]["measures"] == "增开窗口"


def test_real_visit_and_finding_answers_match_their_schemas(schema, operations, api, client_for, cycle, agency,
                                                          inspector, liaison):
    document, phone, agency_view = schema[0], client_for(inspector), client_for(liaison)
    photo = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(photo, "JPEG")
    photo = SimpleUploadedFile("p.jpg", photo.getvalue(), content_type="image/jpeg")
    with time_machine.travel(datetime.datetime(2026, 6, 15, 10, tzinfo=datetime.UTC), tick=True):
        visit = phone.post("/api/v1/visits/", {
            "agency": agency.code, "visited_at": "2026-06-01T10:30:00+08:00", "mode": "covert", "summary": "暗访",
            "findings": [{"category": "attitude", "severity": "major", "description": "态度生硬"}]})
        visit_url, finding = f"/api/v1/visits/{visit.json()['id']}/", visit.json()["findings"][0]["id"]
        answers = [
            (("post", "/visits/"), visit),
            (("post", "/visits/{}/evidence/"), phone.post(f"{visit_url}evidence/", {"file": photo, "finding": finding},
                                                          format="multipart")),
            (("get", "/visits/{}/"), phone.get(visit_url)),
            (("post", "/findings/{}/confirm/"), api.post(f"/api/v1/findings/{finding}/confirm/", {"reason": "属实"})),
        ]
        # The office and an agency see a finding differently; both views fit the documented answer.
        for client in (api, agency_view):
            answers += [(("get", "/findings/"), client.get("/api/v1/findings/")),
                        (("get", "/findings/{}/"), client.get(f"/api/v1/findings/{finding}/"))]
    for key, response in answers:
        assert response.status_code < 300 and response.json(), (key, response.json())
        _assert_answer_matches(document, operations[key], response)
    assert "visited_at" in agency_view.get(f"/api/v1/findings/{finding}/").json()
