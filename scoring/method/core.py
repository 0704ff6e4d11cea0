"""The exact core of the scoring method (DESIGN.md, "The scoring method (exact)").

Why exact: official totals are rounded half-up to 2 decimals and ranks are taken on the
rounded totals, so a float error of 1e-14 could move 87.125 to 87.12 and change a rank.
Every official number is therefore the exact rational number of DESIGN.md's formulas,
rounded once, at the end.

Why it is fast anyway: at 2,000 agencies, doing that in `fractions.Fraction` per agency cost
about a second. Now numpy does the bulk work for every agency at once: integer counts ×
integer-scaled level points give the sums per part exactly (int64), each part's mean is
rounded to cents in integer arithmetic, and the weighted means of means, the bases and the
totals are taken in floats, whose error (below 1e-14 relative) can only change a rounding to
cents for a value next to a half cent. Those values, and the true ties such as 87.125, are
"in doubt" (`_float_cents`), and only their agencies are computed again in Fractions
(`_exact_official`) — none of the 2,000 agencies of bench/bench_method.py, every agency of a tiny example
in the worst case. The result is the same as the all-Fraction method, field by field; the
tests hold it to that method, kept as their oracle. (pandas adds nothing here that numpy
does not already do, so the package does not import it.)
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

from .defaults import DEFAULT_SCHEME

# Part of every inputs digest: a change to this module's arithmetic must change the digest,
# so that an old snapshot is never claimed to be reproduced by a different method.
# 2: the 95% intervals draw large, near-normal cells from the normal limit of their mean.
# 3: the intervals draw the sum of an exactly redrawn cell from its exact distribution (one
#    uniform per cell and draw) instead of redrawing its counts: the same distribution, other
#    random numbers, so the interval bounds of a snapshot may move by their Monte Carlo error.
# 4: only rated agencies take a rank and count in N; the others are `unrated` with null ranks.
METHOD_VERSION = "4"

LEVELS = (1, 2, 3, 4, 5)
PUBLIC_SURVEY, APPRAISAL, ORGANIZATIONAL, INSPECTION = "public_survey", "appraisal", "organizational", "inspection"
COMPONENT_ORDER = (PUBLIC_SURVEY, APPRAISAL, ORGANIZATIONAL, INSPECTION)

WARNED, COMMENDED, NONE, UNRATED = "warned", "commended", "none", "unrated"
# The components that are evidence about an agency: with none of them it is not rated (DESIGN.md
# "Rated agencies only"); the inspection component's default 100 says nothing about good conduct.
RATING_COMPONENTS = (PUBLIC_SURVEY, APPRAISAL, ORGANIZATIONAL)
# Why a component was left out of the base: machine code -> Chinese label shown on the scorecard.
REASONS: dict[str, str] = {"no_window": "无服务窗口", "no_data": "暂无数据"}

_HUNDRED = Fraction(100)


@dataclass(frozen=True)
class AgencyInput:
    """Everything the method needs about one agency, already aggregated by the callers.

    Counts, not rows: the recompute reads rollups (DESIGN.md "Fast"), and the 95% intervals
    resample from the per-level counts. Ledger sums are net of reversals, so a reversed
    entry and no entry are the same input. Numbers may be Decimal, int, float or numeric
    strings; they are converted exactly (a float through its shortest repr).
    """

    code: str
    group: str
    has_service_window: bool
    # dimension code -> level (1..5) -> number of valid ratings at that level
    public_counts: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    public_n: int = 0  # valid responses that rated this agency; 0 = take the largest dimension count
    # evaluator category -> level -> number of ballots rating this agency at that level
    appraisal_counts: Mapping[str, Mapping[int, int]] = field(default_factory=dict)
    appraisal_n: int = 0  # ballots that rated this agency; 0 = take the sum of the counts
    assessment_points: Decimal | None = None  # Σ points over assessed indicators (latest revisions)
    assessment_max: Decimal | None = None  # Σ max_points over those same indicators
    assessment_n: int = 0  # indicators assessed
    inspection_deduction: Decimal = Decimal(0)  # D ≥ 0: net inspection points, as a deduction
    inspection_n: int = 0  # inspection entries counted
    bonus: Decimal = Decimal(0)  # B: net sum of bonus entries
    deduction: Decimal = Decimal(0)  # P: net sum of deduction entries
    veto: bool = False  # a live (unreversed) 一票否决 entry exists


@dataclass(frozen=True)
class Part:
    """One dimension (public_survey) or evaluator category (appraisal) of a component.

    Kept so the dashboard can draw the eight-dimension radar and drill down from a
    component to the means that make it. `mean` is None when nobody rated it.
    """

    mean: Decimal | None
    n: int
    weight: Decimal


@dataclass(frozen=True)
class Component:
    """One of the four components of an agency's base score, with why it counts or not.

    `weight` is the scheme weight W_c; `weight_share` is W_c / ΣW over the included
    components (4 decimals), None when the component is left out; `reason` is a machine
    code from REASONS and `reason_label` its Chinese text. `small_sample` flags an
    included public_survey or appraisal component with n < min_sample.
    """

    score: Decimal | None
    weight: Decimal
    weight_share: Decimal | None
    n: int
    included: bool
    reason: str | None = None
    reason_label: str | None = None
    small_sample: bool = False
    parts: Mapping[str, Part] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": _text(self.score),
            "weight": _text(self.weight),
            "weight_share": _text(self.weight_share),
            "n": self.n,
            "included": self.included,
            "reason": self.reason,
            "reason_label": self.reason_label,
            "small_sample": self.small_sample,
            "parts": {code: {"mean": _text(p.mean), "n": p.n, "weight": _text(p.weight)}
                      for code, p in self.parts.items()},
        }


@dataclass(frozen=True)
class Scorecard:
    """The result for one agency: components, total, ranks, outcome and 95% intervals.

    Money-like numbers are Decimals rounded half-up: scores, base, bonus, deduction and
    totals to 2 decimals, weight shares to 4; `to_dict()` writes every Decimal as a
    string ("87.13"), as the API does. `bonus` is the counted bonus min(B, bonus_cap),
    `bonus_booked` the net bonus B in the ledger. The interval fields stay None until
    `with_intervals`; `rank_low` is the best (smallest) rank of the interval and
    `rank_high` the worst. An agency that is not `rated` (no public_survey, appraisal or
    organizational data) has no ranks and no rank intervals (None) and the outcome `unrated`.
    """

    agency: str
    group: str
    components: Mapping[str, Component]
    base: Decimal
    bonus: Decimal
    bonus_booked: Decimal
    deduction: Decimal
    veto: bool
    total: Decimal
    rank_overall: int | None
    rank_in_group: int | None
    outcome: str
    rated: bool = True
    total_low: Decimal | None = None
    total_high: Decimal | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    rank_in_group_low: int | None = None
    rank_in_group_high: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "group": self.group,
            "components": {name: component.to_dict() for name, component in self.components.items()},
            "base": _text(self.base),
            "bonus": _text(self.bonus),
            "bonus_booked": _text(self.bonus_booked),
            "deduction": _text(self.deduction),
            "veto": self.veto,
            "total": _text(self.total),
            "rank_overall": self.rank_overall,
            "rank_in_group": self.rank_in_group,
            "outcome": self.outcome,
            "rated": self.rated,
            "total_low": _text(self.total_low),
            "total_high": _text(self.total_high),
            "rank_low": self.rank_low,
            "rank_high": self.rank_high,
            "rank_in_group_low": self.rank_in_group_low,
            "rank_in_group_high": self.rank_in_group_high,
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- numbers

# Decimals already converted: ledger sums and assessment points repeat (0, 1, 3, 0.5, 50 …), and
# Fraction(Decimal) is the slowest step of the preparation; equal Decimals ("1.5", "1.50") are one key.
_EXACT: dict[Decimal, Fraction] = {}
_EXACT_KEPT = 100_000


def _exact(value: Any) -> Fraction:
    """A number from the scheme or an input, as an exact fraction (floats via their repr)."""
    if type(value) is Decimal and value.is_finite():
        fraction = _EXACT.get(value)
        if fraction is None:
            fraction = Fraction(value)
            if len(_EXACT) < _EXACT_KEPT:
                _EXACT[value] = fraction
        return fraction
    if isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, (Fraction, int, Decimal)):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(repr(value))
    if isinstance(value, str):
        return Fraction(Decimal(value.strip()))
    raise TypeError(f"not a number: {value!r}")


def round_half_up(value: Any, places: int = 2) -> Decimal:
    """`value` rounded half-up (ties away from zero) to `places` decimals, as a Decimal.

    Fractions are rounded exactly; a float is taken at its shortest repr (0.145 -> 0.15),
    which is the number a person typed, not its binary neighbour.
    """
    if not isinstance(value, Fraction):
        if isinstance(value, float):
            value = Decimal(repr(value))
        elif not isinstance(value, Decimal):
            value = Decimal(value) if isinstance(value, int) else Decimal(str(value).strip())
        with localcontext() as ctx:
            ctx.prec = max(60, len(value.as_tuple().digits) + places + 2)
            return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return _round_ratio(value.numerator, value.denominator, places)


def _round_ratio(numerator: int, denominator: int, places: int = 2) -> Decimal:
    """numerator / denominator (denominator > 0) rounded half-up in integer arithmetic."""
    scaled = abs(numerator) * 10**places
    magnitude = (2 * scaled + denominator) // (2 * denominator)
    if places == 2:
        return _cents(-magnitude if numerator < 0 else magnitude)
    sign = "-" if numerator < 0 and magnitude else ""
    return Decimal(f"{sign}{magnitude}").scaleb(-places)


# Decimals of whole cents already made: a scorecard set of 2,000 agencies has some 60,000 numbers of
# 2 decimals but only a few thousand distinct ones, and a Decimal is immutable, so they are shared.
_CENTS: dict[int, Decimal] = {}
_CENTS_KEPT = 1_000_000  # every cent from −10,000.00 to 10,000.00; others are made each time


def _cents(cents: int) -> Decimal:
    """`cents` / 100 as a Decimal with 2 decimals ("-1.25", "0.00"), as `_round_ratio` spells it."""
    value = _CENTS.get(cents)
    if value is None:
        magnitude = abs(cents)
        value = Decimal(f"{'-' if cents < 0 else ''}{magnitude}").scaleb(-2)
        if magnitude <= _CENTS_KEPT:
            _CENTS[cents] = value
    return value


def _integer_scale(values: Sequence[Fraction]) -> tuple[list[int], int]:
    """Integers proportional to `values` and the common denominator they were scaled by."""
    denominator = math.lcm(*(v.denominator for v in values)) if values else 1
    return [int(v * denominator) for v in values], denominator


def _decimal(value: Fraction) -> Decimal:
    """A scheme number back as a Decimal, for display (scheme numbers are decimals, so exact)."""
    with localcontext() as ctx:
        ctx.prec = 60
        return Decimal(value.numerator) / Decimal(value.denominator)


# --------------------------------------------------------------------------- scheme

@dataclass(frozen=True)
class _Scheme:
    level_points: tuple[Fraction, ...]  # points of levels 1..5
    dimensions: tuple[str, ...]
    dimension_weights: tuple[Fraction, ...]
    categories: tuple[str, ...]
    category_weights: tuple[Fraction, ...]
    weights: dict[str, Fraction]
    dimension_weights_shown: tuple[Decimal, ...]  # the same weights as Decimals, for the scorecards
    category_weights_shown: tuple[Decimal, ...]
    weights_shown: dict[str, Decimal]
    bonus_cap: Fraction
    warn_bottom: int
    commend_group_top: int
    commend_overall_top: int
    min_sample: int
    canonical: dict[str, Any]


def _merged_scheme(scheme: Mapping | None) -> dict[str, Any]:
    """The scheme over DESIGN.md's defaults: missing keys (and missing sub-keys) take the default."""
    merged: dict[str, Any] = {}
    scheme = scheme or {}
    for key, default in DEFAULT_SCHEME.items():
        given = scheme.get(key, default)
        if isinstance(default, dict):
            given = {**default, **{str(k): v for k, v in (given or {}).items()}}
        merged[key] = given
    return merged


