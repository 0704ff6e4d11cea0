import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from rectification import services
from surveys.models import Survey
from surveys.services import opinion_create


def aware(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def png_file(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def mailable(liaison, other_liaison, leader, agency, other_agency):
    """Everyone who is notified has an address; the leader in charge has an account."""
    for user in (liaison, other_liaison, leader):
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])
    for a in (agency, other_agency):
        a.leader_account = leader
        a.save(update_fields=["leader_account"])
    return liaison


@pytest.fixture
def survey(cycle):
    return Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))


@pytest.fixture
def make_opinion(survey, agency):
    def make(text="户政窗口排队时间太长，工作人员态度冷淡", at=None, **kwargs):
        return opinion_create(survey=survey, agency=kwargs.pop("agency", agency), text=text,
                              contact="13812345678", at=at or timezone.now(), **kwargs)
    return make


@pytest.fixture
def notice(agency, cycle, admin, mailable):
    return services.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口服务态度差，限期整改",
                                 actor=admin, source_key="manual:test")


@pytest.fixture
def responded(notice, liaison):
    return services.notice_respond(notice=notice, actor=liaison, measures="已开展作风教育并调整窗口排班",
                                   files=[png_file()])


@pytest.fixture
def other_notice(other_agency, cycle, admin, mailable):
    return services.notice_issue(agency=other_agency, cycle=cycle, source="manual", text="办事效率低",
                                 actor=admin, source_key="manual:other")


# --- real Redis and real Celery workers (tests marked redis + postgres) --------------------------

class OwnRedis:
    """A redis-server of the test's own on a free loopback port, which the test may stop and start again."""

    def __init__(self, workdir):
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process = None

    def start(self):
        import os
        import subprocess
        import time

        import redis

        server = os.environ.get("CE_REDIS_SERVER") or "redis-server"
        self.process = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queue_length(self) -> int:
        import redis

        return redis.Redis(port=self.port).llen("celery")


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_via(settings):
    """`celery_via(url)`: this process publishes tasks to the broker at `url` instead of running them eagerly."""
    from celery import current_app

    saved = {key: current_app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset_pools():
        # Only drop the app's references: kombu keeps one pool per broker URL and hands it out again.
        current_app._pool = None
        current_app.amqp._producer_pool = None

    def use(url):
        reset_pools()
        current_app.conf.broker_url = url
        current_app.conf.task_always_eager = False

    yield use
    reset_pools()
    current_app.conf.update(saved)


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


def sent_messages(mail_dir) -> list[str]:
    """The messages the workers handed over. The filebased backend appends to a file named by the second
    and the connection object's id, so one file may hold several messages, each ending in a line of dashes."""
    separator = "-" * 79
    return [message for path in sorted(mail_dir.glob("*.log"))
            for message in path.read_text().split(separator) if "Message-ID:" in message]


@pytest.fixture
def start_worker(tmp_path, mail_dir):
    """`start_worker(redis_url, delay=0)`: a real Celery worker process (prefork, one child) on that broker,
    sharing this test's database and writing mail to `mail_dir`. Stopped at teardown."""
    import os
    import subprocess
    import sys
    import uuid

    from django.db import connection

    workers = []
    db = connection.settings_dict

    def start(redis_url, *, delay=0.0):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.rectification.worker_settings",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CONDUCT_EVAL_VAR_DIR": str(tmp_path / "var"),
            "CE_TEST_MAIL_DIR": str(mail_dir),
            "CE_TEST_MAIL_DELAY": str(delay),
        }
        log = open(tmp_path / f"worker-{len(workers)}.log", "w")  # noqa: SIM115 — closed at teardown
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "conduct_eval", "worker", "--pool", "prefork", "--concurrency", "1",
             "--loglevel", "INFO", "--hostname", f"test-{uuid.uuid4().hex[:8]}@localhost", "--without-mingle",
             "--without-gossip", "--without-heartbeat"], env=env, stdout=log, stderr=subprocess.STDOUT)
        workers.append((process, log))
        return process

    yield start
    for process, log in workers:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def wait_for(condition, *, timeout: float, message: str = ""):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s: {message}")
