"""Load benchmark: 50 concurrent users against gunicorn with the production settings.

`make bench BENCH=load` (needs DATABASE_URL pointing at PostgreSQL). It builds a separate
database `<name>_load` next to the configured one (the other benchmarks' bulk data would distort
the demo pages), migrates and seeds it with the demo, starts gunicorn on a free loopback port with
the production settings, logs every virtual user in, then for a fixed time walks the pages each
user's role may open (home, catalog, obligations, received data, requests, dashboard). While the
pages are under load, a 200,000-row .xlsx is being ingested in another process (the ingest
benchmark's file and code path). In the same run, under the same server, it measures a bare
logged-in view (`/session`) as the ceiling. Prints BENCH load_rps, load_p95_ms, load_errors,
bare_rps.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

ROOT = Path(__file__).resolve().parent.parent
USERS = int(os.environ.get("LOAD_USERS", "50"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "20"))
WORKERS = int(os.environ.get("LOAD_GUNICORN_WORKERS", "5"))
PAGE_NAMES = [
    "home",
    "sharing_catalog:item_list",
    "sharing_catalog:obligation_list",
    "sharing_catalog:received_list",
    "collaboration:request_list",
    "assessment:dashboard",
]
LOGINS = [
    "wg_leader",
    "wg_member",
    "tax_staff",
    "liaison_finance",
    "liaison_market",
    "liaison_court",
    "liaison_bank",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pages() -> list[str]:
    pages = []
    for name in PAGE_NAMES:
        try:
            pages.append(reverse(name))
        except NoReverseMatch:
            print(f"# page {name} not present yet; skipped", flush=True)
    return pages


class Session:
    """One virtual user: a keep-alive connection and a session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {
            "Host": "127.0.0.1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, username: str, password: str) -> None:
        _status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
                "next": "/",
            }
        )
        status, _ = self.request("POST", "/accounts/login/", body)
        if status != 302:
            raise RuntimeError(f"login failed for {username}: HTTP {status}")


def _run_phase(
    sessions: list[Session], paths: list[str] | dict[int, list[str]], seconds: float
) -> tuple[int, list[float], int, dict[str, list[float]]]:
    latencies: list[float] = []
    by_path: dict[str, list[float]] = {}
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(index: int, session: Session) -> None:
        nonlocal errors
        local: list[tuple[str, float]] = []
        local_errors, i = 0, index
        mine = paths[index] if isinstance(paths, dict) else paths
        while time.monotonic() < deadline:
            path = mine[i % len(mine)]
            i += 1
            started = time.perf_counter()
            try:
                status, _ = session.request("GET", path)
                ok = status == 200
            except (http.client.HTTPException, OSError):
                ok = False
            local.append((path, (time.perf_counter() - started) * 1000))
            local_errors += 0 if ok else 1
        with lock:
            for path, ms in local:
                latencies.append(ms)
                by_path.setdefault(path, []).append(ms)
            errors += local_errors

    threads = [threading.Thread(target=user, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors, by_path


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else float("nan")


def _load_database_url() -> str:
    """A fresh `<name>_load` database on the configured server, migrated and seeded."""
    from django.db import connection

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_load"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    server = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "PORTAL_DEMO_MODE": "true", "LOG_LEVEL": "WARNING"}
    for command in (["migrate", "-v0"], ["setup_portal"], ["seed_demo"]):
        subprocess.run(  # noqa: S603  (our own manage.py)
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    return url


def _start_ingestion(url: str) -> subprocess.Popen:
    """Ingest the 200,000-row file in another process while the pages are under load."""
    from bench.ingest import _bench_dir, generate

    rows = int(os.environ.get("LOAD_INGEST_ROWS", "200000"))
    path = _bench_dir() / f"ingest_{rows}.xlsx"
    if not path.exists():
        generate(path, rows)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "zhengxiang_portal.settings.local",
        "BENCH_AS_WORKER": "true",
    }
    return subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "bench.ingest", "ingest", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("# load benchmark needs DATABASE_URL=postgres://…; skipped")
        return
    url = _load_database_url()
    call_command("collectstatic", interactive=False, verbosity=0)
    from agencies.demo import DEMO_PASSWORD

    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "zhengxiang_portal.settings.production",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "API_USER_RATE": "1000000/hour",
        "SESSION_IDLE_SECONDS": "3600",
        # Demo accounts with the demo password: demo mode, or every page asks for a new password.
        "PORTAL_DEMO_MODE": "true",
        "LEDGER_HMAC_KEY": os.environ.get("LEDGER_HMAC_KEY", "bench-only-ledger-hmac-key"),
    }
    server = subprocess.Popen(  # noqa: S603  (fixed argv)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "zhengxiang_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        sessions = []
        for i in range(USERS):
            session = Session(port)
            session.login(LOGINS[i % len(LOGINS)], DEMO_PASSWORD)
            sessions.append(session)
        pages = _pages()
        # Each user walks the pages their role may open (a liaison has no leaders' dashboard).
        allowed = {
            i: [p for p in pages if s.request("GET", p)[0] == 200] for i, s in enumerate(sessions)
        }
        _run_phase(sessions, allowed, 2)  # warm-up
        ingestion = _start_ingestion(url)
        time.sleep(3)  # let it get going: reading and validating, then COPY
        count, latencies, errors, by_page = _run_phase(sessions, allowed, SECONDS)
        ingest_running = ingestion.poll() is None
        ingestion.wait(timeout=600)
        bare_count, _bare_lat, bare_errors, _by = _run_phase(sessions, ["/session"], SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    p95 = _p95(latencies)
    print(f"# {USERS} users, {SECONDS:.0f} s per phase, gunicorn {WORKERS} workers, pages: {pages}")
    print(
        f"# a 200,000-row ingestion ran in another process during the page phase"
        f" ({'still running at its end' if ingest_running else 'finished before its end'})"
    )
    shares = ", ".join(
        f"{path} {len(ms)} × p95 {_p95(ms):.0f} ms" for path, ms in sorted(by_page.items())
    )
    print(f"# by page: {shares}")
    print(f"BENCH load_rps {count / SECONDS:.0f} req/s")
    print(f"BENCH load_p95_ms {p95:.0f} ms")
    print(f"BENCH load_errors {errors + bare_errors} count")
    print(f"BENCH bare_rps {bare_count / SECONDS:.0f} req/s")
