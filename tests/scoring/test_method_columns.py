"""The compact document a snapshot is stored as (scoring.method.columns) says what the scorecards say.

A snapshot keeps its scorecards and inputs as columns; a reader takes one row of them. These tests hold
every row to `Scorecard.to_dict()` and to the `AgencyInput` it came from, on the random cycles and
schemes of the fast core's tests, and the digest of a table to the digest of its agencies.
"""
import json

from hypothesis import given, settings

from scoring import method
from scoring.method import columns
from tests.scoring.test_method_fast import cycles, schemes


def _round_trip(document: dict) -> dict:
    """As stored: through JSON."""
    return json.loads(json.dumps(document))


@settings(max_examples=200, deadline=None)
@given(cycles(), schemes())
def test_every_row_of_the_columns_is_the_card_compute_gives(agencies, scheme):
    table = method.input_table(agencies, scheme)
    prepared, official = columns.official(table, scheme)
    stored = columns.cards_unpacked(_round_trip(columns.card_columns(prepared, official)))
    cards = method.compute(agencies, scheme)
    assert [stored["codes"][i] for i in stored["order"]] == [card.agency for card in cards]
    assert [columns.card_of(stored, i) for i in stored["order"]] == _round_trip([c.to_dict() for c in cards])


@settings(max_examples=200, deadline=None)
@given(cycles(), schemes())
def test_the_stored_inputs_read_back_to_the_same_table_and_digest(agencies, scheme):
    table = method.input_table(agencies, scheme)
    back = columns.table_of(_round_trip(columns.table_columns(table)))
    digest = method.inputs_digest(agencies, scheme)
    assert method.table_digest(table, scheme) == digest
    assert method.table_digest(back, scheme) == digest
    assert method.inputs_digest(back.agency_inputs(), scheme) == digest
    assert [c.to_dict() for c in method.compute(back.agency_inputs(), scheme)] == \
        [c.to_dict() for c in method.compute(agencies, scheme)]
    stored = columns.table_unpacked(_round_trip(columns.table_columns(table)))
    for i, agency in enumerate(sorted(agencies, key=lambda a: a.code)):
        shown = columns.inputs_of(stored, i)
        assert shown["code"] == agency.code
        assert shown["public_counts"] == {code: {str(level): n for level, n in levels.items() if n}
                                          for code, levels in agency.public_counts.items() if any(levels.values())}
        assert shown["bonus"] is not None and method._exact(shown["bonus"]) == method._exact(agency.bonus)
