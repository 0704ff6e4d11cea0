"""The survey POST's hot path on PostgreSQL + Redis (surveys/fastpath.py) and the batch catch-up of its rows
(surveys.rollups.catch_up): the answer stays right, nothing is lost, every valid row is counted once."""
import datetime
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Cycle
from agencies.scheme import DIMENSIONS
from bench.scale import _rollups_equal_group_by
from surveys import fastpath, rollups
from surveys.models import RatingDaily, RatingMonthly, Response, rating_column
from tests.concurrency import run_at_once
from tests.rectification.conftest import own_redis  # noqa: F401 — a Redis of the test's own, restartable

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ALL4 = dict.fromkeys(DIMENSIONS, 4)


def post(survey, device, agency="gaj", **body):
    client = APIClient()
    client.cookies["ce_device"] = device
    return client.post(f"/api/v1/surveys/{survey.slug}/responses/", {"agency": agency, "ratings": ALL4, **body},
                       format="json")


def counted_n(survey, agency) -> int:
    return sum(RatingMonthly.objects.filter(survey=survey, agency=agency).values_list("n", flat=True))


@pytest.fixture(autouse=True)
def _many(settings):
    settings.SURVEY_RATE_LIMIT = "100000/h"


def test_the_hot_path_answers_stores_uncounted_and_the_catch_up_counts(public, agency):
    assert fastpath.enabled()
    r = post(public, "d1")
    assert (r.status_code, r.json()) == (201, {"status": "valid"})
    row = Response.objects.get()
    assert (row.status, row.counted, row.channel) == ("valid", False, "web")
    assert counted_n(public, agency) == 0  # not yet: the batch counts it
    version = Cycle.objects.get(pk=public.cycle_id).inputs_version
    assert rollups.catch_up() == 1
    assert Response.objects.get().counted and counted_n(public, agency) == 1
    assert Cycle.objects.get(pk=public.cycle_id).inputs_version == version + 1
    assert post(public, "d1").json() == {"status": "duplicate"}


def test_concurrent_duplicates_of_one_device_give_one_valid_answer_and_one_counted_row(public, agency):
    statuses = run_at_once(lambda i: post(public, "same-device").json()["status"], 12)
    assert Counter(statuses) == {"valid": 1, "duplicate": 11}
    assert Response.objects.count() == 12 and Response.objects.filter(status="valid").count() == 1
    rollups.catch_up()
    assert counted_n(public, agency) == 1


def test_a_redis_restart_between_two_submissions_still_answers_duplicate(public, agency, own_redis, settings):  # noqa: F811
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": own_redis.url}}
    assert post(public, "d1").json() == {"status": "valid"}
    own_redis.stop()
    own_redis.start()  # no persistence: every key is gone
    second = post(public, "d1")
    assert (second.status_code, second.json()) == (201, {"status": "duplicate"})
    assert sorted(Response.objects.values_list("status", flat=True)) == ["duplicate", "valid"]
    # The key is back, with the first response's window: a third submission is a duplicate without the database.
    assert post(public, "d1").json() == {"status": "duplicate"}
    rollups.catch_up()
    assert counted_n(public, agency) == 1


