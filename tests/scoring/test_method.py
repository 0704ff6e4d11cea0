"""The pure scoring method: a worked example by hand, exact rounding, and properties.

No Django and no database: the scoring.method package takes aggregates and returns scorecards.
"""
import json
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import method
from scoring.method import (
    AgencyInput,
    compute,
    inputs_digest,
    round_half_up,
    with_intervals,
)
from scoring.method.defaults import CATEGORIES, DEFAULT_SCHEME, DIMENSIONS

FAST = settings(max_examples=50, deadline=None)
PINNED_DIGEST = "ade70675c78be969d9ed7319c88cd1ab32bbc5239e32c41e863bd0e9769aebe5"
D = Decimal


def by_code(cards):
    return {card.agency: card for card in cards}


def scheme(**changes):
    return {**DEFAULT_SCHEME, **changes}


def scores(card):
    return {name: component.score for name, component in card.components.items()}


# --------------------------------------------------------------------------- worked example

# Few agencies, so the consequences are tightened to make every outcome appear:
# with N = 5 and warn_bottom = 1 only rank > 4 is warned; the top 1 of a group or overall is commended.
EXAMPLE_SCHEME = scheme(warn_bottom=1, commend_group_top=1, commend_overall_top=1)

EXAMPLE = [
    # a1: every component, bonus above the cap, a small deduction.
    AgencyInput(
        code="a1", group="g1", has_service_window=True,
        # service_attitude: (100+100+75+75)/4 = 87.5; efficiency: (50+100)/2 = 75; no other dimension rated
        # public_survey = (1·87.5 + 1·75) / 2 = 81.25
        public_counts={"service_attitude": {5: 2, 4: 2}, "efficiency": {3: 1, 5: 1}, "fees": {1: 0}},
        public_n=4,
        # deputy 100; grassroots (75+75+50)/3 = 200/3; enterprise unrated; citizen 25
        # appraisal = (20·100 + 30·200/3 + 20·25) / (20+30+20) = 4500/70 = 64.2857… → 64.29
        appraisal_counts={"deputy": {5: 1}, "grassroots": {4: 2, 3: 1}, "citizen": {2: 1}},
        appraisal_n=5,
        assessment_points=D("45"), assessment_max=D("50"), assessment_n=3,  # 100·45/50 = 90
        inspection_deduction=D("3"), inspection_n=2,  # 100 − 3 = 97
        # base = (30·81.25 + 30·450/7 + 20·90 + 20·97) / 100 = (2437.5 + 1928.571… + 1800 + 1940)/100
        #      = 81.0607142… → 81.06
        # total = 81.0607142… + min(7, 5) − 0.5 = 85.5607142… → 85.56
        bonus=D("7"), deduction=D("0.5"),
    ),
    # b1: no service window (its public counts are ignored), a veto.
    AgencyInput(
        code="b1", group="g1", has_service_window=False,
        public_counts={"service_attitude": {1: 10}}, public_n=10,
        appraisal_counts={"enterprise": {5: 3}}, appraisal_n=3,  # appraisal 100
        assessment_points=D("40"), assessment_max=D("50"), assessment_n=2,  # 80
        # inspection 100; base = (30·100 + 20·80 + 20·100) / 70 = 6600/70 = 94.2857… → 94.29
        veto=True,
    ),
    # c1: a window but no data anywhere except inspection, and a deduction below zero.
    # base = inspection = 100 − 15 = 85; total = clamp(85 − 90) = 0
    AgencyInput(code="c1", group="g2", has_service_window=True, inspection_deduction=D("15"),
                inspection_n=4, deduction=D("90")),
    # d1: every dimension rated 4 once: public_survey 75; base = (30·75 + 20·100) / 50 = 85.00
    AgencyInput(code="d1", group="g2", has_service_window=True,
                public_counts={d: {4: 1} for d in DIMENSIONS}, public_n=1),
    # e1: base = (30·75 + 20·(100·30/40) + 20·(100−5)) / 70 = 5650/70 = 80.714285…
    # total = 80.714285… + 4.29 = 85.004285… → 85.00, a tie with d1 on the rounded total.
    AgencyInput(code="e1", group="g2", has_service_window=False,
                appraisal_counts={"citizen": {4: 2}}, appraisal_n=2,
                assessment_points=D("30"), assessment_max=D("40"), assessment_n=1,
                inspection_deduction=D("5"), inspection_n=1, bonus=D("4.29")),
]


