"""What every benchmark shares: a scratch database and the median of repeated timings."""
import atexit
import os
import shutil
import statistics
import tempfile
import time
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def setup_django() -> None:
    """Configure Django on a scratch SQLite database (or on DATABASE_URL when set) and migrate it."""
    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="ce-bench-")
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        os.environ["CONDUCT_EVAL_VAR_DIR"] = scratch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conduct_eval.settings")
    # Benchmarks measure throughput, not the per-address limit.
    os.environ.setdefault("SURVEY_RATE_LIMIT", "1000000/h")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def median_seconds(fn, repeat: int) -> float:
    """The median wall time of `repeat` calls of `fn`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
