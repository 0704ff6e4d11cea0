"""`make bench-micro`: run every micro-benchmark module (bench/bench_*.py) in turn.

(`make bench` runs the province-scale table instead: bench/scale.py.)

Each benchmark measures a path against its baseline in the same run and prints ratios,
because this machine is noisy: absolute times mean little, ratios travel. Run one alone
with `.venv/bin/python -m bench.bench_<name>`.
"""
import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    # Benchmarks measure throughput, not the per-address limit; set before the first one configures Django.
    os.environ.setdefault("SURVEY_RATE_LIMIT", "1000000/h")
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    wanted = set(sys.argv[1:])
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"\n=== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
