"""The recompute's fast paths give what the plain ones give: cards with intervals, stored inputs."""
from dataclasses import asdict
from decimal import Decimal

from hypothesis import given, settings

from agencies.scheme import DEFAULT_SCHEME
from scoring import method, services
from tests.scoring.test_method import EXAMPLE, EXAMPLE_SCHEME, agency_lists


def test_compute_with_intervals_is_compute_then_with_intervals():
    expected = method.with_intervals(method.compute(EXAMPLE, EXAMPLE_SCHEME), EXAMPLE, EXAMPLE_SCHEME, seed=4)
    assert method.compute_with_intervals(EXAMPLE, EXAMPLE_SCHEME, seed=4) == expected


@settings(max_examples=30, deadline=None)
@given(agency_lists(max_size=8))
def test_compute_with_intervals_on_any_inputs(agencies):
    expected = method.with_intervals(method.compute(agencies, DEFAULT_SCHEME), agencies, DEFAULT_SCHEME, draws=60)
    assert method.compute_with_intervals(agencies, DEFAULT_SCHEME, draws=60) == expected


def test_stored_inputs_are_the_dataclass_as_a_dict():
    appraisal = {"deputy": {5: 2, 3: 1}}
    agency = method.AgencyInput(code="a", group="g", has_service_window=True,
                                public_counts={"fees": {4: 2}, "workflow": {1: 1}},
                                public_n=3, appraisal_counts=appraisal, appraisal_n=3,
                                assessment_points=Decimal("7.5"), assessment_max=Decimal("10"), assessment_n=1,
                                inspection_deduction=Decimal("3"), inspection_n=1, bonus=Decimal("1.50"), veto=True)
    stored = services._input_dict(agency)
    assert stored == asdict(agency)
    assert list(stored) == list(asdict(agency))
    assert stored["public_counts"] is not agency.public_counts
    for agency in EXAMPLE:
        assert services._input_dict(agency) == asdict(agency)
