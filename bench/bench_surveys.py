"""Survey submission and survey aggregation, each against its baseline, in one run.

    python -m bench.bench_surveys [--submissions 1000] [--sizes 200x100,200x1000] [--repeat 5]

The data goes into a throwaway database (a temporary SQLite file, or DATABASE_URL if set:
point it at a scratch database). Reported as medians and as ratios to the baseline measured
in the same run (absolute times on a shared machine mean little; ratios travel):

* submit: `response_submit` (device lock on PostgreSQL, duplicate check, the response row,
  the rollup UPSERT, one transaction) and the whole API request (DRF view, validation,
  rate-limit counter in the cache) against a bare INSERT of one response row — the price of
  keeping the monthly rollup in the submission's transaction;
* aggregate: `public_level_counts` for the whole cycle (monthly rollup rows) and for a
  period ending mid-month (rollups + one GROUP BY over that month's rows) against a GROUP BY
  over every response row of the cycle with the 40 level counts — what reading rows instead
  of aggregates costs. Sizes are AGENCIESxRESPONSES_PER_AGENCY.
"""
from __future__ import annotations

import argparse
import random
import sys
from datetime import date, datetime, timedelta

from bench.common import TZ, median_seconds, setup_django


def _world(tag: str, n_agencies: int):
    from agencies.models import Agency, AgencyGroup, Cycle
    from agencies.scheme import normalize_scheme
    from surveys.models import Survey

    group = AgencyGroup.objects.create(code=f"{tag}g", name="组")
    Agency.objects.bulk_create([Agency(code=f"{tag}a{i}", name=f"机关{i}", group=group, has_service_window=True)
                                for i in range(n_agencies)])
    cycle = Cycle.objects.create(code=f"{tag}c", name="bench", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                                 status="open", scheme=normalize_scheme({}))
    opens = datetime(2026, 1, 1, tzinfo=TZ)
    survey = Survey.objects.create(slug=f"{tag}p", cycle=cycle, kind="public", title="p", opens_at=opens,
                                   closes_at=opens + timedelta(days=366))
    return cycle, survey, list(Agency.objects.filter(code__startswith=f"{tag}a"))


def measure_submission(n: int) -> dict[str, float]:
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from agencies.scheme import DIMENSIONS
    from surveys import services
    from surveys.models import Response, rating_column

    _, survey, agencies = _world("sub", 20)
    # The survey must be open now for the service and the API.
    survey.opens_at, survey.closes_at = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    survey.save()
    ratings = dict.fromkeys(DIMENSIONS, 4)
    columns = ["survey_id", "agency_id", "channel", "status", "fingerprint", "submitted_at",
               *(rating_column(d) for d in DIMENSIONS)]
    sql = (f"INSERT INTO {Response._meta.db_table} ({', '.join(columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")

    def bare():
        with connection.cursor() as cursor:
            for i in range(n):
                cursor.execute(sql, [survey.pk, agencies[i % 20].pk, "web", "valid", f"bare{i}",
                                     connection.ops.adapt_datetimefield_value(timezone.now()), *ratings.values()])

    def service():
        for i in range(n):
            services.response_submit(survey=survey, agency=agencies[i % 20], ratings=ratings, fingerprint=f"svc{i}")

    client = APIClient(HTTP_HOST="127.0.0.1")

    def api():
        for i in range(n):
            client.cookies["ce_device"] = f"api{i}"
            r = client.post(f"/api/v1/surveys/{survey.slug}/responses/",
                            {"agency": agencies[i % 20].code, "ratings": ratings}, format="json")
            assert r.status_code == 201, r.content[:200]

    return {name: median_seconds(fn, 1) / n for name, fn in (("bare", bare), ("service", service), ("api", api))}


