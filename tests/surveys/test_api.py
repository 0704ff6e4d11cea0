import datetime
import json
import threading
from collections import Counter

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.scheme import DIMENSIONS
from surveys import rollups, selectors, services
from surveys.models import Ballot, BallotRating, Invitation, Opinion, Response, Survey
from tests.concurrency import run_at_once
from tests.factories import WindowFactory

pytestmark = pytest.mark.django_db
ALL4 = dict.fromkeys(DIMENSIONS, 4)


def post_response(client, survey, body, device=None, **extra):
    if device:
        client.cookies["ce_device"] = device
    return client.post(f"/api/v1/surveys/{survey.slug}/responses/", body, format="json", **extra)


@pytest.fixture
def anon():
    # A token-less anonymous client that presents no CSRF token: the API must not ask for one.
    return APIClient(enforce_csrf_checks=True)


def test_response_with_an_opinion_answers_valid_and_a_receipt(anon, public, agency, window):
    r = post_response(anon, public, {"agency": "gaj", "window": "w01", "channel": "qr", "ratings": ALL4,
                                     "opinion": "排队太久", "contact": "13812341234"}, device="d1")
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "valid" and len(r.json()["receipt"]) == 10
    response = Response.objects.get()
    assert (response.window, response.channel, response.status) == (window, "qr", "valid")
    assert len(response.fingerprint) == 64 and "127.0.0.1" not in response.fingerprint
    assert Opinion.objects.get().contact_masked == "138****1234"


def test_without_an_opinion_there_is_no_receipt_and_null_means_not_applicable(anon, public, agency):
    r = post_response(anon, public, {"agency": "gaj", "ratings": {"service_attitude": 5, "fees": None}}, device="d1")
    assert r.status_code == 201 and r.json() == {"status": "valid"}
    response = Response.objects.get()
    assert (response.r_service_attitude, response.r_fees, response.r_integrity) == (5, None, None)


def test_second_response_of_a_device_is_stored_as_duplicate(anon, public, agency, other_agency):
    assert post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device="d1").json()["status"] == "valid"
    assert post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device="d1").json()["status"] == "duplicate"
    assert post_response(anon, public, {"agency": "scjgj", "ratings": ALL4}, device="d1").json()["status"] == "valid"
    assert post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device="d2").json()["status"] == "valid"
    assert Counter(Response.objects.values_list("status", flat=True)) == {"valid": 3, "duplicate": 1}


def test_without_a_device_cookie_address_and_user_agent_identify_the_client(public, agency):
    a, b = APIClient(HTTP_USER_AGENT="phone-a"), APIClient(HTTP_USER_AGENT="phone-b")
    assert post_response(a, public, {"agency": "gaj", "ratings": ALL4}).json()["status"] == "valid"
    assert post_response(a, public, {"agency": "gaj", "ratings": ALL4}).json()["status"] == "duplicate"
    assert post_response(b, public, {"agency": "gaj", "ratings": ALL4}).json()["status"] == "valid"


BAD_INPUTS = [
    ({"agency": "nope", "ratings": ALL4}, "agency"),
    ({"agency": "fgw", "ratings": ALL4}, "agency"),  # no service window: not publicly rated
    ({"ratings": ALL4}, "agency"),
    ({"agency": "gaj", "window": "w99", "ratings": ALL4}, "window"),
    ({"agency": "gaj", "window": "w02", "ratings": ALL4}, "window"),  # another agency's window
    ({"agency": "gaj", "channel": "fax", "ratings": ALL4}, "channel"),
    ({"agency": "gaj", "channel": "import", "ratings": ALL4}, "channel"),
    ({"agency": "gaj"}, "ratings"),
    ({"agency": "gaj", "ratings": [4, 4]}, "ratings"),
    ({"agency": "gaj", "ratings": "all good"}, "ratings"),
    ({"agency": "gaj", "ratings": None}, "ratings"),
    ({"agency": "gaj", "ratings": {"nope": 3}}, "ratings"),
    ({"agency": "gaj", "ratings": {"service_attitude": 6}}, "ratings"),
    ({"agency": "gaj", "ratings": {"service_attitude": 0}}, "ratings"),
    ({"agency": "gaj", "ratings": {"service_attitude": "4"}}, "ratings"),
    ({"agency": "gaj", "ratings": {"service_attitude": 3.5}}, "ratings"),
    ({"agency": "gaj", "ratings": {"service_attitude": True}}, "ratings"),
    ({"agency": "gaj", "ratings": {"service_attitude": None}}, "ratings"),  # rates nothing
    ({"agency": "gaj", "ratings": ALL4, "opinion": "长" * 2001}, "opinion"),
    ({"agency": "gaj", "ratings": ALL4, "contact": "1" * 101}, "contact"),
]


