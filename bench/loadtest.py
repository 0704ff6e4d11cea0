"""`make loadtest`: citizens' survey submissions against the production stack, on loopback only.

gunicorn (gthread workers, DEBUG=0) on a free 127.0.0.1 port over PostgreSQL and Redis (from
bin/with-services), N submissions from C concurrent clients, each submission with a device cookie of
its own (so the dedup window does not turn them into duplicates). Bounded: exactly N requests, each
with a timeout. Then every 2xx is checked against the database: the survey holds exactly as many
responses as were answered 2xx (valid and duplicate counted apart), and every receipt handed out
(one submission in ten carries an opinion) names a stored opinion tied to its response.

    bin/with-services .venv/bin/python -m bench.loadtest --submissions 3000 --clients 50
    bin/with-services .venv/bin/python -m bench.loadtest --submissions 300 --clients 16   # CI-sized

Exits non-zero on any 5xx, any transport error, any 2xx without its row, or any other answer than 201.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURVEY = "loadtest"
AGENCIES = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production-like web process: DEBUG off, a secret, loopback host, and the
    survey rate limit out of the way (every client here shares the address 127.0.0.1)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conduct_eval.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("LOADTEST_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SURVEY_RATE_LIMIT": "100000000/h",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class Gunicorn:
    """gunicorn serving ConductEval on a free loopback port, stopped on exit (the README's production line)."""

    def __init__(self, env: dict[str, str], *, workers: int = 4, threads: int = 4, log: Path | None = None):
        self.port = free_port()
        self.env, self.workers, self.threads, self.log = env, workers, threads, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        out = open(self.log, "w") if self.log else subprocess.DEVNULL
        self._out = out
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "conduct_eval.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--threads", str(self.threads), "--worker-class", "gthread",
             "--timeout", "60", "--graceful-timeout", "10"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                status, _, _ = request(self.port, "GET", "/api/v1/track/READY0000/", timeout=5)
                if status < 500:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._out is not subprocess.DEVNULL:
            self._out.close()


def request(port: int, method: str, path: str, body: dict | None = None, *, cookie: str = "",
            timeout: float = 30) -> tuple[int, dict | None, float]:
    """One HTTP request as the TLS proxy would pass it on: (status, JSON body or None, seconds)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if cookie:
        headers["Cookie"] = cookie
    started = time.perf_counter()
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = None
    return response.status, data, elapsed


def submission(i: int, agencies: list[str]) -> dict:
    ratings = {"service_attitude": 1 + i % 5, "lawful_administration": 1 + (i // 5) % 5,
               "professional_competence": None if i % 7 == 0 else 1 + (i // 3) % 5}
    body = {"agency": agencies[i % len(agencies)], "ratings": ratings}
    if i % 10 == 0:
        body |= {"opinion": f"压力测试意见 {i}：窗口排队时间较长", "contact": ""}
    return body


@dataclass
class Result:
    statuses: Counter = field(default_factory=Counter)
    answers: Counter = field(default_factory=Counter)
    receipts: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def percentile(self, p: float) -> float:
        """Nearest rank: the smallest latency that at least p % of the requests did not exceed."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else float("nan")


def run_load(port: int, *, submissions: int, clients: int, agencies: list[str], slug: str = SURVEY) -> Result:
    """Exactly `submissions` POSTs from `clients` threads, each with its own device cookie."""
    result = Result()
    path = f"/api/v1/surveys/{slug}/responses/"

    def one(i: int) -> None:
        cookie = f"ce_device={secrets.token_urlsafe(16)}"
        try:
            status, data, elapsed = request(port, "POST", path, submission(i, agencies), cookie=cookie)
        except OSError as exc:
            with result.lock:
                result.errors.append(f"#{i}: {exc!r}")
            return
        with result.lock:
            result.statuses[status] += 1
            result.latencies.append(elapsed)
            if 200 <= status < 300 and data:
                result.answers[data.get("status", "?")] += 1
                if data.get("receipt"):
                    result.receipts.append(data["receipt"])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(submissions)))
    result.seconds = time.perf_counter() - started
    return result