def _parse_scheme(scheme: Mapping | None) -> _Scheme:
    merged = _merged_scheme(scheme)
    maps = {key: {k: _exact(v) for k, v in value.items()} for key, value in merged.items() if isinstance(value, dict)}
    numbers = {key: _exact(value) for key, value in merged.items() if not isinstance(value, dict)}
    if any(v < 0 for m in maps.values() for v in m.values()) or any(v < 0 for v in numbers.values()):
        raise ValueError("scheme: every weight, point and number must be ≥ 0")
    weights = {name: maps["weights"][name] for name in COMPONENT_ORDER}
    dimension_weights, category_weights = maps["dimension_weights"], maps["category_weights"]
    return _Scheme(
        level_points=tuple(maps["level_points"][str(level)] for level in LEVELS),
        dimensions=tuple(dimension_weights),
        dimension_weights=tuple(dimension_weights.values()),
        categories=tuple(category_weights),
        category_weights=tuple(category_weights.values()),
        weights=weights,
        dimension_weights_shown=tuple(_decimal(w) for w in dimension_weights.values()),
        category_weights_shown=tuple(_decimal(w) for w in category_weights.values()),
        weights_shown={name: _decimal(w) for name, w in weights.items()},
        bonus_cap=numbers["bonus_cap"],
        warn_bottom=int(numbers["warn_bottom"]),
        commend_group_top=int(numbers["commend_group_top"]),
        commend_overall_top=int(numbers["commend_overall_top"]),
        min_sample=int(numbers["min_sample"]),
        canonical={**{key: str(v) for key, v in numbers.items()},
                   **{key: {k: str(v) for k, v in sorted(m.items())} for key, m in maps.items()}},
    )


