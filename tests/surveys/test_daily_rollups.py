"""Daily rollups: a period ending mid-month reads no response rows and still counts exactly what the rows say."""
import random
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.scheme import DIMENSIONS
from surveys import selectors, services
from surveys.models import RatingDaily, Response

from .conftest import aware
from .test_services import brute_force

pytestmark = pytest.mark.django_db


def fill(survey, agencies, n=120, seed=3):
    rng = random.Random(seed)
    for i in range(n):
        ratings = {d: rng.choice([None, 1, 2, 3, 4, 5]) for d in DIMENSIONS}
        ratings["fees"] = rng.randint(1, 5)
        services.response_submit(survey=survey, agency=rng.choice(agencies), ratings=ratings, fingerprint=f"d{i}",
                                 at=aware(2026, rng.randint(1, 4), rng.randint(1, 28), rng.randint(0, 23),
                                          rng.randint(0, 59)))


def counts(survey, until):
    fast = selectors.public_level_counts(cycle=survey.cycle, until=until)
    return {a: (c.n, c.counts) for a, c in fast.items() if c.n}


def test_a_period_ending_mid_month_reads_no_response_rows(survey, agency, other_agency):
    fill(survey, [agency, other_agency])
    for until in (aware(2026, 3, 15), aware(2026, 1, 9), aware(2026, 4, 29), aware(2026, 2, 1)):
        with CaptureQueriesContext(connection) as queries:
            fast = counts(survey, until)
        assert fast == brute_force(survey.cycle, until), until
        assert not [q["sql"] for q in queries.captured_queries if Response._meta.db_table in q["sql"]], until
    # Only an end inside a day reads rows, and only that day's.
    assert counts(survey, aware(2026, 3, 15, 13, 30)) == brute_force(survey.cycle, aware(2026, 3, 15, 13, 30))


def test_a_reclassified_response_leaves_and_rejoins_its_day(survey, agency):
    fill(survey, [agency], n=40)
    response = Response.objects.filter(status="valid").order_by("submitted_at")[20]
    local = timezone.localtime(response.submitted_at)
    day_end = aware(local.year, local.month, local.day) + timedelta(days=1)
    before = counts(survey, day_end)
    services.response_set_status(response=response, status="duplicate")
    assert counts(survey, day_end) == brute_force(survey.cycle, day_end) != before
    services.response_set_status(response=response, status="valid")
    assert counts(survey, day_end) == before


def test_the_bulk_recount_rebuilds_the_days_too(survey, agency, other_agency):
    fill(survey, [agency, other_agency], n=60)
    kept = sorted(RatingDaily.objects.values_list("agency_id", "day", "n", "fees_1", "fees_5"))
    RatingDaily.objects.all().delete()
    services.rollups_rebuild(survey=survey, months={aware(2026, m, 1).date() for m in range(1, 5)})
    assert sorted(RatingDaily.objects.values_list("agency_id", "day", "n", "fees_1", "fees_5")) == kept


def test_a_partly_covered_month_is_read_from_the_fewer_days():
    """Whole months from the monthly rows; a part of a month from its days, or as the month less the days
    outside the period, whichever is fewer (days after today hold no rows, so they cost nothing)."""
    from datetime import date

    plan = selectors.day_plan(date(2026, 1, 1), date(2026, 11, 23), today=date(2026, 12, 3))
    assert plan.months == [date(2026, m, 1) for m in range(1, 12)]
    assert plan.added == [] and plan.taken == [(date(2026, 11, 23), date(2026, 12, 1))]
    plan = selectors.day_plan(date(2026, 1, 1), date(2026, 11, 9), today=date(2026, 12, 3))
    assert plan.months == [date(2026, m, 1) for m in range(1, 11)]
    assert plan.added == [(date(2026, 11, 1), date(2026, 11, 9))] and plan.taken == []
    # A period running to today: today's month whole, its days to come hold nothing to take away.
    plan = selectors.day_plan(date(2026, 3, 10), date(2026, 12, 29), today=date(2026, 12, 28))
    assert plan.months == [date(2026, m, 1) for m in range(3, 13)]
    assert plan.taken == [(date(2026, 3, 1), date(2026, 3, 10)), (date(2026, 12, 29), date(2027, 1, 1))]
    assert selectors.day_plan(date(2026, 5, 4), date(2026, 5, 12), today=date(2026, 12, 3)).added == [
        (date(2026, 5, 4), date(2026, 5, 12))]
    # 16 days inside, 3 + 12 outside: the month less those.
    plan = selectors.day_plan(date(2026, 5, 4), date(2026, 5, 20), today=date(2026, 12, 3))
    assert plan.months == [date(2026, 5, 1)] and plan.added == []
    assert plan.taken == [(date(2026, 5, 1), date(2026, 5, 4)), (date(2026, 5, 20), date(2026, 6, 1))]
    assert selectors.day_plan(date(2026, 5, 4), date(2026, 5, 4), today=date(2026, 12, 3)) == selectors.DayPlan(
        months=[], added=[], taken=[])


def test_the_recompute_reads_the_last_day_from_its_rollup_when_nothing_comes_after(survey, agency, other_agency):
    """A period "until now" with no response at or after its end: the day's rollup row counts exactly the rows,
    and no response row is read; with a response after the end, the day's rows are read."""
    fill(survey, [agency, other_agency])
    last = Response.objects.order_by("-submitted_at").first().submitted_at
    ids = sorted([agency.pk, other_agency.pk])

    def read(until):
        with CaptureQueriesContext(connection) as queries:
            counts, n = selectors.public_level_array(cycle=survey.cycle, until=until,
                                                     rows_of=selectors.agency_rows(ids), count=len(ids))
        rows_read = [q["sql"] for q in queries.captured_queries
                     if Response._meta.db_table in q["sql"] and "COUNT" in q["sql"].upper()]
        slow = brute_force(survey.cycle, until)
        assert [int(x) for x in n] == [slow.get(a, (0, {}))[0] for a in ids]
        return rows_read

    assert not read(last + timedelta(minutes=1))  # nothing after: the day's rollup
    assert read(last - timedelta(seconds=1))  # the last response comes after: that day's rows
