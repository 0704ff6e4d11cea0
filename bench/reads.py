"""The read figures of the province-scale table alone: GET rankings and /dashboard/ at N agencies.

    bin/with-services .venv/bin/python -m bench.reads [--agencies 2000] [--gets 30] [--path /dashboard/?…]

The same server and the same timing as `bench.scale`'s read figures (gunicorn, 2 sync workers, DEBUG=0, the
first two requests warm the workers), on a data set with few responses: the pages read the stored snapshot, so
how many responses made it does not matter to them, and the data set builds in seconds rather than minutes.
Prints the figures; records nothing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=2000)
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--gets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--path", action="append", default=[],
                        help="further dashboard paths to time (relative to /dashboard/, e.g. '?page=7')")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("bench.reads needs PostgreSQL: run it under bin/with-services", file=sys.stderr)
        return 2
    from bench import scale

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conduct_eval.settings")
    os.environ.setdefault("SECRET_KEY", scale.SECRET)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from agencies.choices import Role
    from agencies.models import User
    from scoring.services import snapshot_compute

    size = {"agencies": args.agencies, "ballots": 20}
    cycle = scale._dataset(f"bench-reads-{args.agencies}-{args.seed}", size, args.responses, args.seed)
    cycle.scorecards_count = args.agencies
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_user(
        "bench-admin", password=None, role=Role.ADMIN, is_staff=True)
    start = time.perf_counter()
    snapshot_compute(cycle=cycle)
    print(f"snapshot computed in {time.perf_counter() - start:.1f} s", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="ce-bench-reads-"))
    server = scale.Server(workdir)
    try:
        figures = scale.figures_reads(server, cycle, admin, args.gets)
        cookie = scale._session_cookie(admin)
        for extra in args.path:
            path = f"/dashboard/{extra}{'&' if '?' in extra else '?'}cycle={cycle.code}"
            latencies, size_bytes = [], 0
            for i in range(args.gets + 2):
                began = time.perf_counter()
                status, content, _ = server.request("GET", path, headers={"Cookie": cookie})
                if status != 200:
                    raise RuntimeError(f"{path}: HTTP {status}")
                if i >= 2:
                    latencies.append(time.perf_counter() - began)
                size_bytes = len(content)
            p99 = scale._percentile(latencies, 99)
            print(f"{path}: slowest {', '.join(scale._ms(t) for t in sorted(latencies)[-3:])}", flush=True)
            figures.append(scale.Figure(path, f"p50 {scale._ms(scale._percentile(latencies, 50))}, "
                                              f"p99 {scale._ms(p99)} ({size_bytes / 1e6:.2f} MB)",
                                        "—", "—", "p99 ≤ 50 ms", p99 <= 0.05))
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print(scale._table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
