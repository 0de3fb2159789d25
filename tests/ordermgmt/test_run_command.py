"""The README's run command (`make run`) serves the product: migrate, demo, web + worker."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_command_serves_the_home_page_with_a_worker(tmp_path):
    # given the steps of `make run` on a fresh SQLite database
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["SQLITE_PATH"] = str(tmp_path / "run.sqlite3")
    env["Q_WORKERS"] = "1"
    _run(["migrate", "--noinput", "-v0"], env)
    _run(["load_demo"], env)
    port = _free_port()

    # when the run command starts
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body = _wait_for(f"http://127.0.0.1:{port}/login/")
        # then the login page is served, and the worker runs beside the web server
        assert "Sign in" in body
        assert _worker_running(server.pid)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert "running at http://127.0.0.1:" in output


def _wait_for(url: str) -> str:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _worker_running(parent_pid: int) -> bool:
    children = subprocess.run(
        ["ps", "-o", "args=", "--ppid", str(parent_pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "qcluster" in children and "gunicorn" in children