@pytest.mark.parametrize("body, field", BAD_INPUTS)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(anon, public, agency, other_agency,
                                                                   no_window_agency, body, field):
    WindowFactory(agency=other_agency, code="w02")
    r = post_response(anon, public, body, device="d1")
    assert r.status_code == 400, r.json()
    assert field in r.json()["errors"] and r.json()["detail"]
    assert not Response.objects.exists() and not Opinion.objects.exists()


@pytest.mark.parametrize("raw, field", [("{not json", "non_field_errors"), ("[1, 2]", "non_field_errors"),
                                        ('"text"', "non_field_errors"), ("", "agency")])
def test_a_body_that_is_not_a_json_object_is_a_400(anon, public, agency, raw, field):
    r = anon.post(f"/api/v1/surveys/{public.slug}/responses/", raw, content_type="application/json")
    assert r.status_code == 400
    assert field in r.json()["errors"]


def test_unknown_survey_and_an_appraisal_are_404(anon, public, appraisal_open, agency):
    assert post_response(anon, Survey(slug="nope"), {"agency": "gaj", "ratings": ALL4}).status_code == 404
    assert post_response(anon, appraisal_open, {"agency": "gaj", "ratings": ALL4}).status_code == 404


@pytest.mark.parametrize("opens, closes", [(-10, -1), (1, 10)])
def test_a_survey_not_open_is_a_409_with_a_message(anon, cycle, agency, opens, closes):
    now = timezone.now()
    closed = Survey.objects.create(slug="closed", cycle=cycle, kind="public", title="t",
                                   opens_at=now + datetime.timedelta(days=opens),
                                   closes_at=now + datetime.timedelta(days=closes))
    r = post_response(anon, closed, {"agency": "gaj", "ratings": ALL4})
    assert r.status_code == 409 and "未开放" in r.json()["detail"]
    assert not Response.objects.exists()


@override_settings(SURVEY_RATE_LIMIT="3/h")
def test_beyond_the_rate_limit_per_address_the_answer_is_429_and_nothing_is_stored(anon, public, agency):
    statuses = [post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device=f"d{i}").status_code
                for i in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    assert Response.objects.count() == 3
    # Another address has its own allowance.
    assert post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device="x",
                         REMOTE_ADDR="10.0.0.9").status_code == 201


# --- invitations, ballots ----------------------------------------------------------------

def test_admin_issues_tokens_shown_once(api, appraisal_open):
    r = api.post(f"/api/v1/surveys/{appraisal_open.slug}/invitations/", {"category": "enterprise", "count": 3})
    assert r.status_code == 201 and len(set(r.json()["tokens"])) == 3
    assert r["Cache-Control"] == "no-store"
    assert not Invitation.objects.filter(token_hash__in=r.json()["tokens"]).exists()
    assert set(Invitation.objects.values_list("category", flat=True)) == {"enterprise"}


@pytest.mark.parametrize("body, field", [
    ({"category": "alien", "count": 2}, "category"), ({"count": 2}, "category"),
    ({"category": "deputy", "count": 0}, "count"), ({"category": "deputy", "count": 5001}, "count"),
    ({"category": "deputy", "count": "many"}, "count"), ({"category": "deputy"}, "count"),
])
def test_bad_invitation_requests_are_400(api, appraisal_open, body, field):
    r = api.post(f"/api/v1/surveys/{appraisal_open.slug}/invitations/", body)
    assert r.status_code == 400 and field in r.json()["errors"]
    assert not Invitation.objects.exists()


def test_only_admins_issue_invitations_and_only_for_an_appraisal(client_for, api, liaison, appraisal_open, public):
    body = {"category": "deputy", "count": 1}
    assert client_for(None).post(f"/api/v1/surveys/{appraisal_open.slug}/invitations/", body).status_code in (401, 403)
    assert client_for(liaison).post(f"/api/v1/surveys/{appraisal_open.slug}/invitations/", body).status_code == 403
    assert api.post(f"/api/v1/surveys/{public.slug}/invitations/", body).status_code == 404