def test_worked_example_components_and_totals():
    cards = by_code(compute(EXAMPLE, EXAMPLE_SCHEME))
    expected_scores = {
        "a1": {"public_survey": D("81.25"), "appraisal": D("64.29"), "organizational": D("90.00"),
               "inspection": D("97.00")},
        "b1": {"public_survey": None, "appraisal": D("100.00"), "organizational": D("80.00"),
               "inspection": D("100.00")},
        "c1": {"public_survey": None, "appraisal": None, "organizational": None, "inspection": D("85.00")},
        "d1": {"public_survey": D("75.00"), "appraisal": None, "organizational": None, "inspection": D("100.00")},
        "e1": {"public_survey": None, "appraisal": D("75.00"), "organizational": D("75.00"),
               "inspection": D("95.00")},
    }
    assert {code: scores(card) for code, card in cards.items()} == expected_scores
    assert {code: (card.base, card.bonus, card.bonus_booked, card.deduction, card.total)
            for code, card in cards.items()} == {
        "a1": (D("81.06"), D("5.00"), D("7.00"), D("0.50"), D("85.56")),
        "b1": (D("94.29"), D("0.00"), D("0.00"), D("0.00"), D("94.29")),
        "c1": (D("85.00"), D("0.00"), D("0.00"), D("90.00"), D("0.00")),
        "d1": (D("85.00"), D("0.00"), D("0.00"), D("0.00"), D("85.00")),
        "e1": (D("80.71"), D("4.29"), D("4.29"), D("0.00"), D("85.00")),
    }


def test_worked_example_ranks_and_outcomes():
    cards = compute(EXAMPLE, EXAMPLE_SCHEME)
    # c1 has nothing but the inspection default: not rated, so no rank and N = 4.
    # Overall: b1 94.29 (1), a1 85.56 (2), d1 = e1 85.00 (3, 3). In g1: b1 1, a1 2. In g2: d1 = e1 (1, 1).
    # b1 is warned by its veto although it leads; nobody's rank is > N − 1 = 3; d1, e1 lead g2: commended.
    assert [(c.agency, c.rank_overall, c.rank_in_group, c.outcome, c.rated) for c in cards] == [
        ("b1", 1, 1, "warned", True),
        ("a1", 2, 2, "none", True),
        ("d1", 3, 1, "commended", True),
        ("e1", 3, 1, "commended", True),
        ("c1", None, None, "unrated", False),
    ]


def test_an_agency_with_only_the_inspection_default_is_unrated_and_ranks_nobody_down():
    # "x" would lead with 100 from the inspection default alone; it takes no rank, and N counts a and b only.
    agencies = [
        AgencyInput(code="x", group="g", has_service_window=True),
        AgencyInput(code="a", group="g", has_service_window=False, appraisal_counts={"citizen": {5: 1}}),
        AgencyInput(code="b", group="g", has_service_window=False, assessment_points=D("10"),
                    assessment_max=D("20"), assessment_n=1),
    ]
    cards = by_code(compute(agencies, scheme(warn_bottom=1)))
    assert (cards["x"].total, cards["x"].rank_overall, cards["x"].rank_in_group, cards["x"].outcome) == (
        D("100.00"), None, None, "unrated")
    assert (cards["a"].rank_overall, cards["a"].outcome) == (1, "commended")
    assert (cards["b"].rank_overall, cards["b"].rank_in_group, cards["b"].outcome) == (2, 2, "warned")
    intervals = by_code(with_intervals(list(cards.values()), agencies, scheme(warn_bottom=1), draws=40))
    assert (intervals["x"].rank_low, intervals["x"].rank_high, intervals["x"].rank_in_group_low) == (None, None, None)
    assert intervals["x"].total_low == intervals["x"].total_high == D("100.00")
    assert 1 <= intervals["a"].rank_low <= intervals["a"].rank_high <= 2
    data = json.loads(json.dumps(intervals["x"].to_dict()))
    assert (data["rank_overall"], data["outcome"], data["rated"]) == (None, "unrated", False)


def test_a_window_without_ratings_is_not_evidence():
    # public_survey left out for want of a window, no appraisal, no assessment: unrated, whatever bonus it has.
    agency = AgencyInput(code="w", group="g", has_service_window=False, public_counts={"fees": {5: 9}},
                         bonus=D("5"))
    [card] = compute([agency], DEFAULT_SCHEME)
    assert (card.rated, card.outcome, card.rank_overall) == (False, "unrated", None)


def test_a_vetoed_agency_is_warned_even_unrated():
    vetoed = AgencyInput(code="v", group="g", has_service_window=False, veto=True)
    rated = AgencyInput(code="r", group="g", has_service_window=False, appraisal_counts={"deputy": {3: 1}})
    cards = by_code(compute([vetoed, rated], scheme(warn_bottom=0)))
    assert (cards["v"].outcome, cards["v"].rank_overall) == ("warned", None)
    assert (cards["r"].outcome, cards["r"].rank_overall) == ("commended", 1)


def test_worked_example_inclusion_shares_and_samples():
    cards = by_code(compute(EXAMPLE, EXAMPLE_SCHEME))
    a1, b1, c1, d1 = cards["a1"], cards["b1"], cards["c1"], cards["d1"]
    assert [a1.components[n].weight_share for n in a1.components] == [D("0.3000"), D("0.3000"), D("0.2000"),
                                                                      D("0.2000")]
    # b1 has no window: scored on 70 points of weight, 30/70 and 20/70.
    public = b1.components["public_survey"]
    assert (public.included, public.reason, public.reason_label, public.weight_share) == (
        False, "no_window", "无服务窗口", None)
    assert [b1.components[n].weight_share for n in ("appraisal", "organizational", "inspection")] == [
        D("0.4286"), D("0.2857"), D("0.2857")]
    assert {n: (c.reason, c.reason_label) for n, c in c1.components.items() if not c.included} == {
        "public_survey": ("no_data", "暂无数据"),
        "appraisal": ("no_data", "暂无数据"),
        "organizational": ("no_data", "暂无数据"),
    }
    assert c1.components["inspection"].weight_share == D("1.0000")
    # n < min_sample = 30 flags the survey components that count; n comes from the inputs.
    assert (a1.components["public_survey"].n, a1.components["public_survey"].small_sample) == (4, True)
    assert (a1.components["appraisal"].n, a1.components["appraisal"].small_sample) == (5, True)
    assert (a1.components["organizational"].n, a1.components["inspection"].n) == (3, 2)
    assert not a1.components["organizational"].small_sample
    assert d1.components["public_survey"].parts["fees"].mean == D("75.00")
    assert a1.components["public_survey"].parts["fees"].mean is None  # a zero count is no rating
    assert a1.components["appraisal"].parts["grassroots"].mean == D("66.67")


