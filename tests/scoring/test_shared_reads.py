"""A recompute's survey counts read on a second connection that shares the first one's view (conduct_eval.consistent):
the same numbers as one connection reading all, and no commit landing in between counted."""
import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from agencies.scheme import DIMENSIONS
from conduct_eval.consistent import consistent_reads
from scoring import selectors as scoring_selectors
from scoring.services import snapshot_compute
from surveys.models import Survey
from surveys.services import response_submit
from tests.concurrency import run_at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ALL4 = dict.fromkeys(DIMENSIONS, 4)


@pytest.fixture
def public(cycle):
    now, month = timezone.now(), datetime.timedelta(days=30)
    return Survey.objects.create(slug="minping", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=now - month, closes_at=now + month)


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def elsewhere(function):
    """Run `function` on a connection of its own, committed, and wait for it."""
    [outcome] = run_at_once(lambda _: function(), 1)
    assert not isinstance(outcome, Exception), outcome


def test_a_shared_read_runs_on_another_connection_and_sees_the_view_not_a_later_commit(cycle, public, agency):
    response_submit(survey=public, agency=agency, ratings=ALL4, fingerprint="f1")
    with consistent_reads() as view:
        assert view.shareable
        mine, counted = backend_pid(), Survey.objects.count()  # the view is taken by the first read
        elsewhere(lambda: Survey.objects.create(slug="later", cycle=cycle, kind="public", title="后来的",
                                                opens_at=timezone.now(), closes_at=timezone.now()))
        theirs, seen = view.alongside(lambda: (backend_pid(), Survey.objects.count())).result()
    assert theirs != mine and seen == counted == 1
    assert Survey.objects.count() == 2


def test_inside_a_callers_transaction_the_read_runs_here_and_sees_its_rows(cycle, agency):
    with transaction.atomic():
        Survey.objects.create(slug="uncommitted", cycle=cycle, kind="public", title="未提交",
                              opens_at=timezone.now(), closes_at=timezone.now())
        with consistent_reads() as view:
            assert not view.shareable
            assert view.alongside(lambda: (backend_pid(), Survey.objects.count())).result() == (backend_pid(), 1)


def test_a_recompute_with_shared_reads_counts_what_one_connection_counts_and_nothing_committed_meanwhile(
        cycle, public, agency, other_agency, monkeypatch):
    for i, who in enumerate([agency, agency, other_agency]):
        response_submit(survey=public, agency=who, ratings={**ALL4, "fees": 5 - i}, fingerprint=f"f{i}")
    with transaction.atomic():  # one connection reads everything (a caller's transaction: nothing is shared)
        alone = scoring_selectors.scoring_input_table(cycle=cycle, until=timezone.now())
    real, pids = scoring_selectors.public_level_array, []

    def a_response_committed_first(**kwargs):  # on the shared connection, before its read
        pids.append(backend_pid())
        elsewhere(lambda: response_submit(survey=public, agency=agency, ratings=ALL4, fingerprint="late"))
        return real(**kwargs)

    monkeypatch.setattr(scoring_selectors, "public_level_array", a_response_committed_first)
    snapshot = snapshot_compute(cycle=cycle, intervals=False)
    assert pids and pids[0] != backend_pid()
    cards = {card.agency.code: card.inputs for card in snapshot.scorecards.select_related("agency")}
    assert cards[agency.code]["public_n"] == 2 and cards[other_agency.code]["public_n"] == 1  # not the late one
    monkeypatch.undo()
    shared = snapshot_compute(cycle=cycle, intervals=False)  # the late response counted now
    assert {card.agency.code: card.inputs["public_n"] for card in shared.scorecards.select_related("agency")} \
        == {agency.code: 3, other_agency.code: 1}
    table = alone.table
    assert list(table.public_n) == [cards[code]["public_n"] for code in table.codes]
