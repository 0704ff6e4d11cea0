"""Fixtures of the fault tests: the real-service helpers of the rectification tests (a Redis of the test's
own, real Celery workers writing mail to files), and a PostgreSQL cluster of the test's own that the test
may restart under a running gunicorn."""
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.rectification.conftest import (  # noqa: F401 — fixtures shared with the notification tests
    celery_via,
    mail_dir,
    mailable,
    own_redis,
    start_worker,
)


def _pg_bin() -> Path:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not candidates:
        pytest.fail("initdb not found (apt-get install postgresql)")
    return candidates[-1].parent


class OwnPostgres:
    """A throwaway PostgreSQL cluster on a free loopback port (run as an unprivileged user under root,
    as bin/with-services does)."""

    def __init__(self, workdir: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.bin = _pg_bin()
        self.data = workdir / "pg"
        self.sock = workdir / "pgsock"
        self.as_pg: list[str] = []
        if os.getuid() == 0:
            subprocess.run(["id", "ce-ci"], capture_output=True, check=False).returncode == 0 or subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "ce-ci"], check=True)
            self.as_pg = ["runuser", "-u", "ce-ci", "--"]
        self.url = f"postgres://conduct@127.0.0.1:{self.port}/conduct_eval"

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self.as_pg, str(self.bin / "pg_ctl"), "-D", str(self.data), *args], check=True,
                       stdout=subprocess.DEVNULL)

    def create(self) -> None:
        self.data.mkdir(parents=True)
        self.sock.mkdir()
        if self.as_pg:
            shutil.chown(self.data, "ce-ci")
            shutil.chown(self.sock, "ce-ci")
        subprocess.run([*self.as_pg, str(self.bin / "initdb"), "-D", str(self.data), "-U", "conduct", "--auth=trust",
                        "--encoding=UTF8", "--locale=C.UTF-8"], check=True, stdout=subprocess.DEVNULL)
        self.start()
        subprocess.run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "conduct",
                        "conduct_eval"], check=True)

    def start(self) -> None:
        self._ctl("-l", str(self.sock / "pg.log"), "-w", "-t", "60", "start", "-o",
                  f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sock} -c fsync=off "
                  "-c synchronous_commit=off")

    def restart(self) -> None:
        self._ctl("-m", "fast", "-w", "-t", "60", "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("-m", "fast", "-w", "stop")

    def query(self, sql: str):
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="conduct", dbname="conduct_eval")
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            connection.close()


@pytest.fixture
def own_postgres():
    # Not under tmp_path: pytest's base directory is private to root, and the cluster's user must reach it.
    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="ce-pg-"))
    os.chmod(workdir, 0o755)
    server = OwnPostgres(workdir)
    try:
        server.create()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
