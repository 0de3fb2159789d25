"""Run the product on one machine: the web server (gunicorn) and a django-q2 worker."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app with gunicorn and run the django-q2 worker beside it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="web only")

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = Path(sys.executable).parent
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        bind = f"{options['host']}:{options['port']}"
        web = [
            str(bin_dir / "gunicorn"),
            "ordermgmt.wsgi:application",
            "--bind",
            bind,
            "--workers",
            "1",
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--chdir",
            str(settings.BASE_DIR),
        ]
        processes = [subprocess.Popen(web)]
        if not options["no_worker"]:
            processes.append(subprocess.Popen([sys.executable, manage, "qcluster"]))
        self.stdout.write(
            self.style.SUCCESS(f"Order Management is running at http://{bind}/ ")
            + "(web: gunicorn, worker: django-q2). Press Ctrl+C to stop."
        )
        self._wait(processes)

    def _wait(self, processes: list[subprocess.Popen[bytes]]) -> None:
        def stop(*_: object) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
