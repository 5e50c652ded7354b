"""Real processes for fault tests: a private Redis, Celery workers and beats on PostgreSQL.

Each test gets its own redis-server on a free port (so stopping it disturbs nobody else) and
starts workers/beats as subprocesses against the test database. PostgreSQL is required: the
workers must see what the test commits. Without it (or without redis-server) the tests skip
locally and fail in CI.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from kombu import pools as kombu_pools

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._up, 10, "redis-server to accept connections")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def _up(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True


class Processes:
    """Celery workers and beats started for one test, all stopped at its end."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.procs: list[subprocess.Popen] = []
        self._logs: list = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.logdir / f"{name}-{len(self.procs)}.log", "wb")  # noqa: SIM115
        self._logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "zhengxiang_portal", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def worker(self, name: str = "w") -> subprocess.Popen:
        return self._start(
            "worker",
            [
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                f"--hostname={name}-{len(self.procs)}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def beat(self) -> subprocess.Popen:
        return self._start(
            "beat",
            [
                "beat",
                "--loglevel=INFO",
                "--max-interval=1",
                "--scheduler=django_celery_beat.schedulers:DatabaseScheduler",
            ],
        )

    def kill(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for log in self._logs:
            log.close()

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.logdir.glob("*.log"))


def _forget_broker_connections(app) -> None:
    """Drop every pooled connection and producer so the next publish uses the current URL."""
    app.close()
    kombu_pools.reset()
    app.amqp._producer_pool = None  # Celery keeps its own handle on the (now closed) pool


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def processes(redis_server, tmp_path, settings) -> Iterator[Processes]:
    """Workers/beats on the private Redis, the test's PostgreSQL database, mail to files."""
    require(connection.vendor == "postgresql", "fault tests need PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads shared by this process and the workers
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhengxiang_portal.settings.local",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "INFO",
        "PORTAL_MEDIA_ROOT": str(tmp_path / "media"),
        # Short recovery times so a lost or killed ingestion is picked up within the test.
        "INGEST_REDISPATCH_AFTER_SECONDS": "1",
        "INGEST_LEASE_SECONDS": "4",
        "PORTAL_2FA_ENFORCED": "false",
    }
    # The test process publishes to the same private Redis.
    from zhengxiang_portal.celery import app

    saved = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager)
    app.conf.broker_url = redis_server.url
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = {"socket_connect_timeout": 1, "visibility_timeout": 3600}
    _forget_broker_connections(app)
    procs = Processes(env, tmp_path)
    procs.mail_dir = mail_dir
    yield procs
    procs.stop_all()
    app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager = saved
    _forget_broker_connections(app)


def sent_subjects(mail_dir: Path) -> list[str]:
    """Decoded subjects of every message the file e-mail backend wrote."""
    from email import message_from_string
    from email.header import decode_header, make_header

    separator = "-" * 79
    subjects = []
    for path in mail_dir.glob("*"):
        for chunk in path.read_text(encoding="utf-8", errors="replace").split(separator):
            if "Subject:" not in chunk:
                continue
            message = message_from_string(chunk.strip())
            subjects.append(str(make_header(decode_header(message["Subject"]))))
    return subjects
