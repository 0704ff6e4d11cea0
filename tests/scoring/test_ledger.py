"""The ledger: booking, idempotency by source key, reversal, and append-only for real."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.choices import CycleStatus
from conduct_eval.errors import ConflictError
from scoring.models import AppendOnlyError, ScoreEntry
from scoring.services import _insert_once, score_entry_book, score_entry_reverse
from tests.concurrency import run_at_once

pytestmark = pytest.mark.django_db


def book(cycle, agency, **kwargs):
    return score_entry_book(**{"cycle": cycle, "agency": agency, "kind": "bonus", "points": "2", "reason": "服务品牌",
                               **kwargs})


def test_book_stores_a_positive_magnitude(cycle, agency, admin):
    entry = book(cycle, agency, actor=admin)
    assert entry.points == Decimal("2.00") and entry.kind == "bonus" and entry.created_by == admin
    assert entry.source == "manual" and entry.reverses is None


@pytest.mark.parametrize("kind, points, field", [
    ("bonus", "0", "points"), ("deduction", "-1", "points"), ("bonus", "101", "points"),
    ("bonus", "1.234", "points"), ("bonus", "abc", "points"), ("veto", "1", "points"), ("nope", "1", "kind"),
])
def test_book_refuses_bad_points_and_kinds(cycle, agency, kind, points, field):
    with pytest.raises(ValidationError) as exc:
        book(cycle, agency, kind=kind, points=points)
    assert field in exc.value.message_dict
    assert not ScoreEntry.objects.exists()


def test_veto_needs_a_reason(cycle, agency):
    with pytest.raises(ValidationError) as exc:
        book(cycle, agency, kind="veto", points=0, reason="  ")
    assert "reason" in exc.value.message_dict
    assert book(cycle, agency, kind="veto", points=0, reason="重大责任事故").points == 0


def test_closed_cycle_refuses_entries(cycle, agency):
    cycle.status = CycleStatus.CLOSED
    with pytest.raises(ConflictError):
        book(cycle, agency)


def test_source_key_books_once(cycle, agency):
    first = book(cycle, agency, kind="inspection", points=3, source="finding", source_key="finding:12")
    again = book(cycle, agency, kind="inspection", points=3, source="finding", source_key="finding:12")
    assert again.pk == first.pk
    assert ScoreEntry.objects.count() == 1


def test_source_key_works_inside_the_callers_transaction(cycle, agency):
    with transaction.atomic():
        first = book(cycle, agency, source_key="notice:7:overdue", kind="deduction", points="0.5")
        # A stale caller that skipped the pre-check still gets the existing entry, and its transaction lives on.
        clash = ScoreEntry(cycle=cycle, agency=agency, kind="deduction", points=1, reason="x",
                           source_key="notice:7:overdue")
        assert _insert_once(clash).pk == first.pk
        assert ScoreEntry.objects.count() == 1


def test_reverse_negates_and_points_back(cycle, agency, admin):
    entry = book(cycle, agency, kind="deduction", points="1.5")
    reversal = score_entry_reverse(entry=entry, reason="媒体更正", actor=admin)
    assert reversal.points == Decimal("-1.50") and reversal.reverses == entry and reversal.kind == "deduction"
    assert reversal.created_by == admin


def test_reverse_twice_or_a_reversal_is_a_conflict(cycle, agency):
    entry = book(cycle, agency)
    reversal = score_entry_reverse(entry=entry, reason="更正")
    with pytest.raises(ConflictError):
        score_entry_reverse(entry=entry, reason="再次更正")
    with pytest.raises(ConflictError):
        score_entry_reverse(entry=reversal, reason="冲销冲销")
    assert ScoreEntry.objects.count() == 2


def test_reverse_with_source_key_is_idempotent(cycle, agency):
    entry = book(cycle, agency, kind="inspection", points=3, source="finding", source_key="finding:1")
    first = score_entry_reverse(entry=entry, reason="申诉属实", source_key="appeal:1")
    assert score_entry_reverse(entry=entry, reason="申诉属实", source_key="appeal:1").pk == first.pk


def test_model_and_queryset_refuse_update_and_delete(cycle, agency):
    entry = book(cycle, agency)
    entry.points = 5
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        ScoreEntry.objects.filter(pk=entry.pk).update(points=5)
    with pytest.raises(AppendOnlyError):
        ScoreEntry.objects.all().delete()
    assert ScoreEntry.objects.get().points == 2


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE scoring_scoreentry SET points = 99",
    "DELETE FROM scoring_scoreentry",
])
def test_postgresql_refuses_update_and_delete_even_in_raw_sql(cycle, agency, sql):
    book(cycle, agency)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert ScoreEntry.objects.get().points == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_source_key_book_once(cycle, agency):
    results = run_at_once(lambda i: book(cycle, agency, kind="inspection", points=3, source="finding",
                                         source_key="finding:race").pk, 6)
    assert len(set(results)) == 1 and isinstance(results[0], int)
    assert ScoreEntry.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reversals_give_one(cycle, agency):
    entry = book(cycle, agency)
    outcomes = run_at_once(lambda i: score_entry_reverse(entry=entry, reason="更正"), 5)
    assert sorted(type(o).__name__ for o in outcomes) == ["ConflictError"] * 4 + ["ScoreEntry"]
    assert ScoreEntry.objects.filter(reverses=entry).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_recompute_reads_every_input_as_of_one_moment(cycle, agency, monkeypatch):
    """A bonus committed by another connection between the recompute's first read and its ledger read is
    not counted: REPEATABLE READ gives the snapshot one view of the database (READ COMMITTED would mix)."""
    import threading

    from django.db import connections

    from scoring import selectors as scoring_selectors
    from scoring.services import snapshot_compute

    real = scoring_selectors.appraisal_level_array

    def commit_a_bonus_meanwhile(**kwargs):
        result = real(**kwargs)  # the survey counts are read by now, the assessments and the ledger not yet

        def other_request():
            try:
                book(cycle, agency, kind="bonus", points=3)
            finally:
                connections.close_all()

        thread = threading.Thread(target=other_request)
        thread.start()
        thread.join(30)
        return result

    monkeypatch.setattr(scoring_selectors, "appraisal_level_array", commit_a_bonus_meanwhile)
    snapshot = snapshot_compute(cycle=cycle)
    assert ScoreEntry.objects.filter(kind="bonus").count() == 1  # committed during the recompute
    assert snapshot.scorecards.get().inputs["bonus"] in ("0", "0.00")  # … and not counted in it
    monkeypatch.undo()
    assert snapshot_compute(cycle=cycle).scorecards.get().inputs["bonus"] in ("3", "3.00")


ledger_bookings = st.lists(st.tuples(st.sampled_from(["inspection", "bonus", "deduction", "veto"]),
                                     st.decimals(min_value=Decimal("0.01"), max_value=10, places=2),
                                     st.booleans()), max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bookings=ledger_bookings)
def test_reversals_cancel_through_the_ledger(cycle, agency, bookings):
    """Reversals cancel where they are handled — in the ledger and its sums, not in the pure method: booking
    entries and reversing some gives the method the same inputs (and digest) as booking only the others."""
    from scoring import method
    from scoring.selectors import scoring_inputs

    from .conftest import aware

    until = aware(2027, 1, 1)
    sid = transaction.savepoint()
    try:
        kept = {"inspection": Decimal(0), "bonus": Decimal(0), "deduction": Decimal(0)}
        inspections = vetoes = 0
        for kind, points, reverse in bookings:
            points = Decimal(0) if kind == "veto" else points
            entry = score_entry_book(cycle=cycle, agency=agency, kind=kind, points=points, reason="登记")
            if reverse:
                score_entry_reverse(entry=entry, reason="更正")
                continue
            kept[kind] = kept.get(kind, Decimal(0)) + points
            inspections += kind == "inspection"
            vetoes += kind == "veto"
        [got] = scoring_inputs(cycle=cycle, until=until)
        assert (got.inspection_deduction, got.bonus, got.deduction) == (kept["inspection"], kept["bonus"],
                                                                       kept["deduction"])
        assert (got.inspection_n, got.veto) == (inspections, vetoes > 0)
        expected = method.AgencyInput(code=got.code, group=got.group, has_service_window=got.has_service_window,
                                      inspection_deduction=kept["inspection"], inspection_n=inspections,
                                      bonus=kept["bonus"], deduction=kept["deduction"], veto=vetoes > 0)
        assert method.inputs_digest([got], None) == method.inputs_digest([expected], None)
    finally:
        transaction.savepoint_rollback(sid)
