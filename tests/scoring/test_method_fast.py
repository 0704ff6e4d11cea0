"""The vectorised core against the exact method it replaced (tests/scoring/exact_method.py), field by field.

The fast core takes the weighted means of means, bases and totals in floats and recomputes an
agency in Fractions only where the floats cannot decide a rounding to 2 decimals; these tests
hold it to the old all-Fraction implementation on random inputs made to hit the hard cases:
ties (exact half cents, identical agencies), zero counts, vetoes, unrated agencies, agencies
without a window, odd weights and level points, bonuses over the cap and totals clamped at 0.
"""
import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import method
from scoring.method.defaults import CATEGORIES, DEFAULT_SCHEME, DIMENSIONS
from tests.scoring import exact_method

D = Decimal

small_counts = st.dictionaries(st.integers(1, 5), st.integers(0, 9), max_size=5)
large_counts = st.dictionaries(st.integers(1, 5), st.integers(0, 5_000), min_size=1, max_size=5)
counts = st.one_of(small_counts, small_counts, large_counts)
odd_weight = st.one_of(st.sampled_from([0, 1, 3, 7, "0.5", "0.3", "1.25", "2.125", "33.3", "0.01"]),
                       st.decimals(min_value=0, max_value=50, places=3))


@st.composite
def schemes(draw) -> dict:
    scheme = dict(DEFAULT_SCHEME)
    if draw(st.booleans()):
        scheme["dimension_weights"] = {d: draw(odd_weight) for d in DIMENSIONS}
        if not any(D(str(w)) for w in scheme["dimension_weights"].values()):
            scheme["dimension_weights"]["fees"] = 1
    if draw(st.booleans()):
        scheme["category_weights"] = {c: draw(odd_weight) for c in CATEGORIES}
        if not any(D(str(w)) for w in scheme["category_weights"].values()):
            scheme["category_weights"]["citizen"] = 1
    if draw(st.booleans()):
        scheme["weights"] = {name: draw(odd_weight) for name in DEFAULT_SCHEME["weights"]}
    if draw(st.booleans()):
        points = sorted(draw(st.lists(st.sampled_from([0, 10, "12.5", "33.3", 40, "66.7", 75, 90, 100]),
                                      min_size=5, max_size=5)), key=lambda p: D(str(p)))
        scheme["level_points"] = {str(level): p for level, p in zip(range(1, 6), points, strict=True)}
    scheme["bonus_cap"] = draw(st.sampled_from([0, 5, "2.5"]))
    scheme["warn_bottom"] = draw(st.integers(0, 4))
    scheme["commend_group_top"] = draw(st.integers(0, 3))
    scheme["commend_overall_top"] = draw(st.integers(0, 5))
    scheme["min_sample"] = draw(st.sampled_from([0, 5, 30]))
    return scheme


def number(places: int, high: int):
    return st.decimals(min_value=0, max_value=high, places=places)


@st.composite
def agency_input(draw, code: str) -> method.AgencyInput:
    maximum = draw(st.one_of(st.none(), st.just(D(0)), number(1, 100)))
    scored = None if maximum is None else draw(number(2, int(maximum) + 1))
    return method.AgencyInput(
        code=code,
        group=draw(st.sampled_from(["g1", "g2"])),
        has_service_window=draw(st.booleans()),
        public_counts=draw(st.dictionaries(st.sampled_from(list(DIMENSIONS)), counts, max_size=8)),
        public_n=draw(st.integers(0, 60)),
        appraisal_counts=draw(st.dictionaries(st.sampled_from(list(CATEGORIES)), counts, max_size=4)),
        appraisal_n=draw(st.integers(0, 3)),
        assessment_points=scored,
        assessment_max=maximum,
        assessment_n=draw(st.integers(0, 5)),
        inspection_deduction=draw(number(1, 120)),
        bonus=draw(st.one_of(number(2, 10), st.just(D("-0.5")))),
        deduction=draw(st.one_of(number(2, 10), number(1, 130))),
        veto=draw(st.booleans()),
    )


@st.composite
def cycles(draw) -> list[method.AgencyInput]:
    agencies = [draw(agency_input(f"a{i:02d}")) for i in range(draw(st.integers(0, 12)))]
    # Ties: some agencies are copies of others under another code.
    for i in range(draw(st.integers(0, 3))):
        if agencies:
            twin = draw(st.sampled_from(agencies))
            agencies.append(dataclasses.replace(twin, code=f"t{i}"))
    return agencies


def assert_same(fast: list, exact: list) -> None:
    """Field by field, in order; Decimals equal in value and in spelling (the API writes str(Decimal))."""
    assert [card.agency for card in fast] == [card.agency for card in exact]
    for mine, theirs in zip(fast, exact, strict=True):
        for field in dataclasses.fields(mine):
            got, expected = getattr(mine, field.name), getattr(theirs, field.name)
            if field.name == "components":
                assert list(got) == list(expected)
                for name in got:
                    for part_field in dataclasses.fields(got[name]):
                        a, b = getattr(got[name], part_field.name), getattr(expected[name], part_field.name)
                        if part_field.name == "parts":
                            a = {code: (str(p.mean), p.n, str(p.weight)) for code, p in a.items()}
                            b = {code: (str(p.mean), p.n, str(p.weight)) for code, p in b.items()}
                        assert (a, str(a)) == (b, str(b)), (mine.agency, name, part_field.name)
            else:
                assert (got, str(got)) == (expected, str(expected)), (mine.agency, field.name)
        assert mine.to_dict() == theirs.to_dict()


@settings(max_examples=300, deadline=None)
@given(cycles(), schemes())
def test_the_fast_core_gives_the_exact_methods_scorecards(agencies, scheme):
    assert_same(method.compute(agencies, scheme), exact_method.compute(agencies, scheme))


@settings(max_examples=60, deadline=None)
@given(cycles(), schemes())
def test_the_exact_fallback_alone_gives_the_same_scorecards(agencies, scheme):
    """With every rounding in doubt, every agency goes through the Fraction path: it must agree too."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(method.core, "_DOUBT", float("inf"))
        assert_same(method.compute(agencies, scheme), exact_method.compute(agencies, scheme))


def test_half_cent_ties_are_decided_exactly():
    # service_attitude (100+100+75+75)/4 = 87.5, efficiency (50+100)/2 = 75, fees 75, workflow 75: the
    # public_survey component is (87.5 + 75 + 75 + 75) / 4 = 78.125, exactly half a cent: half-up gives 78.13.
    a = method.AgencyInput(code="a", group="g", has_service_window=True,
                           public_counts={"service_attitude": {5: 2, 4: 2}, "efficiency": {3: 1, 5: 1},
                                          "fees": {4: 1}, "workflow": {4: 1}})
    cards = method.compute([a], DEFAULT_SCHEME)
    exact = exact_method.compute([a], DEFAULT_SCHEME)
    assert_same(cards, exact)
    assert cards[0].components["public_survey"].score == D("78.13")


def test_a_province_sized_cycle_matches_the_exact_method():
    from bench.bench_method import agencies

    inputs = agencies(300, seed=7)
    assert_same(method.compute(inputs, DEFAULT_SCHEME), exact_method.compute(inputs, DEFAULT_SCHEME))
