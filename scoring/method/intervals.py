"""The 95% intervals of the totals and ranks: advisory, resampled from the per-level counts.

Floats are fine here, because the intervals are advisory; the official figures come from
`core`, exactly.

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
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from .core import (
    _HUNDRED,
    APPRAISAL,
    COMPONENT_ORDER,
    LEVELS,
    PUBLIC_SURVEY,
    AgencyInput,
    Scorecard,
    _cards,
    _compute,
    _integer_scale,
    _Official,
    _prepare,
    _Prepared,
    _rated_ranks,
    round_half_up,
)

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
    agencies = prepared.count
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
    codes = list(prepared.table.codes)
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
    overall, in_group = _rated_ranks(cents, list(prepared.table.groups), prepared.rated)
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



def compute_with_intervals(agencies: Sequence[AgencyInput], scheme: Mapping | None, *, draws: int = 400,
                           seed: int = 0) -> list[Scorecard]:
    """`with_intervals(compute(agencies, scheme), agencies, scheme, draws=draws, seed=seed)`, preparing the inputs once.

    The recompute's path: the same scorecards, without converting 2,000 agencies' inputs twice.
    """
    if draws < 1:
        raise ValueError("draws must be ≥ 1")
    prepared = _prepare(agencies, scheme)
    return _with_intervals(_compute(prepared), prepared, draws=draws, seed=seed)


def intervals_of(prepared: _Prepared, official: _Official, *, draws: int = 400, seed: int = 0) -> list[Scorecard]:
    """The scorecards of an official result (`columns.official`) with their 95% intervals, as `with_intervals`
    gives them for the same inputs."""
    if draws < 1:
        raise ValueError("draws must be ≥ 1")
    return _with_intervals(_cards(prepared, official), prepared, draws=draws, seed=seed)