# --------------------------------------------------------------------------- preparation

_LEVEL_KEYS = frozenset(LEVELS)


def _level_counts(agency: AgencyInput, code: Any, by_level: Mapping[int, int]) -> list[int]:
    """The counts of levels 1..5 of one part, from a mapping of level -> count (levels in any spelling)."""
    if by_level.keys() <= _LEVEL_KEYS:  # the common case, int levels: five look-ups in C
        return [by_level.get(1, 0), by_level.get(2, 0), by_level.get(3, 0), by_level.get(4, 0), by_level.get(5, 0)]
    counts = [0] * len(LEVELS)
    for level, count in by_level.items():
        level = int(level)
        if level not in _LEVEL_KEYS:
            raise ValueError(f"{agency.code}: level {level} of {code} is not 1..5")
        counts[level - 1] += int(count)
    return counts


def _count_cells(agencies: Sequence[AgencyInput], attribute: str) -> tuple[list[int], list[Any], np.ndarray]:
    """Every (agency, part) of the nested count mappings: agency rows, part keys, and (cells, 5) int64 counts.

    Refuses levels outside 1..5 and negative counts, whatever the part.
    """
    rows: list[int] = []
    keys: list[Any] = []
    data: list[list[int]] = []
    for row, agency in enumerate(agencies):
        for code, by_level in getattr(agency, attribute).items():
            rows.append(row)
            keys.append(code)
            if by_level.keys() <= _LEVEL_KEYS:  # `_level_counts`' common case, inline: 120,000 calls at province size
                get = by_level.get
                data.append([get(1, 0), get(2, 0), get(3, 0), get(4, 0), get(5, 0)])
            else:
                data.append(_level_counts(agency, code, by_level))
    counts = np.array(data, dtype=np.int64).reshape(-1, len(LEVELS))
    if len(counts) and counts.min() < 0:
        cell, level = np.argwhere(counts < 0)[0]
        raise ValueError(f"{agencies[rows[cell]].code}: negative count for {keys[cell]} level {level + 1}")
    return rows, keys, counts


def _count_array(agencies: Sequence[AgencyInput], attribute: str, codes: Sequence[str]) -> np.ndarray:
    """Fill an (agencies, codes, levels) integer array from the nested count mappings."""
    rows, keys, counts = _count_cells(agencies, attribute)
    index = {code: i for i, code in enumerate(codes)}
    unknown = next((i for i, key in enumerate(keys) if key not in index), None)
    if unknown is not None:
        raise ValueError(f"{agencies[rows[unknown]].code}: unknown {attribute} key {keys[unknown]!r}")
    array = np.zeros((len(agencies), len(codes), len(LEVELS)), dtype=np.int64)
    np.add.at(array, (np.array(rows, dtype=np.intp), np.array([index[key] for key in keys], dtype=np.intp)), counts)
    return array


