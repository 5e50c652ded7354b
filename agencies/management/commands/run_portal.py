"""`manage.py run_portal`: the embedded portal — web server plus a Celery worker with beat.

In agencies, not core: it prints agencies' demo logins (core imports no app).
"""

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from agencies.demo import DEMO_LOGINS, DEMO_PASSWORD


def base_url_for(port: int, environ: Mapping[str, str]) -> str:
    """The portal's address for links in e-mails: PORTAL_BASE_URL if set, else this port."""
    return environ.get("PORTAL_BASE_URL") or f"http://127.0.0.1:{port}"


class Command(BaseCommand):
    help = "Serve the portal on 127.0.0.1 with an embedded Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, **options):
        port = options["port"]
        # E-mail links must point at this server: unless set explicitly, the base URL follows
        # the port, here (the web process) and in the worker, which inherits the environment.
        base_url = base_url_for(port, os.environ)
        os.environ["PORTAL_BASE_URL"] = settings.PORTAL_BASE_URL = base_url
        worker = None
        if not options["no_worker"]:
            for key in ("data_folder_in", "processed_folder"):
                folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
                if folder:
                    Path(folder).mkdir(parents=True, exist_ok=True)
            log = open(settings.VAR_DIR / "celery.log", "ab")  # noqa: SIM115  (lives with the child)
            worker = subprocess.Popen(  # noqa: S603  (fixed argv, no shell)
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "zhengxiang_portal",
                    "worker",
                    "-B",
                    "--pool=solo",
                    "--loglevel=INFO",
                    f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=os.environ.copy(),
            )
        self._banner(port, worker is not None)
        try:
            call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=15)

    def _banner(self, port: int, with_worker: bool) -> None:
        line = "=" * 64
        self.stdout.write(line)
        self.stdout.write(f"蒸湘区税费精诚共治平台  ·  http://127.0.0.1:{port}/")
        self.stdout.write(f"API docs: http://127.0.0.1:{port}/api/docs/   health: /healthz")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for username, description in DEMO_LOGINS:
            self.stdout.write(f"  {username:<18} {description}")
        if with_worker:
            self.stdout.write(
                f"Celery worker + beat (embedded broker): log in {settings.VAR_DIR}/celery.log"
            )
        self.stdout.write(line)