def test_to_dict_is_json_with_decimal_strings():
    card = by_code(compute(EXAMPLE, EXAMPLE_SCHEME))["a1"]
    data = json.loads(json.dumps(card.to_dict()))
    assert data["agency"] == "a1" and data["total"] == "85.56" and data["bonus"] == "5.00"
    assert data["components"]["appraisal"] == {
        **data["components"]["appraisal"], "score": "64.29", "weight": "30", "weight_share": "0.3000",
        "n": 5, "included": True}
    assert data["total_low"] is None and data["rank_low"] is None


# --------------------------------------------------------------------------- exact rounding

def test_half_up_where_floats_round_down():
    # grassroots {3: 2, 4: 3, 5: 3}: (2·50 + 3·75 + 3·100)/8 = 625/8 = 78.125
    # base = (30·78.125 + 20·(100 − 1)) / 50 = 86.475; total = 86.475 + 0.1 = 86.575 exactly → 86.58.
    # The same steps in floats give 86.57499999999999, which rounds to 86.57.
    agency = AgencyInput(code="x", group="g", has_service_window=False,
                         appraisal_counts={"grassroots": {3: 2, 4: 3, 5: 3}},
                         inspection_deduction=D("1"), bonus=D("0.1"))
    floats = (30 * (625 / 8) + 20 * (100 - 1.0)) / 50 + 0.1
    assert repr(floats) == "86.57499999999999"
    [card] = compute([agency], DEFAULT_SCHEME)
    assert card.total == D("86.58")
    assert card.base == D("86.48")  # 86.475 → 86.48 as well


@pytest.mark.parametrize(("value", "expected"), [
    (Fraction(697, 8), "87.13"),  # a true 87.125
    (Fraction(-697, 8), "-87.13"),  # ties away from zero
    (D("87.125"), "87.13"),
    ("87.124999", "87.12"),
    (2.675, "2.68"),  # a float is taken at its repr, not at 2.67499999…
    (0, "0.00"),
    (Fraction(1, 3), "0.33"),
])
def test_round_half_up(value, expected):
    assert round_half_up(value) == D(expected)
    assert str(round_half_up(value)) == expected


def test_level_points_and_weights_may_be_decimal_strings():
    custom = scheme(level_points={"1": "0", "2": "12.5", "3": "37.5", "4": "62.5", "5": "100"},
                    dimension_weights={**dict.fromkeys(DIMENSIONS, 0), "fees": "1.5", "workflow": "0.5"})
    # fees {2: 1} = 12.5, workflow {3: 1, 4: 2} = (37.5 + 125)/3 = 54.1666…; efficiency weighs 0.
    # public = (1.5·12.5 + 0.5·162.5/3) / 2 = (18.75 + 27.0833…)/2 = 22.9166… → 22.92
    agency = AgencyInput(code="x", group="g", has_service_window=True,
                         public_counts={"fees": {2: 1}, "workflow": {3: 1, 4: 2}, "efficiency": {5: 9}})
    [card] = compute([agency], custom)
    assert card.components["public_survey"].score == D("22.92")
    assert card.components["public_survey"].parts["fees"].weight == D("1.5")


def test_only_weightless_dimensions_rated_is_no_data():
    custom = scheme(dimension_weights={**dict.fromkeys(DIMENSIONS, 1), "fees": 0})
    agency = AgencyInput(code="x", group="g", has_service_window=True, public_counts={"fees": {5: 40}})
    [card] = compute([agency], custom)
    assert (card.components["public_survey"].included, card.components["public_survey"].reason) == (False, "no_data")


def test_bad_inputs_are_refused():
    ok = AgencyInput(code="x", group="g", has_service_window=True)
    with pytest.raises(ValueError, match="duplicate"):
        compute([ok, ok], DEFAULT_SCHEME)
    with pytest.raises(ValueError, match="unknown"):
        compute([AgencyInput(code="x", group="g", has_service_window=True, public_counts={"speed": {5: 1}})],
                DEFAULT_SCHEME)
    with pytest.raises(ValueError, match="1..5"):
        compute([AgencyInput(code="x", group="g", has_service_window=True, public_counts={"fees": {6: 1}})],
                DEFAULT_SCHEME)
    assert compute([], DEFAULT_SCHEME) == []


