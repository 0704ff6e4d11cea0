"""The recompute's fast paths give what the plain ones give: cards with intervals."""
from hypothesis import given, settings

from agencies.scheme import DEFAULT_SCHEME
from scoring import method
from scoring.method import columns
from tests.scoring.test_method import EXAMPLE, EXAMPLE_SCHEME, agency_lists


def test_compute_with_intervals_is_compute_then_with_intervals():
    expected = method.with_intervals(method.compute(EXAMPLE, EXAMPLE_SCHEME), EXAMPLE, EXAMPLE_SCHEME, seed=4)
    assert method.compute_with_intervals(EXAMPLE, EXAMPLE_SCHEME, seed=4) == expected


@settings(max_examples=30, deadline=None)
@given(agency_lists(max_size=8))
def test_compute_with_intervals_on_any_inputs(agencies):
    expected = method.with_intervals(method.compute(agencies, DEFAULT_SCHEME), agencies, DEFAULT_SCHEME, draws=60)
    assert method.compute_with_intervals(agencies, DEFAULT_SCHEME, draws=60) == expected


@settings(max_examples=30, deadline=None)
@given(agency_lists(max_size=8))
def test_the_intervals_of_an_official_result_are_those_of_compute_with_intervals(agencies):
    """The recompute resamples the official result it stored (columns), not a second computation."""
    official = columns.official(method.input_table(agencies, DEFAULT_SCHEME), DEFAULT_SCHEME)
    assert method.intervals_of(*official, draws=60) == method.compute_with_intervals(agencies, DEFAULT_SCHEME,
                                                                                      draws=60)
