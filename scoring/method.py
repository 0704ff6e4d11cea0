"""The scoring method (评分方法) of DESIGN.md, "The scoring method (exact)", in one pure module.

Why pure: the API, the pages, the exports and the nightly recompute must all give the same
numbers, and a snapshot must be reproducible from its inputs. So this module takes
aggregates (per-level counts, sums of ledger points) and a scheme, and returns scorecards;
it reads no database, no files, no clock, and imports nothing from Django.

Why exact: official totals are rounded half-up to 2 decimals and ranks are taken on the
rounded totals, so a float error of 1e-14 could move 87.125 to 87.12 and change a rank.
Every official number is therefore computed with integers and `fractions.Fraction`
(level points and weights are scaled to integers; means of means are summed over a
common denominator) and rounded once, at the end. numpy does the bulk work: integer
counts × points per agency, competition ranks, and the resampling for the 95% intervals,
where floats are fine because the intervals are advisory. (pandas adds nothing here that
numpy does not already do, so the module does not import it.)

Why the intervals draw large cells from a normal limit: a province-sized cycle has some
24,000 rated (agency, dimension or category) cells, and redrawing all of their counts 400
times costs seconds (numpy's multinomial and a chain of binomials cost the same), against
DESIGN.md's "under a second" for the whole recompute. The resampled mean of a cell with
many ratings is, by the central limit theorem, normal with the exact multinomial mean and
variance, and drawing that costs one normal deviate per agency and component. Small and
lopsided cells, where the limit is poor, are still redrawn exactly; `with_intervals` says
where the line is and what it costs in accuracy. Redrawing a small cell's counts costs four
binomial deviates per draw (3.5 s for 24,000 small cells early in a province-sized cycle);
the sum of its ratings is instead drawn from its exact distribution, computed once per
cell, at one uniform deviate per draw (`_lattice_draws`).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np

from agencies.scheme import DEFAULT_SCHEME

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

def _exact(value: Any) -> Fraction:
    """A number from the scheme or an input, as an exact fraction (floats via their repr)."""
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
    sign = "-" if numerator < 0 and magnitude else ""
    return Decimal(f"{sign}{magnitude}").scaleb(-places)


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

def _count_array(agencies: Sequence[AgencyInput], attribute: str, codes: Sequence[str],
                 keep: Sequence[bool]) -> np.ndarray:
    """Fill an (agencies, codes, levels) integer array from the nested count mappings."""
    index = {code: i for i, code in enumerate(codes)}
    rows: list[int] = []
    cols: list[int] = []
    levels: list[int] = []
    values: list[int] = []
    for row, (agency, kept) in enumerate(zip(agencies, keep, strict=True)):
        for code, by_level in getattr(agency, attribute).items():
            if code not in index:
                raise ValueError(f"{agency.code}: unknown {attribute} key {code!r}")
            for level, count in by_level.items():
                level, count = int(level), int(count)
                if level not in LEVELS:
                    raise ValueError(f"{agency.code}: level {level} of {code} is not 1..5")
                if count < 0:
                    raise ValueError(f"{agency.code}: negative count for {code} level {level}")
                if kept and count:
                    rows.append(row)
                    cols.append(index[code])
                    levels.append(level - 1)
                    values.append(count)
    array = np.zeros((len(agencies), len(codes), len(LEVELS)), dtype=np.int64)
    np.add.at(array, (np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp),
                      np.array(levels, dtype=np.intp)), np.array(values, dtype=np.int64))
    return array


@dataclass(frozen=True)
class _Means:
    """A component that is a weighted mean of means (public_survey, appraisal), computed exactly."""

    scores: list[Fraction | None]  # per agency; None = no rated part with a weight
    rated_weight: np.ndarray  # (A,) float: Σ w over the rated parts, for the resampling
    sums: list[list[int]]  # (A, P) Σ scaled level points · count
    ns: list[list[int]]  # (A, P) ratings per part
    point_scale: int  # the level points were multiplied by this to make them integers


def _weighted_means(counts: np.ndarray, level_points: Sequence[Fraction], weights: Sequence[Fraction]) -> _Means:
    """Per agency Σ w·mean / Σ w over the rated parts, exactly.

    Level points and weights are scaled to integers (the scale cancels in the ratio), the
    per-part sums of points are integer matrix products in numpy, and the means of different
    counts meet over the least common multiple of those counts, in Python integers.
    """
    points, point_scale = _integer_scale(level_points)
    int_weights, weight_scale = _integer_scale(weights)
    bound = int(counts.sum(axis=2).max(initial=0)) * max(points, default=0)
    dtype = np.int64 if bound < 2**62 else object  # never let an int64 overflow
    sums = (counts.astype(dtype) @ np.array(points, dtype=dtype)).tolist()
    ns = counts.sum(axis=2).tolist()
    scores: list[Fraction | None] = []
    rated_weight = np.zeros(len(ns), dtype=float)
    for row, (agency_sums, agency_ns) in enumerate(zip(sums, ns, strict=True)):
        rated = [(w, s, n) for w, s, n in zip(int_weights, agency_sums, agency_ns, strict=True) if n and w]
        total_weight = sum(w for w, _, _ in rated)
        if not total_weight:
            scores.append(None)
            continue
        common = math.lcm(*(n for _, _, n in rated))
        numerator = sum(w * s * (common // n) for w, s, n in rated)
        scores.append(Fraction(numerator, common * point_scale * total_weight))
        rated_weight[row] = total_weight / weight_scale
    return _Means(scores, rated_weight, sums, ns, point_scale)


@dataclass(frozen=True)
class _Prepared:
    """The inputs sorted by code, as integer count arrays and exact per-agency fractions."""

    agencies: tuple[AgencyInput, ...]
    scheme: _Scheme
    public_counts: np.ndarray  # (A, D, 5) int64; zero for agencies without a window
    appraisal_counts: np.ndarray  # (A, C, 5) int64
    scores: dict[str, list[Fraction | None]]  # component -> exact score per agency (None = no data)
    reasons: dict[str, list[str | None]]  # component -> why it is left out (None = included)
    means: dict[str, _Means]  # public_survey and appraisal: the exact weighted means and their parts
    sample_sizes: dict[str, list[int]]  # component -> n shown on the scorecard (ratings, ballots, indicators, entries)
    bonus_booked: list[Fraction]
    deduction: list[Fraction]
    rated: np.ndarray  # (A,) bool: at least one of RATING_COMPONENTS has data (is included)


def _prepare(agencies: Sequence[AgencyInput], scheme: Mapping | None) -> _Prepared:
    parsed = _parse_scheme(scheme)
    ordered = tuple(sorted(agencies, key=lambda a: a.code))
    codes = [a.code for a in ordered]
    if len(set(codes)) != len(codes):
        duplicated = sorted({c for c in codes if codes.count(c) > 1})
        raise ValueError(f"duplicate agency codes: {', '.join(duplicated)}")
    windows = [bool(a.has_service_window) for a in ordered]
    public_counts = _count_array(ordered, "public_counts", parsed.dimensions, windows)
    appraisal_counts = _count_array(ordered, "appraisal_counts", parsed.categories, [True] * len(ordered))
    public = _weighted_means(public_counts, parsed.level_points, parsed.dimension_weights)
    appraisal = _weighted_means(appraisal_counts, parsed.level_points, parsed.category_weights)
    organizational: list[Fraction | None] = []
    for agency in ordered:
        if agency.assessment_points is None or agency.assessment_max is None:
            organizational.append(None)
            continue
        maximum = _exact(agency.assessment_max)
        organizational.append(_HUNDRED * _exact(agency.assessment_points) / maximum if maximum else None)
    scores = {
        PUBLIC_SURVEY: public.scores,
        APPRAISAL: appraisal.scores,
        ORGANIZATIONAL: organizational,
        INSPECTION: [max(Fraction(0), _HUNDRED - _exact(a.inspection_deduction)) for a in ordered],
    }
    reasons: dict[str, list[str | None]] = {
        name: [None if score is not None else "no_data" for score in values] for name, values in scores.items()}
    reasons[PUBLIC_SURVEY] = [reason if window else "no_window"
                              for reason, window in zip(reasons[PUBLIC_SURVEY], windows, strict=True)]
    sample_sizes = {
        PUBLIC_SURVEY: [int(a.public_n) or max(ns, default=0) for a, ns in zip(ordered, public.ns, strict=True)],
        APPRAISAL: [int(a.appraisal_n) or sum(ns) for a, ns in zip(ordered, appraisal.ns, strict=True)],
        ORGANIZATIONAL: [int(a.assessment_n) for a in ordered],
        INSPECTION: [int(a.inspection_n) for a in ordered],
    }
    return _Prepared(
        agencies=ordered,
        scheme=parsed,
        public_counts=public_counts,
        appraisal_counts=appraisal_counts,
        scores=scores,
        reasons=reasons,
        means={PUBLIC_SURVEY: public, APPRAISAL: appraisal},
        sample_sizes=sample_sizes,
        bonus_booked=[_exact(a.bonus) for a in ordered],
        deduction=[_exact(a.deduction) for a in ordered],
        rated=np.array([any(reasons[name][i] is None for name in RATING_COMPONENTS) for i in range(len(ordered))],
                       dtype=bool),
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

def _parts(means: _Means, i: int, codes: Sequence[str], weights: Sequence[Decimal]) -> dict[str, Part]:
    """The mean of every dimension or category, for the radar chart and the drill-down."""
    return {
        code: Part(mean=_round_ratio(total, n * means.point_scale) if n else None, n=n, weight=weight)
        for code, total, n, weight in zip(codes, means.sums[i], means.ns[i], weights, strict=True)
    }


@functools.lru_cache(maxsize=256)
def _weight_share(weight: Fraction, weight_sum: Fraction) -> Decimal:
    """W_c / ΣW rounded to 4 decimals: a handful of distinct values per computation, so computed once each."""
    return round_half_up(weight / weight_sum if weight_sum else Fraction(0), 4)


def _components(prepared: _Prepared, i: int, weight_sum: Fraction) -> dict[str, Component]:
    s = prepared.scheme
    agency = prepared.agencies[i]
    public, appraisal = prepared.means[PUBLIC_SURVEY], prepared.means[APPRAISAL]
    ns = {name: sizes[i] for name, sizes in prepared.sample_sizes.items()}
    parts = {
        PUBLIC_SURVEY: _parts(public, i, s.dimensions, s.dimension_weights_shown) if agency.has_service_window else {},
        APPRAISAL: _parts(appraisal, i, s.categories, s.category_weights_shown),
    }
    components = {}
    for name in COMPONENT_ORDER:
        reason = prepared.reasons[name][i]
        score = prepared.scores[name][i] if reason is None else None
        share = None
        if reason is None:
            share = _weight_share(s.weights[name], weight_sum)
        components[name] = Component(
            score=None if score is None else round_half_up(score),
            weight=s.weights_shown[name],
            weight_share=share,
            n=ns[name],
            included=reason is None,
            reason=reason,
            reason_label=REASONS[reason] if reason else None,
            small_sample=reason is None and name in (PUBLIC_SURVEY, APPRAISAL) and ns[name] < s.min_sample,
            parts=parts.get(name, {}),
        )
    return components


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


def compute_with_intervals(agencies: Sequence[AgencyInput], scheme: Mapping | None, *, draws: int = 400,
                           seed: int = 0) -> list[Scorecard]:
    """`with_intervals(compute(agencies, scheme), agencies, scheme, draws=draws, seed=seed)`, preparing the inputs once.

    The recompute's path: the same scorecards, without converting 2,000 agencies' inputs twice.
    """
    if draws < 1:
        raise ValueError("draws must be ≥ 1")
    prepared = _prepare(agencies, scheme)
    return _with_intervals(_compute(prepared), prepared, draws=draws, seed=seed)


def _compute(prepared: _Prepared) -> list[Scorecard]:
    s = prepared.scheme
    rows: list[dict[str, Any]] = []
    for i, agency in enumerate(prepared.agencies):
        included = [name for name in COMPONENT_ORDER if prepared.reasons[name][i] is None]
        weight_sum = sum((s.weights[name] for name in included), Fraction(0))
        weighted = sum((s.weights[name] * prepared.scores[name][i] for name in included), Fraction(0))
        base = weighted / weight_sum if weight_sum else Fraction(0)
        counted_bonus = min(prepared.bonus_booked[i], s.bonus_cap)
        # Exact until here: the total is clamped and rounded from the unrounded base.
        total = min(max(base + counted_bonus - prepared.deduction[i], Fraction(0)), _HUNDRED + s.bonus_cap)
        rows.append({
            "agency": agency.code,
            "group": agency.group,
            "components": _components(prepared, i, weight_sum),
            "base": round_half_up(base),
            "bonus": round_half_up(counted_bonus),
            "bonus_booked": round_half_up(prepared.bonus_booked[i]),
            "deduction": round_half_up(prepared.deduction[i]),
            "veto": bool(agency.veto),
            "total": round_half_up(total),
        })

    # Ranks on the rounded totals, as integer cents: exact, and ties are true ties. Only rated
    # agencies take a rank, and N (the count behind warn_bottom) counts them alone.
    cents = np.array([[int(row["total"].scaleb(2)) for row in rows]], dtype=np.int64)
    overall, in_group = _rated_ranks(cents, [a.group for a in prepared.agencies], prepared.rated)
    rated_count = int(prepared.rated.sum())
    cards = []
    for row, rank, group_rank, rated in zip(rows, overall[0].tolist(), in_group[0].tolist(),
                                            prepared.rated.tolist(), strict=True):
        rank, group_rank = (rank, group_rank) if rated else (None, None)
        cards.append(Scorecard(**row, rank_overall=rank, rank_in_group=group_rank, rated=rated,
                               outcome=_outcome(row["veto"], rank, group_rank, rated_count, s)))
    cards.sort(key=_card_order)
    return cards


def _card_order(card: Scorecard) -> tuple:
    """Rated agencies by overall rank, then the unrated ones; code breaks ties."""
    return (card.rank_overall is None, card.rank_overall or 0, card.agency)


# --------------------------------------------------------------------------- intervals

# Upper bound on the random numbers held in memory at once (multinomial counts and normal
# deviates), so that a province-sized cycle resamples in bounded memory.
_DRAW_BUDGET = 2_000_000

# When a cell's resampled mean may be drawn from its normal limit instead of redrawing its
# counts (see `with_intervals`): at least this many ratings, and a Cornish–Fisher correction
# to its 2.5% and 97.5% points of at most this many standard deviations of the mean.
_NORMAL_MIN_N = 50
_NORMAL_TOLERANCE = 0.1
_Z = 1.959963984540054  # the standard normal's 97.5% point


def _normal_is_close(n: np.ndarray, proportions: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Per cell: may its resampled mean be drawn from the normal limit?

    The mean of n ratings redrawn with proportions p has, by the central limit theorem, the
    normal limit N(μ, σ²/n) with μ = Σ p_k·v_k and σ² = Σ p_k·(v_k − μ)² (= Σ p_k·v_k² − μ²,
    computed centred for accuracy). How far its 2.5% and 97.5% points are from the exact ones
    is, to second order, the Cornish–Fisher correction at z = 1.96, in standard deviations of
    the mean: |(z²−1)/6·γ| + |(z³−3z)/24·κ − (2z³−5z)/36·γ²|, with γ = skewness/√n and
    κ = excess kurtosis/n of one rating. It is small for balanced cells and large for
    lopsided ones, whatever n: 199 top ratings and one bottom give 0.55, and indeed the
    normal limit would leave 8% of the exact distribution below its 2.5% point. A cell with
    no spread (every rating at one level) is the same on either path.
    """
    mean = proportions @ points
    centred = points[None, :] - mean[:, None]
    variance = (proportions * centred**2).sum(axis=1)
    spread = variance > 0
    safe_variance = np.where(spread, variance, 1.0)
    skew = (proportions * centred**3).sum(axis=1) / safe_variance**1.5 / np.sqrt(n)
    kurtosis = ((proportions * centred**4).sum(axis=1) / safe_variance**2 - 3) / n
    correction = (np.abs((_Z**2 - 1) / 6 * skew)
                  + np.abs((_Z**3 - 3 * _Z) / 24 * kurtosis - (2 * _Z**3 - 5 * _Z) / 36 * skew**2))
    return (n >= _NORMAL_MIN_N) & (~spread | (correction <= _NORMAL_TOLERANCE))