def test_fewer_agencies_than_warn_bottom_are_all_warned():
    # DESIGN.md literally: warned when rank > N − warn_bottom; with N = 2 and warn_bottom = 3 that is everyone.
    cards = compute([AgencyInput(code=c, group="g", has_service_window=False, appraisal_counts={"deputy": {5: 1}})
                     for c in "ab"], DEFAULT_SCHEME)
    assert {c.outcome for c in cards} == {"warned"}


def is_rated(agency: AgencyInput) -> bool:
    """DESIGN.md's rated, computed independently: some public_survey, appraisal or organizational data."""
    public = agency.has_service_window and any(
        n for by_level in agency.public_counts.values() for n in by_level.values())
    appraisal = any(n for by_level in agency.appraisal_counts.values() for n in by_level.values())
    organizational = agency.assessment_max is not None and agency.assessment_max > 0
    return bool(public or appraisal or organizational)


# --------------------------------------------------------------------------- properties

counts_by_level = st.dictionaries(st.integers(1, 5), st.integers(0, 40), min_size=1, max_size=3)
points = st.decimals(min_value=0, max_value=100, places=2)


@st.composite
def agency_inputs(draw, code: str) -> AgencyInput:
    maximum = draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=1)))
    scored = None if maximum is None else draw(st.decimals(min_value=0, max_value=maximum, places=2))
    return AgencyInput(
        code=code,
        group=draw(st.sampled_from(["g1", "g2", "g3"])),
        has_service_window=draw(st.booleans()),
        public_counts=draw(st.dictionaries(st.sampled_from(list(DIMENSIONS)), counts_by_level, max_size=4)),
        public_n=draw(st.integers(0, 60)),
        appraisal_counts=draw(st.dictionaries(st.sampled_from(list(CATEGORIES)), counts_by_level, max_size=4)),
        assessment_points=scored,
        assessment_max=maximum,
        inspection_deduction=draw(st.decimals(min_value=0, max_value=120, places=1)),
        bonus=draw(st.decimals(min_value=0, max_value=10, places=2)),
        deduction=draw(st.decimals(min_value=0, max_value=20, places=2)),
        veto=draw(st.booleans()),
    )


@st.composite
def agency_lists(draw, min_size: int = 1, max_size: int = 8) -> list[AgencyInput]:
    size = draw(st.integers(min_size, max_size))
    return [draw(agency_inputs(f"a{i:02d}")) for i in range(size)]


def same(cards_a, cards_b) -> bool:
    a, b = by_code(cards_a), by_code(cards_b)
    return {c: card.to_dict() for c, card in a.items()} == {c: card.to_dict() for c, card in b.items()}


@FAST
@given(agency_lists(), st.sampled_from([2, 3, 7, "0.5", "1.25"]))
def test_scaling_every_weight_changes_nothing(agencies, factor):
    factor = D(str(factor))

    def scaled(weights):
        return {k: str(D(str(v)) * factor) for k, v in weights.items()}

    bigger = scheme(weights=scaled(DEFAULT_SCHEME["weights"]),
                    dimension_weights=scaled(DEFAULT_SCHEME["dimension_weights"]),
                    category_weights=scaled(DEFAULT_SCHEME["category_weights"]))
    a, b = by_code(compute(agencies, DEFAULT_SCHEME)), by_code(compute(agencies, bigger))
    for code, card in a.items():
        other = b[code]
        assert (card.total, card.base, card.rank_overall, card.outcome, scores(card)) == (
            other.total, other.base, other.rank_overall, other.outcome, scores(other))
        assert [c.weight_share for c in card.components.values()] == [
            c.weight_share for c in other.components.values()]


@FAST
@given(agency_lists(), st.decimals(min_value=0, max_value=100, places=2))
def test_a_component_without_data_weighs_as_nothing(agencies, points_given):
    # Organizational with no data, scored on the rest == organizational present but of weight 0.
    without = [AgencyInput(**{**a.__dict__, "assessment_points": None, "assessment_max": None})
               for a in agencies]
    weightless = [AgencyInput(**{**a.__dict__, "assessment_points": points_given, "assessment_max": D(100)})
                  for a in agencies]
    zero = scheme(weights={**DEFAULT_SCHEME["weights"], "organizational": 0})
    a, b = by_code(compute(without, DEFAULT_SCHEME)), by_code(compute(weightless, zero))
    for code, card in a.items():
        # Ranks may differ: an assessment is data, so it makes an agency rated even at weight 0.
        assert (card.base, card.total) == (b[code].base, b[code].total)
        assert b[code].rated
        assert b[code].components["organizational"].included
        assert b[code].components["organizational"].weight_share == D("0.0000")


@pytest.mark.django_db
@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["inspection", "bonus", "deduction", "veto"]),
                          st.decimals(min_value=D("0.01"), max_value=20, places=2), st.integers(0, 2), st.booleans()),
                min_size=1, max_size=12))