@dataclass(frozen=True)
class _Means:
    """A component that is a weighted mean of means (public_survey, appraisal), per agency.

    `scores` holds it in floats (NaN = no rated part with a weight), accurate to a few units in
    the last place; `exact(i)` gives agency i's as a Fraction, for the few agencies whose
    rounding to 2 decimals the floats cannot decide (see `_compute`).
    """

    scores: np.ndarray  # (A,) float; NaN = no data
    rated_weight: np.ndarray  # (A,) float: Σ w over the rated parts, for the resampling
    sums: np.ndarray  # (A, P) Σ scaled level points · count (int64, or Python ints where int64 could overflow)
    ns: np.ndarray  # (A, P) int64 ratings per part
    point_scale: int  # the level points were multiplied by this to make them integers
    weights: tuple[int, ...]  # the part weights, scaled to integers

    def exact(self, i: int) -> Fraction | None:
        """Agency i's Σ w·mean / Σ w over its rated parts, exactly: the means meet over the lcm of their counts."""
        rated = [(w, int(s), int(n)) for w, s, n in zip(self.weights, self.sums[i], self.ns[i], strict=True)
                 if n and w]
        total_weight = sum(w for w, _, _ in rated)
        if not total_weight:
            return None
        common = math.lcm(*(n for _, _, n in rated))
        numerator = sum(w * s * (common // n) for w, s, n in rated)
        return Fraction(numerator, common * self.point_scale * total_weight)

    def part_cents(self) -> np.ndarray:
        """(A, P) every part's mean in whole cents, rounded half-up exactly in integers (−1 = not rated)."""
        ns = self.ns
        denominators = np.where(ns > 0, ns, 1) * self.point_scale
        cents = (200 * self.sums + denominators) // (2 * denominators)  # sums ≥ 0: level points are ≥ 0
        return np.where(ns > 0, cents, -1)


def _weighted_means(counts: np.ndarray, level_points: Sequence[Fraction], weights: Sequence[Fraction]) -> _Means:
    """Per agency Σ w·mean / Σ w over the rated parts.

    Level points and weights are scaled to integers (the scale cancels in the ratio) and the
    per-part sums of points are integer matrix products, exact; the weighted mean of the
    part means is then taken in floats, for every agency at once.
    """
    points, point_scale = _integer_scale(level_points)
    int_weights, weight_scale = _integer_scale(weights)
    ns = counts.sum(axis=2)
    # Never let an int64 overflow: the sums, and 200 · sum + 2 · n · point_scale in `part_cents`.
    bound = int(ns.max(initial=0)) * (200 * max(points, default=0) + 2 * point_scale)
    dtype = np.int64 if bound < 2**62 else object
    sums = counts.astype(dtype) @ np.array(points, dtype=dtype)
    weight = np.array([float(w) for w in int_weights])
    rated = (ns > 0) & (weight > 0)
    total_weight = (rated * weight).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(rated, sums.astype(float) / (np.where(ns > 0, ns, 1) * point_scale), 0.0)
        scores = np.where(total_weight > 0, (means * weight).sum(axis=1) / total_weight, np.nan)
    return _Means(scores=scores, rated_weight=total_weight / weight_scale, sums=sums, ns=ns, point_scale=point_scale,
                  weights=tuple(int_weights))


@dataclass(frozen=True)
class InputTable:
    """Every agency's inputs as columns, agencies sorted by code: what `AgencyInput`s say, without one Python
    object per agency.

    The recompute reads it from the rollups in a few queries (scoring.selectors.scoring_input_table) and the
    method, the digest and the stored snapshot take it as it is: at 2,000 agencies, making and taking apart
    2,000 `AgencyInput`s with their nested count mappings cost more than the method itself. Counts are int64
    arrays over the table's own `dimensions` and `categories` (any order; the method aligns them with the
    scheme's); numbers are exact Fractions (None: not assessed).
    """

    codes: tuple[str, ...]
    groups: tuple[str, ...]
    windows: np.ndarray  # (A,) bool
    dimensions: tuple[str, ...]
    public_counts: np.ndarray  # (A, D, 5) int64
    public_n: np.ndarray  # (A,) int64
    categories: tuple[str, ...]
    appraisal_counts: np.ndarray  # (A, C, 5) int64
    appraisal_n: np.ndarray  # (A,) int64
    assessment_points: tuple[Fraction | None, ...]
    assessment_max: tuple[Fraction | None, ...]
    assessment_n: np.ndarray  # (A,) int64
    inspection_deduction: tuple[Fraction, ...]
    inspection_n: np.ndarray  # (A,) int64
    bonus: tuple[Fraction, ...]
    deduction: tuple[Fraction, ...]
    veto: np.ndarray  # (A,) bool

    def __post_init__(self):
        count = len(self.codes)
        if list(self.codes) != sorted(self.codes):
            raise ValueError("the agencies of an input table must be sorted by code")
        if len(set(self.codes)) != count:
            duplicated = sorted({c for c in self.codes if self.codes.count(c) > 1})
            raise ValueError(f"duplicate agency codes: {', '.join(duplicated)}")
        for name, array in (("public_counts", self.public_counts), ("appraisal_counts", self.appraisal_counts)):
            if len(array) and array.min() < 0:
                row, part, level = np.argwhere(array < 0)[0]
                codes = self.dimensions if name == "public_counts" else self.categories
                raise ValueError(f"{self.codes[row]}: negative count for {codes[part]} level {level + 1}")

    def __len__(self) -> int:
        return len(self.codes)

    def agency_input(self, i: int) -> AgencyInput:
        """Row i as an `AgencyInput` (zero counts left out, as the rollups spell them)."""
        def counts(array: np.ndarray, codes: Sequence[str]) -> dict[str, dict[int, int]]:
            return {code: {level: count for level, count in zip(LEVELS, row, strict=True) if count}
                    for code, row in zip(codes, array[i].tolist(), strict=True) if any(row)}

        def decimal(value: Fraction | None) -> Decimal | None:
            return None if value is None else _decimal(value)

        return AgencyInput(
            code=self.codes[i], group=self.groups[i], has_service_window=bool(self.windows[i]),
            public_counts=counts(self.public_counts, self.dimensions), public_n=int(self.public_n[i]),
            appraisal_counts=counts(self.appraisal_counts, self.categories), appraisal_n=int(self.appraisal_n[i]),
            assessment_points=decimal(self.assessment_points[i]), assessment_max=decimal(self.assessment_max[i]),
            assessment_n=int(self.assessment_n[i]), inspection_deduction=_decimal(self.inspection_deduction[i]),
            inspection_n=int(self.inspection_n[i]), bonus=_decimal(self.bonus[i]),
            deduction=_decimal(self.deduction[i]), veto=bool(self.veto[i]))

    def agency_inputs(self) -> list[AgencyInput]:
        return [self.agency_input(i) for i in range(len(self.codes))]


def input_table(agencies: Sequence[AgencyInput], scheme: Mapping | None = None) -> InputTable:
    """The `AgencyInput`s as one `InputTable` over the scheme's dimensions and categories.

    Raises ValueError as `compute` does: duplicate codes, unknown dimension or category codes, levels
    outside 1..5, negative counts.
    """
    parsed = _parse_scheme(scheme)
    ordered = sorted(agencies, key=lambda a: a.code)  # duplicate codes: refused by the InputTable itself

    def ints(attribute: str) -> np.ndarray:
        return np.array([int(getattr(a, attribute)) for a in ordered], dtype=np.int64).reshape(len(ordered))

    def optional(value: Any) -> Fraction | None:
        return None if value is None else _exact(value)

    return InputTable(
        codes=tuple(a.code for a in ordered),
        groups=tuple(a.group for a in ordered),
        windows=np.array([bool(a.has_service_window) for a in ordered], dtype=bool).reshape(len(ordered)),
        dimensions=parsed.dimensions,
        public_counts=_count_array(ordered, "public_counts", parsed.dimensions),
        public_n=ints("public_n"),
        categories=parsed.categories,
        appraisal_counts=_count_array(ordered, "appraisal_counts", parsed.categories),
        appraisal_n=ints("appraisal_n"),
        assessment_points=tuple(optional(a.assessment_points) for a in ordered),
        assessment_max=tuple(optional(a.assessment_max) for a in ordered),
        assessment_n=ints("assessment_n"),
        inspection_deduction=tuple(_exact(a.inspection_deduction) for a in ordered),
        inspection_n=ints("inspection_n"),
        bonus=tuple(_exact(a.bonus) for a in ordered),
        deduction=tuple(_exact(a.deduction) for a in ordered),
        veto=np.array([bool(a.veto) for a in ordered], dtype=bool).reshape(len(ordered)),
    )


def _aligned(table: InputTable, array: np.ndarray, given: Sequence[str], wanted: Sequence[str],
             what: str) -> np.ndarray:
    """`array`'s parts (over `given` codes) in the scheme's order `wanted`; a rated part the scheme lacks is refused."""
    if tuple(given) == tuple(wanted):
        return array
    index = {code: i for i, code in enumerate(wanted)}
    aligned = np.zeros((len(table), len(wanted), len(LEVELS)), dtype=np.int64)
    for column, code in enumerate(given):
        if code in index:
            aligned[:, index[code]] = array[:, column]
        elif array[:, column].any():
            row = int(np.flatnonzero(array[:, column].any(axis=1))[0])
            raise ValueError(f"{table.codes[row]}: unknown {what} key {code!r}")
    return aligned


@dataclass(frozen=True)
class _Prepared:
    """The inputs sorted by code, as integer count arrays, float means and exact per-agency fractions."""

    table: InputTable
    scheme: _Scheme
    public_counts: np.ndarray  # (A, D, 5) int64 over the scheme's dimensions; zero for agencies without a window
    appraisal_counts: np.ndarray  # (A, C, 5) int64 over the scheme's categories
    scores: dict[str, list[Fraction | None]]  # organizational, inspection -> exact score per agency (None = no data)
    reasons: dict[str, list[str | None]]  # component -> why it is left out (None = included)
    means: dict[str, _Means]  # public_survey and appraisal: the weighted means and their parts
    sample_sizes: dict[str, list[int]]  # component -> n shown on the scorecard (ratings, ballots, indicators, entries)
    bonus_booked: list[Fraction]
    deduction: list[Fraction]
    rated: np.ndarray  # (A,) bool: at least one of RATING_COMPONENTS has data (is included)

    @property
    def count(self) -> int:
        return len(self.table)


def _each_distinct(function: Callable, *columns: Sequence) -> list:
    """[function(*row) for each row of the columns], computed once per distinct row: exact Fraction arithmetic
    costs microseconds a value, and of 2,000 agencies' ledger sums most are the same (0)."""
    made: dict = {}
    result = []
    for row in zip(*columns, strict=True):
        value = made.get(row, made)
        if value is made:
            value = made[row] = function(*row)
        result.append(value)
    return result


def _prepare(agencies: Sequence[AgencyInput], scheme: Mapping | None) -> _Prepared:
    return _prepare_table(input_table(agencies, scheme), scheme)


def _prepare_table(table: InputTable, scheme: Mapping | None) -> _Prepared:
    parsed = _parse_scheme(scheme)
    windows = table.windows
    public_counts = _aligned(table, table.public_counts, table.dimensions, parsed.dimensions, "public_counts")
    public_counts = np.where(windows[:, None, None], public_counts, 0)
    appraisal_counts = _aligned(table, table.appraisal_counts, table.categories, parsed.categories,
                                "appraisal_counts")
    public = _weighted_means(public_counts, parsed.level_points, parsed.dimension_weights)
    appraisal = _weighted_means(appraisal_counts, parsed.level_points, parsed.category_weights)
    def organizational(points: Fraction | None, maximum: Fraction | None) -> Fraction | None:
        return None if points is None or maximum is None or not maximum else _HUNDRED * points / maximum

    zero = Fraction(0)
    scores = {
        ORGANIZATIONAL: _each_distinct(organizational, table.assessment_points, table.assessment_max),
        INSPECTION: _each_distinct(lambda d: max(zero, _HUNDRED - d), table.inspection_deduction),
    }
    reasons: dict[str, list[str | None]] = {
        name: [None if score is not None else "no_data" for score in values] for name, values in scores.items()}
    reasons[APPRAISAL] = [None if rated else "no_data" for rated in np.isfinite(appraisal.scores).tolist()]
    reasons[PUBLIC_SURVEY] = [("no_data" if not rated else None) if window else "no_window"
                              for rated, window in zip(np.isfinite(public.scores).tolist(), windows.tolist(),
                                                       strict=True)]
    sample_sizes = {
        PUBLIC_SURVEY: np.where(table.public_n != 0, table.public_n, public.ns.max(axis=1, initial=0)).tolist(),
        APPRAISAL: np.where(table.appraisal_n != 0, table.appraisal_n, appraisal.ns.sum(axis=1)).tolist(),
        ORGANIZATIONAL: table.assessment_n.tolist(),
        INSPECTION: table.inspection_n.tolist(),
    }
    rated = np.zeros(len(table), dtype=bool)
    for name in RATING_COMPONENTS:
        rated |= np.array([reason is None for reason in reasons[name]], dtype=bool).reshape(len(table))
    return _Prepared(
        table=table,
        scheme=parsed,
        public_counts=public_counts,
        appraisal_counts=appraisal_counts,
        scores=scores,
        reasons=reasons,
        means={PUBLIC_SURVEY: public, APPRAISAL: appraisal},
        sample_sizes=sample_sizes,
        bonus_booked=list(table.bonus),
        deduction=list(table.deduction),
        rated=rated,
    )


# --------------------------------------------------------------------------- ranks

def _competition_ranks(values: np.ndarray) -> np.ndarray:
    """Competition ranks (1, 2, 2, 4), highest value first, along the last axis of a 2-D array.

    Vectorised over rows so that the resampled totals (draws × agencies) rank in one pass.
    The sort need not be stable: tied values share the rank of the first of their run,
    whatever their order within it (and the unstable sort is ~4× faster on draws × agencies).
    """
    if values.shape[-1] == 0:
        return np.zeros(values.shape, dtype=np.int64)
    order = np.argsort(-values, axis=-1)
    ordered = np.take_along_axis(values, order, axis=-1)
    positions = np.broadcast_to(np.arange(values.shape[-1]), values.shape)
    starts_tie = np.ones(values.shape, dtype=bool)
    starts_tie[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    rank_in_order = np.maximum.accumulate(np.where(starts_tie, positions, 0), axis=-1) + 1
    ranks = np.empty(values.shape, dtype=np.int64)
    np.put_along_axis(ranks, order, rank_in_order, axis=-1)
    return ranks


def _group_ranks(values: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Competition ranks within each group (columns of `values` sharing a group code)."""
    ranks = np.zeros(values.shape, dtype=np.int64)
    if not len(groups):
        return ranks
    _, membership = np.unique(np.array(groups, dtype=str), return_inverse=True)
    for group in range(membership.max() + 1):
        columns = np.flatnonzero(membership == group)
        ranks[..., columns] = _competition_ranks(values[..., columns])
    return ranks


# --------------------------------------------------------------------------- compute

def _decimal_cents(cents: np.ndarray) -> list:
    """Nested lists of the Decimals of an integer array of cents (None where −1: not rated), each made once."""
    distinct, inverse = np.unique(cents, return_inverse=True)
    decimals = np.array([None if c < 0 else _cents(c) for c in distinct.tolist()] + [None], dtype=object)
    return decimals[inverse.reshape(cents.shape)].tolist()


def _parts(means: list, ns: list[int], codes: Sequence[str], weights: Sequence[Decimal]) -> dict[str, Part]:
    """The mean of every dimension or category, for the radar chart and the drill-down."""
    return {code: Part(mean=mean, n=n, weight=weight)
            for code, mean, n, weight in zip(codes, means, ns, weights, strict=True)}


@functools.lru_cache(maxsize=256)
def _weight_share(weight: Fraction, weight_sum: Fraction) -> Decimal:
    """W_c / ΣW rounded to 4 decimals: a handful of distinct values per computation, so computed once each."""
    return round_half_up(weight / weight_sum if weight_sum else Fraction(0), 4)


def _rated_ranks(values: np.ndarray, groups: Sequence[str], rated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overall and in-group competition ranks along the last axis, among the rated columns only.

    Unrated columns get rank 0 (no rank): they neither take a place nor push a rated agency down.
    """
    overall = np.zeros(values.shape, dtype=np.int64)
    in_group = np.zeros(values.shape, dtype=np.int64)
    columns = np.flatnonzero(rated)
    if len(columns):
        subset = values[..., columns]
        overall[..., columns] = _competition_ranks(subset)
        in_group[..., columns] = _group_ranks(subset, [groups[c] for c in columns])
    return overall, in_group


def _outcome(veto: bool, rank: int | None, group_rank: int | None, count: int, s: _Scheme) -> str:
    """The outcome of one agency; `count` is N, the number of rated agencies, and rank None means unrated.

    A veto (一票否决) is warned whether or not the agency is rated: it is the office's finding of a
    serious incident, not a place in the ranking, and it bars commendation.
    """
    if veto:
        return WARNED
    if rank is None or group_rank is None:
        return UNRATED
    # Warned first: a bottom rank bars commendation even at the top of a group.
    if rank > count - s.warn_bottom:
        return WARNED
    if group_rank <= s.commend_group_top or rank <= s.commend_overall_top:
        return COMMENDED
    return NONE


def compute(agencies: Sequence[AgencyInput], scheme: Mapping | None) -> list[Scorecard]:
    """Score, rank and judge every agency of one computation (one cycle and period).

    Returns the scorecards ordered by overall rank (unrated agencies last), then code; the result depends only
    on the set of inputs, not on their order. Raises ValueError for duplicate codes,
    unknown dimension or category codes, levels outside 1..5 and negative counts.
    """
    return _compute(_prepare(agencies, scheme))



# Rounding in floats is trusted only this far from a tie, relative to the number of cents (see `_float_cents`).
_DOUBT = 1e-9


def _float_cents(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole cents of float `values` rounded half-up, and where the floats cannot decide the rounding.

    The floats here come from exact integers and fractions through a dozen or so float
    operations, each off by at most half a unit in the last place, so their relative error is
    below 1e-14. Rounding to cents can only come out wrong for a value within that error of a
    half cent; a value within _DOUBT (relative, and at least 1e-9 of a cent) of a half cent is
    in doubt, and its agency is computed again exactly. Ties such as 87.125, common with few
    ratings, are always in doubt, so ties away from zero come from the exact path.
    """
    scaled = values * 100.0
    floor = np.floor(scaled)
    fraction = scaled - floor
    doubt = ~np.isfinite(scaled) | (np.abs(fraction - 0.5) <= _DOUBT * np.maximum(np.abs(scaled), 1.0))
    cents = np.where(doubt, 0, floor + (fraction > 0.5)).astype(np.int64)
    return cents, doubt


def _exact_official(prepared: _Prepared, i: int) -> dict[str, Fraction | None]:
    """Agency i's component scores, base and total as exact Fractions (DESIGN.md's formulas, verbatim)."""
    s = prepared.scheme
    scores: dict[str, Fraction | None] = {
        PUBLIC_SURVEY: prepared.means[PUBLIC_SURVEY].exact(i) if prepared.reasons[PUBLIC_SURVEY][i] is None else None,
        APPRAISAL: prepared.means[APPRAISAL].exact(i) if prepared.reasons[APPRAISAL][i] is None else None,
        ORGANIZATIONAL: prepared.scores[ORGANIZATIONAL][i],
        INSPECTION: prepared.scores[INSPECTION][i],
    }
    included = [name for name in COMPONENT_ORDER if prepared.reasons[name][i] is None]
    weight_sum = sum((s.weights[name] for name in included), Fraction(0))
    weighted = sum((s.weights[name] * scores[name] for name in included), Fraction(0))
    base = weighted / weight_sum if weight_sum else Fraction(0)
    counted_bonus = min(prepared.bonus_booked[i], s.bonus_cap)
    # Exact until here: the total is clamped and rounded from the unrounded base.
    total = min(max(base + counted_bonus - prepared.deduction[i], Fraction(0)), _HUNDRED + s.bonus_cap)
    return {**scores, "base": base, "total": total}


def _compute(prepared: _Prepared) -> list[Scorecard]:
    """The scorecards of every agency, with DESIGN.md's exact official numbers.

    Vectorised: the weighted means of means, the bases and the totals are taken in floats for
    every agency at once and rounded to cents, and only the agencies where some of those
    roundings is in doubt (`_float_cents`) are computed again in exact Fractions. Part means,
    organizational, inspection and the ledger numbers are rounded exactly in integers.
    """
    return _cards(prepared, _official(prepared))


@dataclass(frozen=True)
class _Official:
    """The official numbers of every agency as columns (row i is the table's agency i)."""

    cents: dict[str, list[int]]  # base, total, bonus, bonus_booked, deduction and the component scores, in cents
    part_cents: dict[str, np.ndarray]  # public_survey, appraisal: (A, P) part means in cents, −1 = not rated
    part_ns: dict[str, np.ndarray]  # (A, P) ratings per part
    included: dict[str, list[bool]]
    shares: dict[str, list[Decimal | None]]  # W_c / ΣW of each included component
    ranks: list[int | None]
    group_ranks: list[int | None]
    outcomes: list[str]
    order: list[int]  # the rows in card order: rated by overall rank, then the unrated; code breaks ties


def _official(prepared: _Prepared) -> _Official:
    s = prepared.scheme
    count = prepared.count
    public, appraisal = prepared.means[PUBLIC_SURVEY], prepared.means[APPRAISAL]
    included = {name: np.array([reason is None for reason in prepared.reasons[name]], dtype=bool).reshape(count)
                for name in COMPONENT_ORDER}
    fixed = {name: np.array(_each_distinct(lambda v: 0.0 if v is None else float(v), prepared.scores[name]),
                            dtype=float).reshape(count)
             for name in (ORGANIZATIONAL, INSPECTION)}
    floats = {PUBLIC_SURVEY: public.scores, APPRAISAL: appraisal.scores, **fixed}
    weight_sum = np.zeros(count)
    weighted = np.zeros(count)
    for name in COMPONENT_ORDER:
        weight = float(s.weights[name])
        weight_sum += weight * included[name]
        weighted += weight * np.where(included[name], floats[name], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.where(weight_sum > 0, weighted / np.where(weight_sum > 0, weight_sum, 1.0), 0.0)
    counted_bonus = _each_distinct(lambda b: min(b, s.bonus_cap), prepared.bonus_booked)
    booked = np.array(_each_distinct(float, prepared.bonus_booked), dtype=float).reshape(count)
    fixed["bonus_booked"] = booked
    fixed["bonus"] = np.minimum(booked, float(s.bonus_cap))  # min of correctly rounded floats: min(B, cap) rounded
    fixed["deduction"] = np.array(_each_distinct(float, prepared.deduction), dtype=float).reshape(count)
    total = np.clip(base + fixed["bonus"] - fixed["deduction"], 0.0, float(_HUNDRED + s.bonus_cap))
    cents, doubt = {}, np.zeros(count, dtype=bool)
    for name, values in (("base", base), ("total", total), (PUBLIC_SURVEY, public.scores),
                         (APPRAISAL, appraisal.scores)):
        cents[name], in_doubt = _float_cents(values)
        doubt |= in_doubt & included.get(name, True)
    cents = {name: values.tolist() for name, values in cents.items()}
    for i in np.flatnonzero(doubt).tolist():
        for name, value in _exact_official(prepared, i).items():
            if name in cents and value is not None:
                cents[name][i] = _cents_of(value)
    # Numbers that are exact already (organizational, inspection, the ledger): rounded from their floats
    # too, and exactly where those are in doubt.
    exact_numbers = {ORGANIZATIONAL: prepared.scores[ORGANIZATIONAL], INSPECTION: prepared.scores[INSPECTION],
                     "bonus": counted_bonus, "bonus_booked": prepared.bonus_booked, "deduction": prepared.deduction}
    for name, values in exact_numbers.items():
        rounded, in_doubt = _float_cents(fixed[name])
        rounded = rounded.tolist()
        for i in np.flatnonzero(in_doubt).tolist():
            if values[i] is not None:
                rounded[i] = _cents_of(values[i])
        cents[name] = rounded

    shares_of: dict[tuple[bool, ...], list[Decimal | None]] = {}  # included components -> their weight shares
    shares: dict[str, list[Decimal | None]] = {name: [] for name in COMPONENT_ORDER}
    included_lists = {name: included[name].tolist() for name in COMPONENT_ORDER}
    for pattern in zip(*(included_lists[name] for name in COMPONENT_ORDER), strict=True):
        row = shares_of.get(pattern)
        if row is None:
            weight_sum = sum((s.weights[name] for name, ok in zip(COMPONENT_ORDER, pattern, strict=True) if ok),
                             Fraction(0))
            row = shares_of[pattern] = [_weight_share(s.weights[name], weight_sum) if ok else None
                                        for name, ok in zip(COMPONENT_ORDER, pattern, strict=True)]
        for name, share in zip(COMPONENT_ORDER, row, strict=True):
            shares[name].append(share)

    # Ranks on the rounded totals, as integer cents: exact, and ties are true ties. Only rated
    # agencies take a rank, and N (the count behind warn_bottom) counts them alone.
    totals = np.array([cents["total"]], dtype=np.int64).reshape(1, count)
    overall, in_group = _rated_ranks(totals, list(prepared.table.groups), prepared.rated)
    rated = prepared.rated.tolist()
    ranks = [rank if ok else None for rank, ok in zip(overall[0].tolist(), rated, strict=True)]
    group_ranks = [rank if ok else None for rank, ok in zip(in_group[0].tolist(), rated, strict=True)]
    rated_count = int(prepared.rated.sum())
    outcomes = [_outcome(veto, rank, group_rank, rated_count, s)
                for veto, rank, group_rank in zip(prepared.table.veto.tolist(), ranks, group_ranks, strict=True)]
    codes = prepared.table.codes
    order = sorted(range(count), key=lambda i: (ranks[i] is None, ranks[i] or 0, codes[i]))
    return _Official(
        cents=cents,
        part_cents={PUBLIC_SURVEY: public.part_cents(), APPRAISAL: appraisal.part_cents()},
        part_ns={PUBLIC_SURVEY: public.ns, APPRAISAL: appraisal.ns},
        included=included_lists,
        shares=shares,
        ranks=ranks,
        group_ranks=group_ranks,
        outcomes=outcomes,
        order=order,
    )


def _cards(prepared: _Prepared, official: _Official) -> list[Scorecard]:
    """The official numbers as `Scorecard`s, in card order."""
    s = prepared.scheme
    table = prepared.table
    cents = official.cents
    part_cents = {name: _decimal_cents(values) for name, values in official.part_cents.items()}
    part_ns = {name: values.tolist() for name, values in official.part_ns.items()}
    shown = {PUBLIC_SURVEY: (s.dimensions, s.dimension_weights_shown),
             APPRAISAL: (s.categories, s.category_weights_shown)}
    windows = table.windows.tolist()
    vetoes = table.veto.tolist()
    rated = prepared.rated.tolist()
    cards = []
    for i in official.order:
        components = {}
        for name in COMPONENT_ORDER:
            ok = official.included[name][i]
            reason = prepared.reasons[name][i]
            n = prepared.sample_sizes[name][i]
            parts = {}
            if name in part_cents and (name == APPRAISAL or windows[i]):
                codes, weights = shown[name]
                parts = _parts(part_cents[name][i], part_ns[name][i], codes, weights)
            components[name] = Component(
                score=_cents(cents[name][i]) if ok else None,
                weight=s.weights_shown[name],
                weight_share=official.shares[name][i],
                n=n,
                included=ok,
                reason=reason,
                reason_label=REASONS[reason] if reason else None,
                small_sample=ok and name in part_cents and n < s.min_sample,
                parts=parts,
            )
        cards.append(Scorecard(
            agency=table.codes[i],
            group=table.groups[i],
            components=components,
            base=_cents(cents["base"][i]),
            bonus=_cents(cents["bonus"][i]),
            bonus_booked=_cents(cents["bonus_booked"][i]),
            deduction=_cents(cents["deduction"][i]),
            veto=vetoes[i],
            total=_cents(cents["total"][i]),
            rank_overall=official.ranks[i],
            rank_in_group=official.group_ranks[i],
            outcome=official.outcomes[i],
            rated=rated[i],
        ))
    return cards


def _cents_of(value: Fraction) -> int:
    """`value` in whole cents, rounded half-up (ties away from zero), exactly."""
    magnitude = (200 * abs(value.numerator) + value.denominator) // (2 * value.denominator)
    return -magnitude if value.numerator < 0 else magnitude
