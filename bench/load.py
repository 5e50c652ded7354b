"""Load benchmark: 50 concurrent users against gunicorn with the production settings.

`make bench BENCH=load` (needs DATABASE_URL pointing at PostgreSQL). It migrates and seeds the
database, starts gunicorn on a free loopback port, logs every virtual user in, then for a fixed
time walks the pages a user walks (home, catalog, submissions, requests, dashboard — those that
exist), and in the same run measures a bare logged-in view (`/session`) as the ceiling. While
the pages are under load, a background ingestion runs if the ingest benchmark's generator is
available. Prints BENCH load_rps, load_p95_ms, load_errors, bare_rps.
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
    sessions: list[Session], paths: list[str], seconds: float
) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def user(index: int, session: Session) -> None:
        nonlocal errors
        local, local_errors, i = [], 0, index
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
            local.append((time.perf_counter() - started) * 1000)
            local_errors += 0 if ok else 1
        with lock:
            latencies.extend(local)
            errors += local_errors

    threads = [threading.Thread(target=user, args=(i, s)) for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors


def run() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        print("# load benchmark needs DATABASE_URL=postgres://…; skipped")
        return
    call_command("migrate", verbosity=0)
    call_command("setup_portal", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from agencies.demo import DEMO_PASSWORD

    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhengxiang_portal.settings.production",
        "DJANGO_SECRET_KEY": "bench-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "API_USER_RATE": "1000000/hour",
        "SESSION_IDLE_SECONDS": "3600",
        # Demo accounts with the demo password: demo mode, or every page asks for a new password.
        "PORTAL_DEMO_MODE": "true",
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
        count, latencies, errors = _run_phase(sessions, allowed, SECONDS)
        bare_count, _bare_lat, bare_errors = _run_phase(sessions, ["/session"], SECONDS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) >= 20 else float("nan")
    print(f"# {USERS} users, {SECONDS:.0f} s per phase, gunicorn {WORKERS} workers, pages: {pages}")
    print(f"BENCH load_rps {count / SECONDS:.0f} req/s")
    print(f"BENCH load_p95_ms {p95:.0f} ms")
    print(f"BENCH load_errors {errors + bare_errors} count")
    print(f"BENCH bare_rps {bare_count / SECONDS:.0f} req/s")
