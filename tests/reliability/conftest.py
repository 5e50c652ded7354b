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


CELERY = ["celery", "-A", "zhengxiang_portal"]


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Ceiling for any wait on a state the processes must reach. Generous: the machine may be shared
# and loaded; a passing run returns as soon as the state is reached.
PATIENCE_SECONDS = 180

# Only these variables of the caller's environment reach the spawned processes: every broker,
# database and portal setting comes from the test (an operator's CELERY_BROKER_URL must not
# send the workers to another broker).
INHERITED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH")

# Celery reads these from the environment before its configuration (celery.app.utils.Settings),
# so the test process itself must not carry the caller's either.
CELERY_ENV_OVERRIDES = (
    "CELERY_BROKER_URL",
    "CELERY_BROKER_READ_URL",
    "CELERY_BROKER_WRITE_URL",
    "CELERY_RESULT_BACKEND",
)


def wait_for(
    condition: Callable[[], bool],
    what: str,
    logs: Callable[[], str] = lambda: "",
    timeout: float = PATIENCE_SECONDS,
) -> float:
    """Wait until `condition()` holds; return the seconds it took.

    On timeout, fail with `what` and the processes' logs as they are at that moment.
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs()}")


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
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
        wait_for(self._up, "redis-server to accept connections", timeout=30)

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted by the kernel, nothing is ever answered."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def _up(self) -> bool:
        return _port_open(self.port)


class Processes:
    """Celery workers and beats started for one test, all stopped at its end."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.procs: list[subprocess.Popen] = []
        self._web: list[subprocess.Popen] = []
        self._logs: list = []

    def _start(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        log = open(self.logdir / f"{name}-{len(self.procs)}.log", "wb")  # noqa: SIM115
        self._logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def web(self, port: int, **env: str) -> subprocess.Popen:
        """gunicorn serving the portal on 127.0.0.1:`port` (DEBUG off: the real error pages)."""
        proc = self._start(
            "web",
            [
                "gunicorn",
                "zhengxiang_portal.wsgi",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--timeout=30",
            ],
            env,
        )
        self._web.append(proc)
        wait_for(lambda: _port_open(port), "gunicorn to listen", self.logs)
        return proc

    def worker(self, name: str = "w") -> subprocess.Popen:
        return self._start(
            "worker",
            [
                *CELERY,
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                f"--hostname={name}-{len(self.procs)}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def beat(self) -> subprocess.Popen:
        # The scheduler is the settings' (CELERY_BEAT_SCHEDULER), as in production.
        return self._start("beat", [*CELERY, "beat", "--loglevel=INFO", "--max-interval=1"])

    def wait_ready(self, proc: subprocess.Popen) -> None:
        """Wait until a worker consumes from the broker (its "ready." line)."""
        log = self.logdir / f"worker-{self.procs.index(proc)}.log"
        wait_for(
            lambda: proc.poll() is None and b" ready." in log.read_bytes(),
            "the worker to be ready",
            self.logs,
        )

    def kill(self, proc: subprocess.Popen) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        """Stop every process at the test's end (nothing of their shutdown is asserted).

        Celery workers and beats (one process each: --pool=solo) are killed; their warm shutdown
        took one to two seconds a test. gunicorn is terminated: its master stops its workers.
        """
        for proc in self.procs:
            if proc.poll() is None:
                if proc in self._web:
                    proc.terminate()
                else:
                    proc.kill()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for log in self._logs:
            log.close()

    def logs(self) -> str:
        """The tail of every process's log, for a failure message."""
        return "\n".join(
            f"----- {p.name} -----\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.logdir.glob("*.log"))
        )


def _forget_broker_connections(app) -> None:
    """Drop every pooled connection and producer so the next publish uses the current URL.

    Not `app.close()`: it also deregisters the app, and a shared task whose module is first
    imported afterwards is then never registered with it (NotRegistered in the test process).
    """
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
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
def processes(redis_server, tmp_path, settings, monkeypatch) -> Iterator[Processes]:
    """Workers/beats on the private Redis, the test's PostgreSQL database, mail to files.

    The spawned processes get their whole configuration from here, not from the caller's
    environment; the test process publishes to the same private Redis with the production
    transport options (timeouts included).
    """
    require(connection.vendor == "postgresql", "fault tests need PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads shared by this process and the workers
    env = {
        **{k: os.environ[k] for k in INHERITED_ENV if k in os.environ},
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
        # One chain, one key: the workers key their ledger entries like the test process, and
        # keep the worktree's head log out of it (issue 15).
        "LEDGER_HMAC_KEY": settings.LEDGER_HMAC_KEY,
        "LEDGER_HEAD_LOG": "",
    }
    # The test process publishes to the same private Redis.
    from zhengxiang_portal.celery import app

    for name in CELERY_ENV_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)
    saved = (app.conf.broker_url, app.conf.broker_transport_options, app.conf.task_always_eager)
    app.conf.broker_url = redis_server.url
    app.conf.task_always_eager = False
    app.conf.broker_transport_options = settings.REDIS_TRANSPORT_OPTIONS
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
