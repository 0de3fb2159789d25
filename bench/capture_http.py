"""POST productOrder (3 lines) against gunicorn on PostgreSQL under 16 connections.

Sets up a fresh database `oms_bench` (through BENCH_ADMIN_URL), migrates, loads the demo,
starts gunicorn (sync workers, one per connection it serves at a time: the work is CPU
bound) connected to PostgreSQL through its Unix socket when there is one, drives it with
wrk (Debian package `wrk`; the load generator runs on this machine too) and prints one
JSON line: sustained orders per second, p50 / p99 latency, the CPU time gunicorn's workers
and PostgreSQL's backends spent per order (robust when other work shares the machine),
and how many orders the database holds afterwards. Nothing here is a test; it only
measures.

    .venv/bin/python bench/capture_http.py [--seconds 20] [--connections 16]
        [--workers 4] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "oms_bench"
# PostgreSQL's Unix socket directory (Debian); TCP on the admin URL's host otherwise.
SOCKET_DIR = os.environ.get("BENCH_DB_SOCKET_DIR", "/var/run/postgresql")
ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}

ORDER = {
    "description": "bench order",
    "relatedParty": [
        {"id": "ACC0001001", "@referredType": "Customer", "role": "customer"}
    ],
    "productOrderItem": [
        {
            "id": "1",
            "action": "add",
            "quantity": 1,
            "productOffering": {"id": "OFF_FIBER_INTERNET"},
            "product": {
                "productCharacteristic": [
                    {"name": "bandwidth", "value": 500},
                    {"name": "contract_term", "value": 24},
                    {"name": "installation_address", "value": ADDRESS},
                ]
            },
        },
        {
            "id": "2",
            "action": "add",
            "quantity": 1,
            "productOffering": {"id": "OFF_HOME_VOICE"},
            "product": {
                "productCharacteristic": [{"name": "number_porting", "value": False}]
            },
        },
        {
            "id": "3",
            "action": "add",
            "quantity": 1,
            "productOffering": {"id": "OFF_WIFI_ROUTER"},
            "product": {
                "productCharacteristic": [{"name": "model", "value": "Nokia Beacon 6"}]
            },
        },
    ],
}
PATH = "/tmf-api/productOrderingManagement/v4/productOrder"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    if Path(SOCKET_DIR, ".s.PGSQL.5432").exists():
        user = urllib.parse.urlsplit(ADMIN_URL).username or "postgres"
        return f"postgres://{user}@{urllib.parse.quote(SOCKET_DIR, safe='')}/{DB_NAME}"
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _gunicorn_workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()]


def _postgres_backends() -> list[int]:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [DB_NAME],
        ).fetchall()
    return [pid for (pid,) in rows]


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _wait_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not come up")


def _post_once(base: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310
        base + PATH,
        data=json.dumps(ORDER).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _lua_script(token: str) -> str:
    body = json.dumps(json.dumps(ORDER))
    return (
        'wrk.method = "POST"\n'
        f"wrk.body = {body}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Token {token}"\n'
        "statuses = {}\n"
        "response = function(status, headers, body)\n"
        "  statuses[status] = (statuses[status] or 0) + 1\n"
        "end\n"
    )


def _parse_wrk(output: str) -> dict[str, float]:
    def ms(value: str) -> float:
        number = float(re.match(r"[\d.]+", value).group())
        if value.endswith("us"):
            return number / 1000
        if value.endswith("ms"):
            return number
        return number * 1000

    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests": total,
        "requests_per_second": rps,
        "p50_ms": ms(percentiles["50"]),
        "p90_ms": ms(percentiles["90"]),
        "p99_ms": ms(percentiles["99"]),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "4"))
    )
    parser.add_argument(
        "--threads", type=int, default=int(os.environ.get("BENCH_THREADS", "1"))
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed as the load generator: apt-get install wrk")

    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DATABASE_URL=_database_url(),
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo")
    token = _manage(env, "drf_create_token", "integrator").split()[2]

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "ordermgmt.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--worker-class",
            "gthread" if args.threads > 1 else "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        _wait_up(base + PATH)
        status, body = _post_once(base, token)
        if status != 201:
            sys.exit(f"a single POST failed: {status} {body}")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(_lua_script(token))
        wrk = ["wrk", "-t2", f"-c{args.connections}", "--latency", "-s", script.name]
        subprocess.run([*wrk, "-d3s", base + PATH], capture_output=True, check=True)
        processes = {
            "gunicorn": _gunicorn_workers(server.pid),
            "postgres": _postgres_backends(),
        }
        before = {
            name: sum(map(_cpu_seconds, pids)) for name, pids in processes.items()
        }
        run = subprocess.run(
            [*wrk, f"-d{args.seconds}s", base + PATH],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = _parse_wrk(run.stdout)
        for name, pids in processes.items():
            spent = sum(map(_cpu_seconds, pids)) - before[name]
            figures[f"{name}_cpu_ms_per_order"] = round(
                spent * 1000 / max(figures["requests"], 1), 2
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    orders = _manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from orders.models import CustomerOrder as O; "
        "print(O.objects.count(), O.objects.filter(state='acknowledged').count())",
    ).split()
    print(
        json.dumps(
            {
                "bench": "capture_http",
                "lines_per_order": len(ORDER["productOrderItem"]),
                "connections": args.connections,
                "gunicorn": (
                    f"{args.workers} sync workers"
                    if args.threads == 1
                    else f"{args.workers} workers x {args.threads} threads (gthread)"
                ),
                "database": "unix socket" if "%2F" in env["DATABASE_URL"] else "tcp",
                "seconds": args.seconds,
                "first_order_state": body.get("state"),
                "orders_in_db": int(orders[0]),
                "orders_acknowledged": int(orders[1]),
                **figures,
                "goal": {"orders_per_second": 300, "p99_ms": 50},
            }
        )
    )


if __name__ == "__main__":
    main()
