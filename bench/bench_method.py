"""The pure scoring method: the 95% intervals against `compute`, at 500 and 2,000 agencies, in one run.

    python -m bench.bench_method [--sizes 500,2000] [--repeat 3] [--draws 400]

Each agency has a service window, all 8 dimensions rated ~5,000 times (a province-sized
cycle: 2,000 agencies × 5,000 responses = 10 M responses) and the 4 appraisal categories
with 50–300 ballots each. No database: the inputs are the aggregates the recompute
passes to the method. Reported, as medians: `compute` (the baseline), `with_intervals`
and the two together, in ms and as ratios to the baseline measured in the same run, and
`inputs_digest`, which the recompute takes over the same inputs.
DESIGN.md's bar is the whole recompute of that cycle in under a second on 2 cores.
"""
from __future__ import annotations

import argparse
import random
import sys
from decimal import Decimal

from bench.common import median_seconds
from scoring import method
from scoring.method.defaults import CATEGORIES, DEFAULT_SCHEME, DIMENSIONS


def _levels(rng: random.Random, n: int) -> dict[int, int]:
    """n ratings spread over the five levels with an agency-specific tilt towards the top."""
    weights = [rng.uniform(0.02, 0.2), rng.uniform(0.05, 0.3), rng.uniform(0.2, 0.6),
               rng.uniform(0.4, 1.0), rng.uniform(0.4, 1.2)]
    total = sum(weights)
    counts = [int(n * w / total) for w in weights]
    counts[4] += n - sum(counts)
    return {level: count for level, count in zip(method.LEVELS, counts, strict=True) if count}


def agencies(n: int, seed: int = 1) -> list[method.AgencyInput]:
    rng = random.Random(seed)
    result = []
    for i in range(n):
        responses = rng.randint(4_500, 5_500)
        result.append(method.AgencyInput(
            code=f"A{i:05d}", group=f"g{i % 12}", has_service_window=True,
            public_counts={d: _levels(rng, responses - rng.randint(0, 50)) for d in DIMENSIONS},
            public_n=responses,
            appraisal_counts={c: _levels(rng, rng.randint(50, 300)) for c in CATEGORIES},
            assessment_points=Decimal(rng.randint(300, 500)) / 10, assessment_max=Decimal(50), assessment_n=5,
            inspection_deduction=Decimal(rng.choice([0, 0, 1, 3, 5])), inspection_n=2,
            bonus=Decimal(rng.choice([0, 0, 1, 2])), deduction=Decimal(rng.choice([0, 0, "0.5"])),
        ))
    return result




def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,2000", help="comma-separated numbers of agencies")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--draws", type=int, default=400)
    args, _ = parser.parse_known_args(argv)  # `python -m bench bench_method` passes the module name
    scheme = DEFAULT_SCHEME
    print(f"{'agencies':>8} {'compute':>10} {'intervals':>10} {'both':>10}   intervals/compute  both/compute"
          f" {'digest':>10}")
    for n in (int(size) for size in args.sizes.split(",")):
        inputs = agencies(n)
        cards = method.compute(inputs, scheme)
        baseline = median_seconds(lambda inputs=inputs: method.compute(inputs, scheme), args.repeat)
        intervals = median_seconds(
            lambda inputs=inputs, cards=cards: method.with_intervals(cards, inputs, scheme, draws=args.draws),
            args.repeat)
        digest = median_seconds(lambda inputs=inputs: method.inputs_digest(inputs, scheme), args.repeat)
        both = baseline + intervals
        print(f"{n:>8} {baseline * 1000:>8.1f}ms {intervals * 1000:>8.1f}ms {both * 1000:>8.1f}ms"
              f"   {intervals / baseline:>16.2f}×  {both / baseline:>11.2f}× {digest * 1000:>8.1f}ms")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
