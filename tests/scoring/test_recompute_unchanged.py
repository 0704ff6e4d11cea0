"""A recompute with nothing changed returns the newest snapshot at once, by the cycle's input version.

The snapshot records the version it read with its inputs; only while the cycle is still at that version,
for the same period and bounds and not a final result, is the newest snapshot returned without reading
an input. Otherwise the full path runs, and the digest decides for a snapshot that has no version.
"""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.services import cycle_inputs_changed, cycle_update
from scoring import method, services
from scoring.models import RankingSnapshot
from scoring.periods import TZ
from scoring.selectors import scheme_of, scoring_inputs
from tests.inputs_version import version

from .factories import rate_fully

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(cycle, agency, other_agency):
    rate_fully(cycle, agency, other_agency)
    return cycle


def test_the_snapshot_records_the_version_it_read_and_an_unchanged_recompute_reads_nothing(rated, agency):
    first = services.snapshot_compute(cycle=rated, period="cycle")
    assert first.inputs_version == version(rated) > 0
    with CaptureQueriesContext(connection) as queries:
        again = services.snapshot_compute(cycle=rated, period="cycle")
    assert again.pk == first.pk
    # Is any response still uncounted (the partial index), the cycle's version and dates, the newest snapshot.
    assert len(queries) <= 3, [q["sql"] for q in queries]
    assert not any("scorecard" in q["sql"] or "scoreentry" in q["sql"] for q in queries)
    assert all("NOT" in q["sql"] and "counted" in q["sql"] for q in queries if "surveys_" in q["sql"])
    services.score_entry_book(cycle=rated, agency=agency, kind="bonus", points="1", reason="表彰")
    changed = services.snapshot_compute(cycle=rated, period="cycle")
    assert changed.pk != first.pk and changed.inputs_version == version(rated) > first.inputs_version
    assert services.snapshot_compute(cycle=rated, period="cycle").pk == changed.pk


def test_the_quick_path_is_per_period(rated):
    cycle_snapshot = services.snapshot_compute(cycle=rated, period="cycle")
    month = services.snapshot_compute(cycle=rated, period="2026-03")
    assert month.pk != cycle_snapshot.pk and month.period == "2026-03"
    assert services.snapshot_compute(cycle=rated, period="2026-03").pk == month.pk
    assert services.snapshot_compute(cycle=rated, period="cycle").pk == cycle_snapshot.pk


def test_moved_bounds_are_recomputed_though_the_version_is_the_same(rated):
    first = services.snapshot_compute(cycle=rated, period="cycle")
    # Moving the dates raises the version too; undo that here to see the bounds checked on their own.
    cycle_update(cycle=rated, ends_on=datetime.date(2026, 11, 30))
    type(rated).objects.filter(pk=rated.pk).update(inputs_version=first.inputs_version)
    assert services.snapshot_unchanged(cycle=rated, period="cycle") is None
    moved = services.snapshot_compute(cycle=rated, period="cycle")
    assert moved.pk != first.pk and moved.until == datetime.datetime(2026, 12, 1, tzinfo=TZ)


def test_a_bump_that_changed_nothing_stores_the_same_digest_under_the_new_version(rated):
    first = services.snapshot_compute(cycle=rated, period="cycle")
    cycle_inputs_changed(rated.pk)
    second = services.snapshot_compute(cycle=rated, period="cycle")
    assert second.pk != first.pk and second.digest == first.digest and second.inputs_version == version(rated)
    assert services.snapshot_compute(cycle=rated, period="cycle").pk == second.pk


def test_a_snapshot_without_a_version_falls_back_to_the_digest(rated, agency):
    span_until = services.snapshot_precheck(cycle=rated, period="cycle", final=False).until
    digest = method.inputs_digest(scoring_inputs(cycle=rated, until=span_until), scheme_of(rated))
    legacy = RankingSnapshot.objects.create(cycle=rated, period="cycle", until=span_until, digest=digest,
                                            scheme=scheme_of(rated))
    assert services.snapshot_unchanged(cycle=rated, period="cycle") is None
    assert services.snapshot_compute(cycle=rated, period="cycle").pk == legacy.pk  # same digest: the same result
    services.score_entry_book(cycle=rated, agency=agency, kind="bonus", points="1", reason="表彰")
    assert services.snapshot_compute(cycle=rated, period="cycle").pk != legacy.pk


def test_a_final_result_is_never_the_quick_answer(rated):
    services.snapshot_compute(cycle=rated, period="cycle")
    from agencies.services import cycle_status_change

    rated = cycle_status_change(cycle=rated, status="closed")
    final = services.snapshot_compute(cycle=rated, period="cycle", final=True)
    assert final.final and final.inputs_version == version(rated)
    provisional = services.snapshot_compute(cycle=rated, period="cycle")
    assert provisional.pk == final.pk  # the digest path: identical inputs give the final result, as before