def test_a_ballot_is_stored_once_by_agency_codes(anon, appraisal_open, agency, no_window_agency):
    token = services.invitations_issue(survey=appraisal_open, category="grassroots", count=1)[0]
    r = anon.post("/api/v1/ballots/", {"token": token, "ratings": {"gaj": 5, "fgw": 2}}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["category"] == "grassroots" and r.json()["rated"] == 2
    assert sorted(BallotRating.objects.values_list("agency__code", "level")) == [("fgw", 2), ("gaj", 5)]
    again = anon.post("/api/v1/ballots/", {"token": token, "ratings": {"gaj": 1}}, format="json")
    assert again.status_code == 409 and again.json()["detail"]
    assert Ballot.objects.count() == 1


@pytest.mark.parametrize("body, field", [
    ({"token": "forged-token", "ratings": {"gaj": 5}}, "token"),
    ({"ratings": {"gaj": 5}}, "token"),
    ({"token": "TOKEN", "ratings": {"nope": 5}}, "ratings"),
    ({"token": "TOKEN", "ratings": {"gaj": 6}}, "ratings"),
    ({"token": "TOKEN", "ratings": {"gaj": "5"}}, "ratings"),
    ({"token": "TOKEN", "ratings": {}}, "ratings"),
    ({"token": "TOKEN", "ratings": [5]}, "ratings"),
])
def test_bad_ballots_are_400_naming_the_field_and_leave_the_token_unused(anon, appraisal_open, agency, body, field):
    token = services.invitations_issue(survey=appraisal_open, category="citizen", count=1)[0]
    if body.get("token") == "TOKEN":
        body = {**body, "token": token}
    r = anon.post("/api/v1/ballots/", body, format="json")
    assert r.status_code == 400 and field in r.json()["errors"], r.json()
    assert Invitation.objects.get().used_at is None and not Ballot.objects.exists()


def test_a_ballot_outside_the_appraisal_period_is_409(anon, appraisal, agency):
    token = services.invitations_issue(survey=appraisal, category="citizen", count=1)[0]
    appraisal.closes_at = timezone.now() - datetime.timedelta(days=1)
    appraisal.opens_at = appraisal.closes_at - datetime.timedelta(days=30)
    appraisal.save()
    r = anon.post("/api/v1/ballots/", {"token": token, "ratings": {"gaj": 4}}, format="json")
    assert r.status_code == 409


# --- tracking ----------------------------------------------------------------------------

def test_track_shows_the_status_history_and_never_the_contact(anon, public, agency):
    receipt = post_response(anon, public, {"agency": "gaj", "ratings": ALL4, "opinion": "窗口人员态度生硬",
                                           "contact": "13812341234"}, device="d1").json()["receipt"]
    services.opinion_set_status(opinion=Opinion.objects.get(), status="routed", note="已转交市公安局整改")
    r = anon.get(f"/api/v1/track/{receipt.lower()}/")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "routed"
    assert [(h["status"], h["note"]) for h in body["history"]] == [
        ("new", "意见已收到，等待办公室处理"), ("routed", "已转交市公安局整改")]
    assert set(body["history"][0]) == {"at", "status", "note"}
    assert "1381234" not in r.content.decode() and "****" not in r.content.decode()


def test_unknown_receipt_is_404(anon, db):
    assert anon.get("/api/v1/track/NOPE234567/").status_code == 404


# --- real PostgreSQL under concurrency ----------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(SURVEY_RATE_LIMIT="100000/h")
def test_two_hundred_concurrent_submissions_are_all_stored(public, agency, other_agency):
    codes, lock = Counter(), threading.Lock()

    def submit(i):
        client = APIClient()
        for k in range(10):
            client.cookies["ce_device"] = f"device-{i}-{k}"
            r = post_response(client, public, {"agency": ["gaj", "scjgj"][k % 2], "ratings": ALL4,
                                               "opinion": "测试" if k == 0 else ""})
            with lock:
                codes[(r.status_code, json.loads(r.content).get("status"))] += 1

    assert not any(run_at_once(submit, 20))  # no thread raised
    assert codes == {(201, "valid"): 200}
    assert Response.objects.filter(status="valid").count() == 200
    assert Opinion.objects.count() == 20
    rollups.catch_up()  # the hot path's rows are counted in batches (every 5 s, and before every recompute)
    counts = selectors.public_level_counts(cycle=public.cycle, until=timezone.now() + datetime.timedelta(days=40))
    assert sum(c.n for c in counts.values()) == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_posts_of_one_token_through_the_api_give_one_ballot(appraisal_open, agency):
    token = services.invitations_issue(survey=appraisal_open, category="deputy", count=1)[0]

    statuses = run_at_once(lambda i: APIClient().post("/api/v1/ballots/", {"token": token, "ratings": {"gaj": 5}},
                                                      format="json").status_code, 50)
    assert Counter(statuses) == {201: 1, 409: 49}
    assert Ballot.objects.count() == 1 and BallotRating.objects.count() == 1


@pytest.mark.redis
@override_settings(SURVEY_RATE_LIMIT="2/h")
def test_the_rate_limit_counter_lives_in_redis_shared_by_every_process(anon, public, agency, settings):
    import os

    import redis

    for device in ("a", "b"):
        assert post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device=device).status_code == 201
    # What another gunicorn worker or host would read: the counter in Redis itself, not in this process.
    store = redis.Redis.from_url(os.environ["REDIS_URL"])
    counters = [int(store.get(key)) for key in store.scan_iter(f"*{settings.RATELIMIT_CACHE_PREFIX}*")]
    assert counters == [2]
    assert post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device="c").status_code == 429


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:9/0",
                                       "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}})
def test_when_the_rate_limit_store_is_down_submissions_are_still_taken(anon, public, agency):
    r = post_response(anon, public, {"agency": "gaj", "ratings": ALL4}, device="d1")
    assert r.status_code == 201 and Response.objects.count() == 1