def test_an_entry_and_its_reversal_are_no_entry(entries):
    """Reversals cancel through the ledger: booking entries and reversing some of them gives the method
    exactly the inputs (and digest, and scorecards) of booking only the others."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from scoring.selectors import scoring_inputs
    from scoring.services import score_entry_book, score_entry_reverse
    from tests.factories import AgencyFactory, AgencyGroupFactory, CycleFactory

    with transaction.atomic():  # each example starts from an empty ledger
        group = AgencyGroupFactory(code="g")
        agencies = [AgencyFactory(code=f"a{i}", group=group) for i in range(3)]
        with_reversals, live_only = CycleFactory(code="booked"), CycleFactory(code="live")
        for kind, points, who, reverse in entries:
            points = 0 if kind == "veto" else points
            entry = score_entry_book(cycle=with_reversals, agency=agencies[who], kind=kind, points=points, reason="r")
            if reverse:
                score_entry_reverse(entry=entry, reason="冲销")
            else:
                score_entry_book(cycle=live_only, agency=agencies[who], kind=kind, points=points, reason="r")
        until = timezone.now() + timedelta(days=1)
        booked, live = scoring_inputs(cycle=with_reversals, until=until), scoring_inputs(cycle=live_only, until=until)
        transaction.set_rollback(True)
    assert booked == live
    assert any(a.veto or a.inspection_n or a.bonus or a.deduction for a in live) == (not all(r for *_, r in entries))
    assert inputs_digest(booked, DEFAULT_SCHEME) == inputs_digest(live, DEFAULT_SCHEME)
    assert same(compute(booked, DEFAULT_SCHEME), compute(live, DEFAULT_SCHEME))


@FAST
@given(agency_lists(max_size=10))
def test_totals_stay_in_range_and_ties_share_a_rank(agencies):
    cards = compute(agencies, DEFAULT_SCHEME)
    cap = DEFAULT_SCHEME["bonus_cap"]
    inputs = {a.code: a for a in agencies}
    rated = [card for card in cards if is_rated(inputs[card.agency])]
    for card in cards:
        assert 0 <= card.total <= 100 + cap
        assert card.rated == is_rated(inputs[card.agency])
        if card.veto:
            assert card.outcome == "warned"
        if not card.rated:
            assert card.rank_overall is None and card.rank_in_group is None
            assert card.outcome in ("unrated", "warned") and (card.outcome == "warned") == card.veto
            continue
        # competition ranking among the rated: 1 + the number of strictly better totals (so 1, 2, 2, 4)
        assert card.rank_overall == 1 + sum(other.total > card.total for other in rated)
        peers = [other for other in rated if other.group == card.group]
        assert card.rank_in_group == 1 + sum(other.total > card.total for other in peers)
        bottom = card.rank_overall > len(rated) - DEFAULT_SCHEME["warn_bottom"]
        assert (card.outcome == "warned") == (card.veto or bottom)
    # the rated come first, in rank order; the unrated after them
    assert [c.rank_overall for c in cards[:len(rated)]] == sorted(c.rank_overall for c in rated)
    assert all(c.rank_overall is None for c in cards[len(rated):])


@FAST
@given(agency_lists(max_size=10), st.randoms(use_true_random=False))
def test_input_order_changes_nothing(agencies, random):
    shuffled = list(agencies)
    random.shuffle(shuffled)
    assert same(compute(agencies, DEFAULT_SCHEME), compute(shuffled, DEFAULT_SCHEME))
    assert inputs_digest(agencies, DEFAULT_SCHEME) == inputs_digest(shuffled, DEFAULT_SCHEME)
    first = with_intervals(compute(agencies, DEFAULT_SCHEME), agencies, DEFAULT_SCHEME, draws=40, seed=3)
    again = with_intervals(compute(shuffled, DEFAULT_SCHEME), shuffled, DEFAULT_SCHEME, draws=40, seed=3)
    assert same(first, again)


@settings(max_examples=40, deadline=None)
@given(agency_lists(max_size=8), st.integers(0, 2**32))
def test_intervals_contain_the_official_figures_and_repeat(agencies, seed):
    cards = compute(agencies, DEFAULT_SCHEME)
    first = with_intervals(cards, agencies, DEFAULT_SCHEME, draws=80, seed=seed)
    assert first == with_intervals(cards, agencies, DEFAULT_SCHEME, draws=80, seed=seed)
    rated = sum(card.rated for card in first)
    for card in first:
        assert card.total_low <= card.total <= card.total_high
        assert card.total_high <= 100 + DEFAULT_SCHEME["bonus_cap"]
        if not card.rated:
            assert (card.rank_low, card.rank_high, card.rank_in_group_low, card.rank_in_group_high) == (None,) * 4
            continue
        assert 1 <= card.rank_low <= card.rank_overall <= card.rank_high <= rated
        assert card.rank_in_group_low <= card.rank_in_group <= card.rank_in_group_high
        assert card.total_high <= 100 + DEFAULT_SCHEME["bonus_cap"]


def test_intervals_follow_the_sample():
    many = AgencyInput(code="many", group="g", has_service_window=True,
                       public_counts={d: {3: 500, 5: 500} for d in DIMENSIONS}, public_n=1000)
    few = AgencyInput(code="few", group="g", has_service_window=True,
                      public_counts={d: {3: 2, 5: 2} for d in DIMENSIONS}, public_n=4)
    fixed = AgencyInput(code="fixed", group="g", has_service_window=False, inspection_deduction=D("20"))
    agencies = [many, few, fixed]
    cards = by_code(with_intervals(compute(agencies, DEFAULT_SCHEME), agencies, DEFAULT_SCHEME, seed=7))
    width = {code: card.total_high - card.total_low for code, card in cards.items()}
    assert 0 < width["many"] < width["few"]  # more ratings, narrower interval
    assert width["fixed"] == 0  # nothing of it is resampled
    assert (cards["fixed"].total_low, cards["fixed"].total_high) == (D("80.00"), D("80.00"))


def cells_take_the_normal_limit(counts_by_part):
    """Whether the resampling may draw each of these cells' means from its normal limit."""
    counts = np.array([[by_level.get(level, 0) for level in range(1, 6)] for by_level in counts_by_part], dtype=float)
    n = counts.sum(axis=1)
    points = np.array([float(DEFAULT_SCHEME["level_points"][str(level)]) for level in range(1, 6)])
    return method._normal_is_close(n, counts / n[:, None], points).tolist()


