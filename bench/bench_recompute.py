"""Recompute cost against its baseline, at growing sizes, in one run.

    python -m bench.bench_recompute [--sizes 50x100,200x100,200x1000,800x100,2000x50] [--repeat 3]

Each size is AGENCIESxRESPONSES_PER_AGENCY. The data goes into a throwaway database (a
temporary SQLite file, or DATABASE_URL if set: point it at a scratch database). Reported,
as medians, and as ratios to the baseline measured in the same run:

* baseline: GROUP BY agency over every response row (what reading rows instead of
  aggregates costs; DESIGN.md's 1.3 s at 10 M rows);
* inputs: the recompute's reads (monthly rollups, ballots, assessments, ledger: 5 queries);
* method: the pure method on those inputs; intervals: the 95% resampling;
* recompute: the whole service (reads, method, intervals, storing the snapshot).

Recompute should grow with the number of agencies, not with the number of responses. The
2,000-agency row is DESIGN.md's province-sized cycle by its number of agencies (its 10 M
responses would take the bench an hour to insert; recompute reads aggregates, whose size
depends on agencies × months, not on responses). With 50 responses per agency every rated
dimension and category is a small cell, so the 95% intervals redraw all of them exactly:
the costliest case for the resampling.
"""
from __future__ import annotations

import argparse
import random
import sys
from datetime import date, datetime, timedelta

from bench.common import TZ, median_seconds, setup_django


def _populate(n_agencies: int, per_agency: int, run: int):
    """A cycle: n agencies with windows, their responses and rollups, ballots, assessments, entries."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from agencies.models import Agency, AgencyGroup, Cycle
    from agencies.scheme import DIMENSIONS, normalize_scheme
    from scoring.models import Assessment, Indicator, ScoreEntry
    from surveys import rollups
    from surveys.models import Ballot, BallotRating, RatingMonthly, Response, Survey, count_column, rating_column

    rng = random.Random(run)
    tag = f"b{run}"
    groups = [AgencyGroup.objects.create(code=f"{tag}g{i}", name=f"组{i}") for i in range(4)]
    Agency.objects.bulk_create([Agency(code=f"{tag}a{i}", name=f"机关{i}", group=groups[i % 4], has_service_window=True)
                                for i in range(n_agencies)])
    agencies = list(Agency.objects.filter(code__startswith=f"{tag}a"))
    Agency.objects.exclude(pk__in=[a.pk for a in agencies]).update(active=False)  # earlier sizes leave the ranking
    cycle = Cycle.objects.create(code=f"{tag}c", name="bench", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31),
                                 status="open", scheme=normalize_scheme({}))
    opens = datetime(2026, 1, 1, tzinfo=TZ)
    survey = Survey.objects.create(slug=f"{tag}p", cycle=cycle, kind="public", title="p", opens_at=opens,
                                   closes_at=opens + timedelta(days=365))
    appraisal = Survey.objects.create(slug=f"{tag}q", cycle=cycle, kind="appraisal", title="q", opens_at=opens,
                                      closes_at=opens + timedelta(days=365))
    rows = []
    for agency in agencies:
        for k in range(per_agency):
            at = opens + timedelta(minutes=rng.randrange(365 * 24 * 60))
            ratings = {rating_column(d): rng.choice((1, 2, 3, 4, 4, 5, 5, 5, None)) for d in DIMENSIONS}
            rows.append(Response(survey=survey, agency=agency, fingerprint=f"{k}", submitted_at=at, **ratings))
    Response.objects.bulk_create(rows, batch_size=2000)
    counts = {count_column(d, lv): Count("id", filter=Q(**{rating_column(d): lv})) for d in DIMENSIONS
              for lv in range(1, 6)}
    monthly = (Response.objects.filter(survey=survey).annotate(m=TruncMonth("submitted_at", tzinfo=TZ))
               .values("agency_id", "m").annotate(total=Count("id"), **counts))
    RatingMonthly.objects.bulk_create([
        RatingMonthly(survey=survey, agency_id=r["agency_id"], month=r["m"].date() if hasattr(r["m"], "date")
                      else r["m"], n=r["total"], **{c: r[c] for c in counts}) for r in monthly], batch_size=2000)
    for category in ("deputy", "grassroots", "enterprise", "citizen"):
        for _ in range(5):
            ballot = Ballot.objects.create(survey=appraisal, category=category, submitted_on=date(2026, 11, 20))
            BallotRating.objects.bulk_create([BallotRating(ballot=ballot, agency=a, level=rng.randint(1, 5))
                                              for a in agencies])
    rollups.ballot_rebuild(survey_id=appraisal.pk)
    indicator = Indicator.objects.create(cycle=cycle, code="i", name="i", max_points=20, assessor_unit="u")
    Assessment.objects.bulk_create([Assessment(indicator=indicator, agency=a, revision=1, points=rng.randint(10, 20))
                                    for a in agencies])
    ScoreEntry.objects.bulk_create([ScoreEntry(cycle=cycle, agency=a, kind="inspection", points=rng.choice((1, 3, 5)),
                                               reason="bench") for a in agencies[::3]])
    return cycle, survey


def measure(n_agencies: int, per_agency: int, run: int, repeat: int) -> dict[str, float]:
    from django.db.models import Count

    from scoring import method, services
    from scoring.periods import period_parse
    from scoring.selectors import scheme_of, scoring_inputs
    from surveys.models import Response

    cycle, survey = _populate(n_agencies, per_agency, run)
    until = period_parse("cycle", starts_on=cycle.starts_on, ends_on=cycle.ends_on).until
    scheme = scheme_of(cycle)
    inputs = scoring_inputs(cycle=cycle, until=until)
    cards = method.compute(inputs, scheme)
    return {
        "baseline": median_seconds(lambda: list(Response.objects.filter(survey=survey).values("agency_id")
                                                 .annotate(n=Count("id"))), repeat),
        "inputs": median_seconds(lambda: scoring_inputs(cycle=cycle, until=until), repeat),
        "method": median_seconds(lambda: method.compute(inputs, scheme), repeat),
        "intervals": median_seconds(lambda: method.with_intervals(cards, inputs, scheme), repeat),
        # Once: a second run on the same inputs would find the identical snapshot and store nothing.
        "recompute": median_seconds(lambda: services.snapshot_compute(cycle=cycle, period="cycle"), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50x100,200x100,200x1000,800x100,2000x50",
                        help="comma-separated AGENCIESxRESPONSES_PER_AGENCY")
    parser.add_argument("--repeat", type=int, default=3)
    args, _ = parser.parse_known_args(argv)  # `python -m bench bench_recompute` passes the module name
    setup_django()
    sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes.split(",")]
    print(f"{'agencies':>8} {'responses':>10} {'baseline':>10} {'inputs':>8} {'method':>8} {'intervals':>10} "
          f"{'recompute':>10}   recompute/baseline")
    for run, (n, per) in enumerate(sizes):
        t = measure(n, per, run, args.repeat)
        print(f"{n:>8} {n * per:>10} {t['baseline'] * 1000:>8.1f}ms {t['inputs'] * 1000:>6.1f}ms "
              f"{t['method'] * 1000:>6.1f}ms {t['intervals'] * 1000:>8.1f}ms {t['recompute'] * 1000:>8.1f}ms"
              f"   {t['recompute'] / t['baseline']:>6.2f}×  (inputs {t['inputs'] / t['baseline']:.2f}×)")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