def prepare() -> list[str]:
    """Migrate and create the load test's city: AGENCIES agencies with windows and an open public survey."""
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from agencies import services as agencies
    from agencies.models import Agency, AgencyGroup, Cycle
    from surveys import services as surveys
    from surveys.models import Survey

    call_command("migrate", verbosity=0, interactive=False)
    group = AgencyGroup.objects.filter(code="lt").first() or agencies.agency_group_create(code="lt", name="压测分组")
    codes = []
    for n in range(AGENCIES):
        code = f"lt{n:02d}"
        if not Agency.objects.filter(code=code).exists():
            agencies.agency_create(code=code, name=f"压测机关{n:02d}", group=group, has_service_window=True)
        codes.append(code)
    today = timezone.localdate()
    cycle = Cycle.objects.filter(code="lt").first() or agencies.cycle_create(
        code="lt", name="压测周期", starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=30), status="open")
    if not Survey.objects.filter(slug=SURVEY).exists():
        now = timezone.now()
        surveys.survey_create(slug=SURVEY, cycle=cycle, kind="public", title="压力测试民评",
                              opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))
    return codes


def stored() -> dict[str, int]:
    from surveys.models import Response

    return dict(Counter(Response.objects.filter(survey__slug=SURVEY).values_list("status", flat=True)))


def receipts_missing(receipts: list[str]) -> list[str]:
    from surveys.models import Opinion

    found = set(Opinion.objects.filter(receipt__in=receipts, response__isnull=False).values_list("receipt", flat=True))
    return [r for r in receipts if r not in found]


def report(result: Result, before: dict[str, int], after: dict[str, int], missing: list[str], *,
           submissions: int, clients: int) -> list[str]:
    """Print the figures; return the failures."""
    new = {status: after.get(status, 0) - before.get(status, 0) for status in set(before) | set(after)}
    fivexx = sum(n for status, n in result.statuses.items() if status >= 500)
    print(f"submissions {submissions} at {clients} concurrent clients in {result.seconds:.1f} s: "
          f"{submissions / result.seconds:.0f} req/s")
    print(f"latency p50 {result.percentile(50) * 1000:.0f} ms, p95 {result.percentile(95) * 1000:.0f} ms, "
          f"p99 {result.percentile(99) * 1000:.0f} ms, max {max(result.latencies, default=0) * 1000:.0f} ms")
    print(f"answers {dict(sorted(result.statuses.items()))}, bodies {dict(result.answers)}, "
          f"transport errors {len(result.errors)}")
    print(f"rows stored {sum(new.values())} {dict(sorted(new.items()))}; receipts {len(result.receipts)}, "
          f"without their opinion {len(missing)}")
    failures = []
    if fivexx:
        failures.append(f"{fivexx} answers were 5xx")
    if result.errors:
        failures.append(f"{len(result.errors)} transport errors, e.g. {result.errors[:3]}")
    if result.statuses.get(201, 0) != submissions:
        failures.append(f"only {result.statuses.get(201, 0)} of {submissions} were 201")
    counted = result.answers.get("valid", 0) + result.answers.get("duplicate", 0)
    if sum(new.values()) != result.ok or counted != result.ok:
        failures.append(f"{result.ok} answered 2xx but {sum(new.values())} rows were stored")
    if missing:
        failures.append(f"receipts without a stored opinion: {missing[:5]}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--prepare-only", action="store_true", help="migrate and create the city, then stop")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("the load test runs against PostgreSQL and Redis: bin/with-services .venv/bin/python -m bench.loadtest",
              file=sys.stderr)
        return 2
    if not 1 <= args.submissions <= 100_000 or not 1 <= args.clients <= 500:
        print("bounded: 1–100000 submissions from 1–500 clients", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conduct_eval.settings")
    import django

    django.setup()
    agencies = prepare()
    if args.prepare_only:
        return 0
    before = stored()
    log = Path(os.environ.get("LOADTEST_LOG", "/tmp/conduct-eval-loadtest-gunicorn.log"))
    with Gunicorn(production_env(), workers=args.workers, threads=args.threads, log=log) as web:
        print(f"gunicorn on 127.0.0.1:{web.port} ({args.workers} workers × {args.threads} threads, DEBUG=0); "
              f"log {log}", flush=True)
        result = run_load(web.port, submissions=args.submissions, clients=args.clients, agencies=agencies)
    from django.db import connection

    connection.close()
    failures = report(result, before, stored(), receipts_missing(result.receipts), submissions=args.submissions,
                      clients=args.clients)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print("OK" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