# Exact cells whose sum of ratings spans at most this many steps of the level points' lattice
# draw that sum from its exact distribution (see `_lattice_draws`); wider ones (lopsided cells
# with thousands of ratings, or level points without a small common step) redraw their counts
# with numpy's multinomial, which costs about 0.4 µs per cell and draw, whatever the cell.
_LATTICE_MAX_SPAN = 1024
# Bins of the guide table per value of a cell's sum: at most half of the draws then
# need a comparison beyond the table look-up.
_GUIDE_BINS = 2
# Draws × cells resampled at once by `_guided_draws`: small enough for their arrays to stay in cache.
_DRAWS_IN_CACHE = 65_536


def _lattice_points(level_points: Sequence[Fraction]) -> tuple[np.ndarray, float, float] | None:
    """The level points as p₀ + step·v with small integers v ≥ 0: (v per level, p₀, step).

    None when the points have no common step that keeps every v within _LATTICE_MAX_SPAN.
    """
    lowest = min(level_points)
    offsets = [p - lowest for p in level_points]
    scaled, denominator = _integer_scale(offsets)
    step = math.gcd(*scaled) or 1
    values = np.array([v // step for v in scaled], dtype=np.int64)
    if values.max() > _LATTICE_MAX_SPAN:
        return None
    return values, float(lowest), float(Fraction(step, denominator))


def _lattice_spans(counts: np.ndarray, n: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per cell: how many lattice values the sum of its n ratings can take (n·(v_max − v_min) + 1)."""
    rated = counts > 0
    top = np.where(rated, values, -1).max(axis=1, initial=-1)
    bottom = np.where(rated, values, values.max() + 1).min(axis=1, initial=int(values.max()) + 1)
    return n * np.maximum(top - bottom, 0) + 1


def _lattice_draws(sums_by_key: np.ndarray, keys: np.ndarray, n: np.ndarray, counts: np.ndarray,
                   weights: np.ndarray, lattice: tuple[np.ndarray, float, float], rng: np.random.Generator) -> None:
    """Add w·(resampled mean) of every cell to sums_by_key[key], one draw per column.

    The same distribution as redrawing the cell's counts from a multinomial and taking their
    mean, at one uniform deviate per cell and draw instead of four binomial deviates. With
    the level points on a lattice p₀ + step·v, the sum of n ratings is p₀·n + step·S where S,
    the sum of n independent v's, takes n·(v_max − v_min) + 1 values; its distribution is the
    n-th convolution power of the cell's proportions, computed for a whole chunk of cells as
    a power of their discrete Fourier transforms. Entries below the transform's rounding error
    (64 ulps of the largest) are zero, which keeps impossible sums impossible; what remains
    is exact to within floating-point rounding, like the multinomial's own proportions. A
    draw is the inverse of the cumulative distribution at a uniform u, looked up in a guide
    table of _GUIDE_BINS bins per value (the values whose cumulative probability falls in u's
    bin are compared one by one, usually none or one). Cells are taken in chunks of similar
    span (table width a power of two), each chunk in key order, so memory stays within
    _DRAW_BUDGET numbers per array whatever the number of cells.
    """
    if not len(n):
        return
    draws = sums_by_key.shape[1]
    values, lowest, step = lattice
    rated = counts > 0
    bottom = np.where(rated, values, values.max() + 1).min(axis=1)
    spans = _lattice_spans(counts, n, values)
    widths = 1 << np.ceil(np.log2(spans)).astype(np.int64)
    # The cell's contribution when its shifted sum is t: w·(p₀·n + step·(n·v_min + t)) / n.
    base = weights * (lowest + step * bottom)
    per_step = weights * step / n
    for width in (int(w) for w in np.unique(widths)):
        members = np.flatnonzero(widths == width)  # still in key order
        bins = _GUIDE_BINS * width
        shift = np.uint64(64 - int(math.log2(bins)))
        cells_per_table = max(1, _DRAW_BUDGET // (bins + 1))
        # Draws are taken for a few cells at a time, so that their arrays stay in the CPU's cache.
        cells_per_draw = max(1, min(cells_per_table, _DRAWS_IN_CACHE // draws))
        for start in range(0, len(members), cells_per_table):
            cells = members[start:start + cells_per_table]
            # One table per distinct counts: cells with the same counts have the same distribution
            # (all the small appraisal cells of a cycle share a hundred or so of them).
            _, first, table_of = np.unique(counts[cells], axis=0, return_index=True, return_inverse=True)
            table_of = table_of.reshape(-1)
            distinct = cells[first]
            k = len(distinct)
            # The distribution of each cell's shifted sum: the n-th power of its proportions' transform.
            shifted = np.zeros((k, int(values.max()) + 1))
            np.add.at(shifted, (np.arange(k)[:, None], values[None, :] - bottom[distinct][:, None]),
                      counts[distinct] / n[distinct][:, None])
            pmf = np.fft.irfft(np.fft.rfft(shifted, n=width, axis=1) ** n[distinct][:, None], n=width, axis=1)
            pmf[pmf < 64 * np.finfo(float).eps * pmf.max(axis=1, keepdims=True)] = 0.0
            last = np.arange(width)[None, :] >= (spans[distinct] - 1)[:, None]
            pmf[:, 1:][last[:, :-1]] = 0.0  # beyond the span
            cdf = np.cumsum(pmf, axis=1)
            cdf /= cdf[:, -1:]
            cdf[last] = 1.0  # from the last value of the span on: a uniform u < 1 never passes it
            # Guide table: guide[c, j] = how many values of table c have a cumulative probability
            # below j / bins (exact: bins is a power of two), packed with guide[c, j + 1] << 32.
            bin_of = np.minimum((cdf * bins).astype(np.int64), bins)
            below = np.bincount((np.arange(k)[:, None] * (bins + 1) + bin_of).ravel(), minlength=k * (bins + 1))
            below = below.reshape(k, bins + 1)
            np.cumsum(below, axis=1, out=below)  # below[c, j] = guide[c, j + 1]
            packed = below[:, :-1] << 32
            packed[:, 1:] |= below[:, :-2]
            packed = packed.ravel()
            for sub in range(0, len(cells), cells_per_draw):
                some = cells[sub:sub + cells_per_draw]
                _guided_draws(sums_by_key, cdf, packed, table_of[sub:sub + cells_per_draw], bins, shift,
                              keys[some], per_step[some], base[some], rng)


def _guided_draws(sums_by_key: np.ndarray, cdf: np.ndarray, packed: np.ndarray, tables: np.ndarray, bins: int,
                  shift: np.uint64, keys: np.ndarray, per_step: np.ndarray, base: np.ndarray,
                  rng: np.random.Generator) -> None:
    """One draw per column of sums_by_key (keys × draws) for each of a few cells, by inverse CDF.

    Cell i reads row tables[i] of `cdf` and of the guide table `packed` (cells with the same
    counts share a row).

    A draw is a 64-bit random word: its top bits pick the guide bin j, the whole word read as
    u = word / 2⁶⁴ (to 53 bits, as numpy's own uniforms) is compared with the cumulative
    probabilities that fall in that bin, by binary search. The sum drawn is how many values
    have a cumulative probability ≤ u, as searchsorted(cdf, u, side="right") would give.
    """
    draws = sums_by_key.shape[1]
    k, width = len(tables), cdf.shape[1]
    words = rng.bit_generator.random_raw((k, draws))
    index = (words >> shift).view(np.int64)
    index += (tables * bins)[:, None]
    bounds = packed[index]
    sums = bounds & 0xFFFFFFFF
    bounds >>= 32
    pending = np.flatnonzero(sums != bounds)
    if len(pending):
        flat_sums, flat_limit, flat_cdf = sums.ravel(), bounds.ravel(), cdf.ravel()
        u = (words.ravel()[pending] >> np.uint64(11)) * (1.0 / 2**53)
        row = tables[pending // draws] * width
        # Binary search between the bounds: the first value whose cumulative probability
        # exceeds u (or the upper bound), as a scan upwards from the lower bound would find.
        lower, upper = flat_sums[pending], flat_limit[pending]
        while True:
            open_ = np.flatnonzero(lower < upper)
            if not len(open_):
                break
            middle = (lower[open_] + upper[open_]) >> 1
            passed = flat_cdf[row[open_] + middle] <= u[open_]
            lower[open_] = np.where(passed, middle + 1, lower[open_])
            upper[open_] = np.where(passed, upper[open_], middle)
        flat_sums[pending] = lower
    contributions = sums * per_step[:, None]
    contributions += base[:, None]
    present, starts = np.unique(keys, return_index=True)
    sums_by_key[present] += np.add.reduceat(contributions, starts, axis=0)


def _resampled_components(prepared: _Prepared, rng: np.random.Generator, draws: int) -> dict[str, np.ndarray]:
    """(draws, A) public_survey and appraisal scores with every rated part's mean redrawn.

    A cell is one (agency, dimension) or (agency, category) with n ratings and a weight. Cells
    of a small-sample component, cells with fewer than _NORMAL_MIN_N ratings and cells whose
    mean is far from normal get a multinomial draw of their counts; the others their mean's
    normal limit. The normal means of one agency's component are independent, so their
    weighted sum is itself normal: one deviate per (agency, component) and draw, with the
    summed variance. The exact cells whose sum spans at most _LATTICE_MAX_SPAN values draw
    it from its exact distribution (`_lattice_draws`); the others go through one vectorised
    multinomial call per chunk of draws. Both are summed back per agency with `reduceat`
    (cells come sorted by (component, agency)). A component never leaves the range of the level points its
    cells were rated at, which no redraw of their counts can leave either.
    """
    s = prepared.scheme
    agencies = len(prepared.agencies)
    names = (PUBLIC_SURVEY, APPRAISAL)
    keys, weights, counts, small = [], [], [], []
    for block, (name, part_weights) in enumerate(zip(names, (s.dimension_weights, s.category_weights),
                                                     strict=True)):
        block_counts = prepared.public_counts if name == PUBLIC_SURVEY else prepared.appraisal_counts
        weight = np.array([float(w) for w in part_weights])
        rows, cols = np.nonzero(block_counts.sum(axis=2) * (weight > 0))  # a weightless part moves nothing
        keys.append(block * agencies + rows)
        weights.append(weight[cols])
        counts.append(block_counts[rows, cols])
        small.append(np.array(prepared.sample_sizes[name], dtype=np.int64)[rows] < s.min_sample)
    cell_keys, cell_weights, cell_counts = np.concatenate(keys), np.concatenate(weights), np.concatenate(counts)
    slots = len(names) * agencies
    weighted_sums = np.zeros((draws, slots))
    low, high = np.zeros(slots), np.zeros(slots)
    if len(cell_keys):
        points = np.array([float(p) for p in s.level_points])
        cell_n = cell_counts.sum(axis=1)
        proportions = cell_counts / cell_n[:, None]
        present, starts = np.unique(cell_keys, return_index=True)
        rated = cell_counts > 0
        low[present] = np.minimum.reduceat(np.where(rated, points, np.inf).min(axis=1), starts)
        high[present] = np.maximum.reduceat(np.where(rated, points, -np.inf).max(axis=1), starts)

        normal = _normal_is_close(cell_n, proportions, points) & ~np.concatenate(small)
        means = proportions[normal] @ points
        variances = (proportions[normal] * (points - means[:, None]) ** 2).sum(axis=1) / cell_n[normal]
        centre = np.bincount(cell_keys[normal], weights=cell_weights[normal] * means, minlength=slots)
        spread = np.sqrt(np.bincount(cell_keys[normal], weights=cell_weights[normal] ** 2 * variances,
                                     minlength=slots))
        noisy = np.flatnonzero(spread > 0)

        exact = ~normal
        exact_keys, exact_n, exact_counts, exact_weights = (cell_keys[exact], cell_n[exact], cell_counts[exact],
                                                            cell_weights[exact])
        lattice = _lattice_points(s.level_points)
        on_lattice = np.zeros(len(exact_n), dtype=bool)
        if lattice is not None:
            on_lattice = _lattice_spans(exact_counts, exact_n, lattice[0]) <= _LATTICE_MAX_SPAN
            sums_by_key = np.zeros((slots, draws))  # one row per key: the draws of a key are contiguous
            _lattice_draws(sums_by_key, exact_keys[on_lattice], exact_n[on_lattice], exact_counts[on_lattice],
                           exact_weights[on_lattice], lattice, rng)
            weighted_sums += sums_by_key.T
        wide = ~on_lattice
        wide_n, wide_weights = exact_n[wide], exact_weights[wide]
        wide_p = exact_counts[wide] / wide_n[:, None]
        wide_present, wide_starts = np.unique(exact_keys[wide], return_index=True)

        per_draw = len(wide_n) * len(LEVELS) + len(noisy)
        chunk = max(1, min(draws, _DRAW_BUDGET // max(1, per_draw)))
        for start in range(0, draws, chunk):
            size = min(chunk, draws - start)
            block = weighted_sums[start:start + size]
            if len(noisy):
                deviates = rng.standard_normal((size, len(noisy)))
                deviates *= spread[noisy]
                block[:, noisy] += deviates  # one scatter, in place: the largest array of the resampling
            if len(wide_n):
                redrawn = rng.multinomial(wide_n, wide_p, size=(size, len(wide_n)))  # (size, cells, 5)
                weighted_means = (redrawn @ points) / wide_n * wide_weights
                block[:, wide_present] += np.add.reduceat(weighted_means, wide_starts, axis=1)
        weighted_sums += centre
    resampled = {}
    for block_index, name in enumerate(names):
        part = slice(block_index * agencies, (block_index + 1) * agencies)
        rated_weight = prepared.means[name].rated_weight
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = np.clip(weighted_sums[:, part] / rated_weight, low[part], high[part])
        resampled[name] = np.where(rated_weight > 0, scores, 0.0)
    return resampled


def with_intervals(cards: list[Scorecard], agencies: Sequence[AgencyInput], scheme: Mapping | None, *,
                   draws: int = 400, seed: int = 0) -> list[Scorecard]:
    """`cards` (from `compute` on the same inputs) with 95% intervals for total and ranks.

    Resampled from the per-level counts: in every draw each rated dimension's and
    category's mean of level points is redrawn as if its counts were redrawn from a
    multinomial with the observed proportions and the same number of ratings n;
    organizational, inspection and the ledger stay fixed. Totals are recomputed in floats,
    rounded to cents and ranked per draw; the interval is the 2.5th to 97.5th percentile,
    widened if need be to contain the official figure (a percentile interval of a skewed,
    tiny sample can miss it, and an interval that excludes the published number would only
    confuse). Same inputs and seed give the same intervals, whatever the order of
    `agencies`. Cards are returned in the order given.

    Exact or normal, per cell. The counts are redrawn exactly (their sum from its exact
    distribution, or numpy's multinomial where that is too wide, see `_lattice_draws`) when the
    component is a small sample (n < min_sample), when n < _NORMAL_MIN_N = 50, or when the
    mean is lopsided: its Cornish–Fisher correction at the 95% points exceeds
    _NORMAL_TOLERANCE = 0.1 standard deviations (see `_normal_is_close`). Otherwise the mean
    is drawn from its central limit, N(μ, σ²/n) with μ = Σ p_k·v_k and σ² = Σ p_k·v_k² − μ²,
    the exact mean and variance of the multinomial mean. Why these lines: against the exact
    distribution of the mean (computed by convolution) for 756 rating distributions, from
    uniform to nearly all top ratings, at n from 50 to 2,000, the cells this rule sends to
    the normal limit have their 2.5% and 97.5% points within 0.18 standard deviations of
    the exact ones (0.29 counting the exact distribution's own steps of one level over n),
    about the Monte Carlo error that 400 draws already put on those points (0.13). A count
    threshold alone is not enough: n ≥ 200 lets through cells off by up to 2.6 standard
    deviations (199 top ratings and one bottom put 8%, not 2.5%, below the normal limit's
    lower point), so such cells stay exact at any n. And the rule is cheap where it
    matters: for 2,000 agencies with ~5,000 ratings per dimension and 50–300 ballots per
    category (bench/bench_method.py) it redraws 7 of the 24,000 cells exactly.
    """
    if draws < 1:
        raise ValueError("draws must be ≥ 1")
    return _with_intervals(cards, _prepare(agencies, scheme), draws=draws, seed=seed)


def _with_intervals(cards: list[Scorecard], prepared: _Prepared, *, draws: int, seed: int) -> list[Scorecard]:
    s = prepared.scheme
    codes = [a.code for a in prepared.agencies]
    by_code = {card.agency: card for card in cards}
    if sorted(by_code) != codes or len(cards) != len(codes):
        raise ValueError("cards and agencies must describe the same agencies")
    rng = np.random.default_rng(seed)
    resampled = _resampled_components(prepared, rng, draws)

    # The fixed components enter as floats; the resampled ones replace their observed values.
    weight_sum = np.zeros(len(codes))
    numerator = np.zeros((draws, len(codes)))
    for name in COMPONENT_ORDER:
        included = np.array([reason is None for reason in prepared.reasons[name]])
        weight = float(s.weights[name])
        weight_sum += weight * included
        if name in resampled:
            numerator += weight * np.where(included, resampled[name], 0.0)
        else:
            numerator += weight * np.array([float(v) if ok else 0.0
                                            for v, ok in zip(prepared.scores[name], included, strict=True)])
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.where(weight_sum > 0, numerator / weight_sum, 0.0)
    counted_bonus = np.array([float(min(b, s.bonus_cap)) for b in prepared.bonus_booked])
    deduction = np.array([float(p) for p in prepared.deduction])
    totals = np.clip(base + counted_bonus - deduction, 0.0, float(_HUNDRED + s.bonus_cap))  # (draws, A)

    cents = np.rint(totals * 100).astype(np.int64)
    overall, in_group = _rated_ranks(cents, [a.group for a in prepared.agencies], prepared.rated)
    low, high = np.percentile(totals, [2.5, 97.5], axis=0)
    rank_low, rank_high = (np.percentile(overall, 2.5, axis=0, method="lower"),
                           np.percentile(overall, 97.5, axis=0, method="higher"))
    group_low, group_high = (np.percentile(in_group, 2.5, axis=0, method="lower"),
                             np.percentile(in_group, 97.5, axis=0, method="higher"))
    updated = {}
    for i, code in enumerate(codes):
        card = by_code[code]
        total_low = min(round_half_up(float(low[i])), card.total)
        total_high = max(round_half_up(float(high[i])), card.total)
        if card.rank_overall is None or card.rank_in_group is None:  # unrated: no rank, so no rank interval
            updated[code] = dataclasses.replace(card, total_low=total_low, total_high=total_high)
            continue
        updated[code] = dataclasses.replace(
            card,
            total_low=total_low,
            total_high=total_high,
            rank_low=min(int(rank_low[i]), card.rank_overall),
            rank_high=max(int(rank_high[i]), card.rank_overall),
            rank_in_group_low=min(int(group_low[i]), card.rank_in_group),
            rank_in_group_high=max(int(group_high[i]), card.rank_in_group),
        )
    return [updated[card.agency] for card in cards]


# --------------------------------------------------------------------------- digest

def _canonical_number(value: Any) -> str:
    """One exact spelling per number (30, 30.0, "30" and Decimal("30.00") all give "30")."""
    if type(value) is Decimal and value.is_finite():  # the common case, as str(Fraction(value)) spells it
        numerator, denominator = value.as_integer_ratio()
        return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"
    if type(value) is int:
        return str(value)
    return str(_exact(value))


def _canonical_counts(counts: Mapping[str, Mapping[int, int]]) -> dict[str, dict[str, int]]:
    """Counts with zero entries dropped, so {4: 0} and {} are the same input."""
    result = {}
    for code, by_level in counts.items():
        levels = {str(int(level)): int(n) for level, n in by_level.items() if int(n)}
        if levels:
            result[str(code)] = dict(sorted(levels.items()))
    return dict(sorted(result.items()))


def _optional_number(value: Any) -> str | None:
    return None if value is None else _canonical_number(value)


def inputs_digest(agencies: Sequence[AgencyInput], scheme: Mapping | None) -> str:
    """sha256 (hex) of a canonical JSON of the method version, the effective scheme and the inputs.

    Canonical: agencies sorted by code, keys sorted, numbers in one spelling, zero counts
    dropped — so the digest is the same exactly when `compute` must give the same result.
    """
    document = {
        "method": METHOD_VERSION,
        "scheme": _parse_scheme(scheme).canonical,
        "agencies": [
            {
                "code": a.code,
                "group": a.group,
                "has_service_window": bool(a.has_service_window),
                "public_counts": _canonical_counts(a.public_counts),
                "public_n": int(a.public_n),
                "appraisal_counts": _canonical_counts(a.appraisal_counts),
                "appraisal_n": int(a.appraisal_n),
                "assessment_points": _optional_number(a.assessment_points),
                "assessment_max": _optional_number(a.assessment_max),
                "assessment_n": int(a.assessment_n),
                "inspection_deduction": _canonical_number(a.inspection_deduction),
                "inspection_n": int(a.inspection_n),
                "bonus": _canonical_number(a.bonus),
                "deduction": _canonical_number(a.deduction),
                "veto": bool(a.veto),
            }
            for a in sorted(agencies, key=lambda a: a.code)
        ],
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