def test_with_redis_unreachable_the_database_path_answers(public, agency, settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:9/0"}}
    assert post(public, "d1").json() == {"status": "valid"}
    assert post(public, "d1").json() == {"status": "duplicate"}
    assert list(Response.objects.values_list("counted", flat=True)) == [True, True]  # counted inline
    assert counted_n(public, agency) == 1


def _uncounted(survey, agency, at, fingerprint="f"):
    """A valid row as the hot path stores it, as if Redis had let it through (a race, or keys lost)."""
    return Response.objects.create(survey=survey, agency=agency, fingerprint=fingerprint, submitted_at=at,
                                   counted=False, status="valid", **dict.fromkeys(map(rating_column, DIMENSIONS), 4))


def test_the_catch_up_marks_duplicate_a_row_redis_let_through_in_submission_order(public, agency):
    start = timezone.now() - datetime.timedelta(days=3)
    hours = datetime.timedelta(hours=1)
    first = _uncounted(public, agency, start)
    again = _uncounted(public, agency, start + 20 * hours)  # within the first's 24 h: a duplicate
    later = _uncounted(public, agency, start + 30 * hours)  # 30 h after the first valid one: valid
    other = _uncounted(public, agency, start + 21 * hours, fingerprint="g")
    assert rollups.catch_up() == 4
    status = dict(Response.objects.values_list("pk", "status"))
    assert [status[r.pk] for r in (first, again, later, other)] == ["valid", "duplicate", "valid", "valid"]
    assert counted_n(public, agency) == 3
    assert _rollups_equal_group_by(public)


def test_the_catch_up_is_idempotent_and_rollups_equal_a_group_by(public, agency, other_agency):
    for i in range(30):
        post(public, f"dev-{i % 20}", agency=["gaj", "scjgj"][i % 2])
    post(public, "with-opinion", opinion="窗口排队太久")  # the database path: counted inline
    assert Response.objects.filter(counted=False).count() == 30
    assert rollups.catch_up(batch=7) == 30  # several batches
    monthly = list(RatingMonthly.objects.order_by("pk").values())
    daily = list(RatingDaily.objects.order_by("pk").values())
    assert rollups.catch_up() == 0
    assert list(RatingMonthly.objects.order_by("pk").values()) == monthly
    assert list(RatingDaily.objects.order_by("pk").values()) == daily
    assert _rollups_equal_group_by(public)
    assert sum(r["n"] for r in monthly) == Response.objects.filter(status="valid").count()
    # rebuild recounts everything and leaves nothing for the catch-up to add again
    post(public, "late")
    rollups.rebuild(survey_id=public.pk)
    assert rollups.catch_up() == 0 and _rollups_equal_group_by(public)


def test_two_catch_ups_at_once_count_each_row_once(public, agency):
    for i in range(40):
        post(public, f"dev-{i}")
    taken = run_at_once(lambda i: rollups.catch_up(batch=5), 4)
    assert sum(taken) == 40
    assert counted_n(public, agency) == 40 and _rollups_equal_group_by(public)


def test_a_snapshot_computation_counts_the_rows_first(public, agency):
    from scoring.services import snapshot_compute

    post(public, "d1")
    snapshot_compute(cycle=public.cycle)
    assert not Response.objects.filter(counted=False).exists()
    assert counted_n(public, agency) == 1


def test_a_deactivated_agency_is_refused_at_once_by_the_hot_path(public, agency):
    assert post(public, "d1").status_code == 201
    agency.active = False
    agency.save()
    r = post(public, "d2")
    assert r.status_code == 400 and "agency" in r.json()["errors"]
    assert connection.vendor == "postgresql"


def test_the_catalog_reads_every_agency_in_one_query_and_sees_a_new_one(public, agency, other_agency):
    from django.test.utils import CaptureQueriesContext

    fastpath.catalog.clear()
    with CaptureQueriesContext(connection) as queries:
        assert post(public, "d1").status_code == 201
        assert post(public, "d2", agency=other_agency.code).status_code == 201
        assert post(public, "d3", agency="no-such-agency").status_code == 400  # the DRF view names the field
    reads = [q["sql"] for q in queries.captured_queries
             if 'FROM "agencies_agency"' in q["sql"] and "INSERT" not in q["sql"]]
    assert len([sql for sql in reads if '"agencies_agency"."code" =' not in sql]) == 1  # one read of them all
    from agencies import services as agency_services

    added = agency_services.agency_create(code="new-unit", name="新单位", group=agency.group,
                                          has_service_window=True)
    assert post(public, "d4", agency=added.code).status_code == 201  # its save emptied the catalog


def test_a_connection_the_database_dropped_is_replaced_and_the_response_stored_once(public, agency, caplog):
    """The hot path skips the per-request `SELECT 1` health check: a kept connection that the database closed
    (a restart) shows up at the INSERT, which reconnects and is sent once more."""
    assert post(public, "d0").status_code == 201  # the connection is open and kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def terminate(_):
        with connection.cursor() as cursor:  # the other thread's own connection
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            return cursor.fetchone()[0]

    assert run_at_once(terminate, 1) == [True]
    r = post(public, "d1")
    assert (r.status_code, r.json()) == (201, {"status": "valid"})
    assert Response.objects.count() == 2  # stored once
    assert "reconnected once" in caplog.text