def test_which_cells_take_the_normal_limit():
    balanced = {1: 10, 2: 20, 3: 40, 4: 70, 5: 60}
    assert cells_take_the_normal_limit([balanced]) == [True]  # n = 200, near-normal
    assert cells_take_the_normal_limit([{k: v // 5 for k, v in balanced.items()}]) == [False]  # n = 40 < 50
    assert cells_take_the_normal_limit([{1: 1, 5: 199}]) == [False]  # lopsided: exact at any n
    assert cells_take_the_normal_limit([{1: 1, 5: 4999}]) == [False]
    assert cells_take_the_normal_limit([{4: 500}]) == [True]  # no spread: the same on either path


def test_normal_limit_and_exact_redraws_agree_on_large_samples(monkeypatch):
    # Appraisal only (no window), 400 ballots per category, so the intervals are wide enough
    # (about ±0.7) for cents to be fine; one agency with a window adds eight 2,000-rating dimensions.
    shapes = [{1: 8, 2: 24, 3: 88, 4: 160, 5: 120}, {1: 20, 2: 40, 3: 100, 4: 140, 5: 100},
              {1: 4, 2: 16, 3: 60, 4: 160, 5: 160}, {1: 40, 2: 60, 3: 120, 4: 100, 5: 80}]
    agencies = [
        AgencyInput(code=f"a{i}", group="g", has_service_window=False,
                    appraisal_counts={c: shapes[(i + j) % 4] for j, c in enumerate(CATEGORIES)},
                    inspection_deduction=D(i))
        for i in range(4)
    ] + [AgencyInput(code="w", group="g", has_service_window=True,
                     public_counts={d: {k: 5 * v for k, v in shapes[j % 4].items()} for j, d in enumerate(DIMENSIONS)},
                     appraisal_counts={c: shapes[j] for j, c in enumerate(CATEGORIES)})]
    assert all(cells_take_the_normal_limit(shapes + [{k: 5 * v for k, v in s.items()} for s in shapes]))
    cards = compute(agencies, DEFAULT_SCHEME)
    normal = by_code(with_intervals(cards, agencies, DEFAULT_SCHEME, draws=4000, seed=1))
    monkeypatch.setattr(method.intervals, "_NORMAL_MIN_N", math.inf)  # every cell redrawn from its multinomial
    exact = by_code(with_intervals(cards, agencies, DEFAULT_SCHEME, draws=4000, seed=2))
    for code, card in exact.items():
        half_exact = (card.total_high - card.total_low) / 2
        half_normal = (normal[code].total_high - normal[code].total_low) / 2
        assert half_exact > D("0.2")
        assert abs(half_normal - half_exact) <= D("0.1") * half_exact, code
        assert abs((normal[code].total_high + normal[code].total_low) / 2
                   - (card.total_high + card.total_low) / 2) <= D("0.1") * half_exact, code


def test_small_cells_are_redrawn_exactly(monkeypatch):
    # No window, no assessment, inspection 100: total = (30·appraisal + 20·100) / 50 = 0.6·appraisal + 40.
    def agency(code, counts, **more):
        return AgencyInput(code=code, group="g", has_service_window=False, appraisal_counts={"deputy": counts},
                           **more)

    agencies = [
        agency("same", {4: 3}),  # appraisal 75 in every redraw
        agency("three", {4: 1, 5: 2}),  # appraisal ∈ {75, 83.33…, 91.66…, 100}: total ∈ {85, 90, 95, 100}
        # 100 ballots, balanced, but the component says 10 ballots: a small sample, so exact anyway;
        # appraisal moves in steps of 0.25, the total in steps of 0.15 from 85.
        agency("flagged", {3: 50, 5: 50}, appraisal_n=10),
    ]
    cards = compute(agencies, DEFAULT_SCHEME)
    assert by_code(cards)["flagged"].components["appraisal"].small_sample

    def on_the_lattice(card):
        # 401 draws: the 2.5% and 97.5% points are single draws, so an exact redraw lands on the lattice.
        three = {D(v) for v in ("85.00", "90.00", "95.00", "100.00")}
        if card.agency == "three":
            return {card.total_low, card.total_high} <= three
        return all((value - 85) % D("0.15") == 0 for value in (card.total_low, card.total_high))

    exact = by_code(with_intervals(cards, agencies, DEFAULT_SCHEME, draws=401, seed=5))
    assert (exact["same"].total_low, exact["same"].total_high) == (D("85.00"), D("85.00"))
    assert on_the_lattice(exact["three"]) and on_the_lattice(exact["flagged"])
    assert exact["three"].total_low < exact["three"].total_high

    # The check can tell: forced onto the normal limit, the same cells leave the lattice.
    monkeypatch.setattr(method.intervals, "_NORMAL_MIN_N", 0)
    monkeypatch.setattr(method.intervals, "_NORMAL_TOLERANCE", math.inf)
    loose = scheme(min_sample=0)
    normal = by_code(with_intervals(compute(agencies, loose), agencies, loose, draws=401, seed=5))
    assert (normal["same"].total_low, normal["same"].total_high) == (D("85.00"), D("85.00"))
    assert not on_the_lattice(normal["three"]) and not on_the_lattice(normal["flagged"])


def test_intervals_need_the_same_agencies():
    cards = compute(EXAMPLE, EXAMPLE_SCHEME)
    with pytest.raises(ValueError, match="same agencies"):
        with_intervals(cards, EXAMPLE[:-1], EXAMPLE_SCHEME)


@FAST
@given(agency_lists(), st.data())
def test_digest_changes_with_a_count(agencies, data):
    before = inputs_digest(agencies, DEFAULT_SCHEME)
    index = data.draw(st.integers(0, len(agencies) - 1))
    target = agencies[index]
    dimension = data.draw(st.sampled_from(list(DIMENSIONS)))
    level = data.draw(st.integers(1, 5))
    counts = {k: dict(v) for k, v in target.public_counts.items()}
    counts.setdefault(dimension, {})
    counts[dimension][level] = counts[dimension].get(level, 0) + 1
    changed = list(agencies)
    changed[index] = AgencyInput(**{**target.__dict__, "public_counts": counts})
    assert inputs_digest(changed, DEFAULT_SCHEME) != before


def test_digest_is_canonical():
    a = AgencyInput(code="a", group="g", has_service_window=True, public_counts={"fees": {5: 3, 4: 0}},
                    bonus=D("1.50"))
    b = AgencyInput(code="a", group="g", has_service_window=True, public_counts={"fees": {"5": 3}, "workflow": {}},
                    bonus=D("1.5"))
    spelled = scheme(weights={"public_survey": "30", "appraisal": 30.0, "organizational": D("20.00"),
                              "inspection": 20})
    assert inputs_digest([a], DEFAULT_SCHEME) == inputs_digest([b], spelled) == inputs_digest([b], {})
    assert inputs_digest([a], DEFAULT_SCHEME) != inputs_digest([a], scheme(bonus_cap=4))
    assert len(inputs_digest([a], DEFAULT_SCHEME)) == 64


def respelled(agency: AgencyInput, random) -> AgencyInput:
    """The same inputs in another spelling: mappings reordered, zero counts added, numbers respelled."""
    def counts(by_code, codes):
        items = [(code, {1: 0, 3: 0, **dict(reversed(list(levels.items())))}) for code, levels in by_code.items()]
        unrated = [code for code in codes if code not in by_code]
        if unrated:
            items.append((random.choice(unrated), random.choice([{}, {2: 0}])))  # a part with no ratings at all
        random.shuffle(items)
        return dict(items)

    def number(value):
        return None if value is None else random.choice([str(value), D(value).normalize(), D(value) * 1 + D("0.000")])

    return AgencyInput(**{**agency.__dict__,
                          "public_counts": counts(agency.public_counts, list(DIMENSIONS)),
                          "appraisal_counts": counts(agency.appraisal_counts, list(CATEGORIES)),
                          "assessment_points": number(agency.assessment_points),
                          "bonus": number(agency.bonus), "deduction": number(agency.deduction)})


@FAST
@given(agency_lists(max_size=10), st.randoms(use_true_random=False))
def test_digest_ignores_order_zero_counts_and_spelling(agencies, random):
    again = [respelled(agency, random) for agency in agencies]
    random.shuffle(again)
    assert same(compute(agencies, DEFAULT_SCHEME), compute(again, DEFAULT_SCHEME))
    assert inputs_digest(again, DEFAULT_SCHEME) == inputs_digest(agencies, DEFAULT_SCHEME)


@FAST
@given(agency_lists(max_size=6), st.data())
def test_digest_changes_with_any_input(agencies, data):
    before = inputs_digest(agencies, DEFAULT_SCHEME)
    index = data.draw(st.integers(0, len(agencies) - 1))
    target = agencies[index]
    change = data.draw(st.sampled_from(["group", "has_service_window", "veto", "public_n", "appraisal_n",
                                        "assessment_n", "inspection_n", "bonus", "deduction", "inspection_deduction",
                                        "assessment_max", "code", "appraisal_counts", "moved_count"]))
    if change == "group":
        value = target.group + "x"
    elif change in ("has_service_window", "veto"):
        value = not getattr(target, change)
    elif change.endswith("_n"):
        value = getattr(target, change) + 1
    elif change == "assessment_max":
        value = D("1") if target.assessment_max is None else None
    elif change == "code":
        value = "zz"
    elif change == "appraisal_counts":
        value = {**target.appraisal_counts, "citizen": {3: target.appraisal_counts.get("citizen", {}).get(3, 0) + 1}}
    elif change == "moved_count":  # the same numbers, in another dimension: the layout tells them apart
        change, value = "public_counts", {f"x{code}": levels for code, levels in target.public_counts.items()}
        if not any(n for levels in value.values() for n in levels.values()):
            value = {"workflow": {2: 1}}
    else:
        value = getattr(target, change) + D("0.01")
    changed = list(agencies)
    changed[index] = AgencyInput(**{**target.__dict__, change: value})
    assert inputs_digest(changed, DEFAULT_SCHEME) != before


def test_digest_is_pinned_to_its_layout():
    """The same inputs give the same digest on every machine: fixed dtype, byte order and layout.

    If this value changes, every stored snapshot's digest changes, and each is recomputed once.
    """
    agencies = [
        AgencyInput(code="a", group="g", has_service_window=True, public_counts={"fees": {5: 3, 2: 1}},
                    appraisal_counts={"deputy": {4: 2}}, assessment_points=D("45"), assessment_max=D("50"),
                    assessment_n=3, inspection_deduction=D("3"), bonus=D("1.5"), veto=True),
        AgencyInput(code="b", group="h", has_service_window=False),
    ]
    assert inputs_digest(agencies, DEFAULT_SCHEME) == PINNED_DIGEST


def test_digest_refuses_what_compute_refuses():
    for counts in ({"fees": {6: 1}}, {"fees": {2: -1}}):
        agency = AgencyInput(code="a", group="g", has_service_window=True, public_counts=counts)
        with pytest.raises(ValueError):
            compute([agency], DEFAULT_SCHEME)
        with pytest.raises(ValueError):
            inputs_digest([agency], DEFAULT_SCHEME)


def exact_sum_distribution(counts, points=(0, 1, 2, 3, 4)):
    """The distribution of the sum of n ratings drawn with the cell's proportions, by repeated convolution."""
    n = sum(counts.values())
    one = np.zeros(max(points) + 1)
    for level, count in counts.items():
        one[points[level - 1]] += count / n
    total = np.array([1.0])
    for _ in range(n):
        total = np.convolve(total, one)
    return total


@pytest.mark.parametrize("counts", [{1: 1, 3: 2, 5: 3}, {4: 6, 5: 1}, {1: 2, 2: 2, 3: 2, 4: 2, 5: 2}, {5: 4}])
def test_lattice_draws_follow_the_exact_distribution_of_the_sum(counts):
    n = sum(counts.values())
    lattice = method._lattice_points([Fraction(p) for p in (0, 25, 50, 75, 100)])
    assert lattice[0].tolist() == [0, 1, 2, 3, 4] and lattice[1:] == (0.0, 25.0)
    draws = 200_000
    sums = np.zeros((1, draws))
    cell_counts = np.array([[counts.get(level, 0) for level in range(1, 6)]])
    method._lattice_draws(sums, np.array([0]), np.array([n]), cell_counts, np.array([1.0]), lattice,
                          np.random.default_rng(11))
    drawn = np.rint(sums[0] * n / 25).astype(int)  # the sum of the n ratings' lattice values
    expected = exact_sum_distribution(counts)
    frequencies = np.bincount(drawn, minlength=len(expected)) / draws
    assert len(frequencies) == len(expected)
    assert frequencies[expected == 0].sum() == 0  # an impossible sum is never drawn
    tolerance = 5 * np.sqrt(expected * (1 - expected) / draws) + 1e-9
    assert (np.abs(frequencies - expected) <= tolerance).all()


def test_cells_off_the_lattice_are_redrawn_from_the_multinomial(monkeypatch):
    # 1 and 1,025 have no common step that keeps the lattice small; a lopsided cell of 5,000
    # ratings spans 5,000 steps: both take numpy's multinomial, and stay on their own lattice.
    assert method._lattice_points([Fraction(p) for p in (0, 1, 2, 3, 1025)]) is None
    wide = AgencyInput(code="wide", group="g", has_service_window=False, appraisal_counts={"deputy": {1: 1, 5: 4999}})
    few = AgencyInput(code="few", group="g", has_service_window=False, appraisal_counts={"deputy": {4: 1, 5: 2}})
    agencies = [wide, few]
    calls = []
    monkeypatch.setattr(method.intervals, "_lattice_draws", lambda sums, keys, *rest: calls.append(len(keys)))
    cards = compute(agencies, DEFAULT_SCHEME)
    with_intervals(cards, agencies, DEFAULT_SCHEME, draws=41)  # the stub draws nothing: only its calls count
    assert calls == [1]  # "few" on the lattice, "wide" not
    monkeypatch.undo()
    result = by_code(with_intervals(cards, agencies, DEFAULT_SCHEME, draws=401, seed=3))
    # wide: appraisal ∈ [99.98…, 100], total = 0.6·appraisal + 40 — a tiny interval around 99.99
    assert D("99.95") <= result["wide"].total_low <= result["wide"].total <= result["wide"].total_high <= D("100")