def _fill(survey, agencies, per_agency: int, rng: random.Random) -> None:
    """Response rows straight into the table (fast, any database), then the rollups rebuilt once."""
    from django.db import connection

    from agencies.scheme import DIMENSIONS
    from surveys.models import Response, rating_column
    from surveys.services import month_of, rollups_rebuild

    columns = ["survey_id", "agency_id", "channel", "status", "fingerprint", "submitted_at",
               *(rating_column(d) for d in DIMENSIONS)]
    sql = f"INSERT INTO {Response._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    start, months, batch = datetime(2026, 1, 1, tzinfo=TZ), set(), []
    with connection.cursor() as cursor:
        for agency in agencies:
            for k in range(per_agency):
                at = start + timedelta(minutes=rng.randrange(330 * 24 * 60))
                months.add(month_of(at))
                batch.append([survey.pk, agency.pk, "web", "valid", f"{agency.pk}-{k}",
                              connection.ops.adapt_datetimefield_value(at),
                              *(rng.choice((1, 2, 3, 4, 4, 5, 5, 5, None)) for _ in DIMENSIONS)])
                if len(batch) == 5000:
                    cursor.executemany(sql, batch)
                    batch = []
        if batch:
            cursor.executemany(sql, batch)
    rollups_rebuild(survey=survey, months=months)


def measure_aggregation(n_agencies: int, per_agency: int, run: int, repeat: int) -> dict[str, float]:
    from django.db.models import Count, Q

    from agencies.scheme import DIMENSIONS
    from surveys.models import Response, rating_column
    from surveys.selectors import public_level_counts

    cycle, survey, agencies = _world(f"agg{run}", n_agencies)
    _fill(survey, agencies, per_agency, random.Random(run))
    levels = {f"{d}_{lv}": Count("id", filter=Q(**{rating_column(d): lv})) for d in DIMENSIONS for lv in range(1, 6)}
    year_end, mid_month = datetime(2027, 1, 1, tzinfo=TZ), datetime(2026, 11, 15, tzinfo=TZ)

    def group_by():
        return list(Response.objects.filter(survey=survey, status="valid").values("agency_id")
                    .annotate(n=Count("id"), **levels))

    fast = public_level_counts(cycle=cycle, until=year_end)
    slow = {row["agency_id"]: row["n"] for row in group_by()}
    assert {a: c.n for a, c in fast.items()} == slow, "rollups disagree with the rows"
    return {
        "group_by": median_seconds(group_by, repeat),
        "rollups": median_seconds(lambda: public_level_counts(cycle=cycle, until=year_end), repeat),
        "mid_month": median_seconds(lambda: public_level_counts(cycle=cycle, until=mid_month), repeat),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--sizes", default="200x100,200x1000", help="comma-separated AGENCIESxRESPONSES_PER_AGENCY")
    parser.add_argument("--repeat", type=int, default=5)
    args, _ = parser.parse_known_args(argv)  # `python -m bench bench_surveys` passes the module name
    setup_django()
    from django.db import connection

    print(f"database: {connection.vendor}")
    t = measure_submission(args.submissions)
    print(f"submit ({args.submissions} each): bare INSERT {t['bare'] * 1e3:.2f} ms  "
          f"response_submit {t['service'] * 1e3:.2f} ms ({t['service'] / t['bare']:.1f}×)  "
          f"API request {t['api'] * 1e3:.2f} ms ({t['api'] / t['bare']:.1f}×)")
    sys.stdout.flush()
    print(f"{'agencies':>8} {'responses':>10} {'GROUP BY rows':>14} {'rollups':>10} {'mid-month':>10}"
          f"   GROUP BY ÷ rollups, ÷ mid-month")
    for run, size in enumerate(args.sizes.split(",")):
        n, per = (int(x) for x in size.split("x"))
        t = measure_aggregation(n, per, run, args.repeat)
        print(f"{n:>8} {n * per:>10} {t['group_by'] * 1e3:>12.1f}ms {t['rollups'] * 1e3:>8.1f}ms "
              f"{t['mid_month'] * 1e3:>8.1f}ms   {t['group_by'] / t['rollups']:>6.1f}×, "
              f"{t['group_by'] / t['mid_month']:.1f}×")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
