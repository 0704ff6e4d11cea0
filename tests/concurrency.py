"""Release many threads at once against the real database (PostgreSQL tests)."""
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_at_once(work: Callable[[int], Any], count: int, *, timeout: float = 120) -> list[Any]:
    """Run `work(i)` for i in range(count) in threads released together by a barrier.

    Returns what each call returned, or the exception it raised, in the order of i. Each thread
    closes its own database connections, and every thread must finish within `timeout`.
    """
    barrier, results = threading.Barrier(count), [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # the caller asserts on outcomes, conflicts included
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    return results
