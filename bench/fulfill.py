"""Orders fulfilled per minute by the real django-q2 cluster on PostgreSQL (issue 4).

Sets up a fresh database `oms_bench_fulfill` (through BENCH_ADMIN_URL), migrates and loads
the demo, then runs with a small settings module written to a temporary directory that
imports ordermgmt.settings and gives every automation adapter zero latency and zero
failures, and the cluster the number of workers asked for. It captures N acknowledged
orders of the all-automated offering OFF_FIBER_SELF_INSTALL (one line; three domain
orders, every task automated) in this process, where the cluster is not in sync mode, so
nothing is fulfilled inline. Acknowledging them writes their fulfillment requests and
queues fulfillment pump jobs on the ORM broker (the product's own path, ADR 0018);
`manage.py qcluster` is started and the database is polled every 0.5 s until every order
is Completed. Prints one JSON line. Nothing here is a test; it only measures.

    .venv/bin/python bench/fulfill.py [--orders 1000] [--workers 2] [--timeout 600]

The work is CPU-bound (each pump job begins a batch of orders and runs their tasks
together, ADR 0018), so one worker per core does best; more workers only contend.

    --batch N sets ORCHESTRATION_PUMP_BATCH (orders begun and run together; default 100).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "oms_bench_fulfill"
SOCKET_DIR = os.environ.get("BENCH_DB_SOCKET_DIR", "/var/run/postgresql")
OFFERING = "OFF_FIBER_SELF_INSTALL"
ACCOUNT = "ACC0001001"
SETTINGS_MODULE = "bench_fulfill_settings"
# Every adapter of orchestration.adapters.AdapterCode; checked against the registry below.
ADAPTER_CODES = (
    "network_provisioning",
    "number_porting",
    "shipping",
    "billing_activation",
    "production_scheduling",
    "inventory_allocation",
)
PUMP_TASK = "orchestration.tasks.orders_fulfillment_pump_task"


def _database_url() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    if Path(SOCKET_DIR, ".s.PGSQL.5432").exists():
        user = urllib.parse.urlsplit(ADMIN_URL).username or "postgres"
        return f"postgres://{user}@{urllib.parse.quote(SOCKET_DIR, safe='')}/{DB_NAME}"
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def _settings_module(directory: Path, *, workers: int, batch: int) -> None:
    adapters = {code: {"latency": 0.0, "failure_rate": 0.0} for code in ADAPTER_CODES}
    (directory / f"{SETTINGS_MODULE}.py").write_text(
        "from ordermgmt.settings import *  # noqa: F403\n"
        "from ordermgmt.settings import Q_CLUSTER\n\n"
        f"ORCHESTRATION_ADAPTERS = {adapters!r}\n"
        f"Q_CLUSTER = {{**Q_CLUSTER, 'workers': {workers}, 'sync': False}}\n"
        f"ORCHESTRATION_PUMP_BATCH = {batch}\n"
    )


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def _orders_capture(count: int) -> list[int]:
    """Capture `count` submitted self-install orders; return their ids."""
    from django.contrib.auth.models import User

    from catalog.models import ProductOffering
    from ordermgmt.actor import Actor
    from orders.models import Account, OrderChannel
    from orders.services import order_capture
    from orders.services.capture_input import LineInput

    account = Account.objects.get(number=ACCOUNT)
    offering = ProductOffering.objects.get(code=OFFERING)
    actor = Actor.for_user(User.objects.get(username="integrator"))
    line = LineInput(
        ref="1", offering_id=offering.pk, characteristics={"bandwidth": 500}
    )
    return [
        order_capture(
            account_id=account.pk,
            actor=actor,
            channel=OrderChannel.API,
            lines=[line],
            description="bench fulfill",
            submit=True,
        ).pk
        for _ in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    temp = Path(tempfile.mkdtemp(prefix="bench_fulfill_"))
    _settings_module(temp, workers=args.workers, batch=args.batch)
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        PYTHONPATH=os.pathsep.join(
            [str(temp), str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
        ),
        OMS_TESTING="0",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo")

    os.environ.update(env)
    sys.path[:0] = [str(temp), str(ROOT)]
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django_q.models import Failure, OrmQ
    from django_q.tasks import async_task

    from orchestration.adapters import ADAPTERS
    from orchestration.models import (
        FulfillmentPump,
        FulfillmentRequest,
        OrderTask,
        OrderTaskState,
    )
    from orders.models import CustomerOrder, CustomerOrderState

    assert settings.Q_CLUSTER.get("sync") is False, "the cluster must not run inline"
    missing = set(ADAPTERS) - set(settings.ORCHESTRATION_ADAPTERS)
    if missing:
        sys.exit(f"adapters without a zero-latency setting: {sorted(missing)}")

    # The demo's own sample orders queued their fulfillment when it loaded: measure only
    # the orders captured here (their requests, and the pump count of the jobs dropped).
    OrmQ.objects.all().delete()
    FulfillmentRequest.objects.all().delete()
    FulfillmentPump.objects.update(jobs_queued=0)
    queued_before = OrmQ.objects.count()
    started = time.monotonic()
    ids = _orders_capture(args.orders)
    capture_seconds = time.monotonic() - started
    states = dict(
        CustomerOrder.objects.filter(pk__in=ids)
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    if states.get(CustomerOrderState.ACKNOWLEDGED, 0) != len(ids):
        sys.exit(f"captured orders are not all acknowledged: {states}")
    requests = FulfillmentRequest.objects.filter(order_id__in=ids).count()
    if requests != len(ids):
        sys.exit(f"{len(ids) - requests} captured orders have no fulfillment request")
    queued_by_hook = OrmQ.objects.count() - queued_before
    if queued_by_hook:
        enqueued_by = "hook"
    else:
        enqueued_by = "bench"
        async_task(PUMP_TASK, task_name="fulfillment-pump")
    queued = OrmQ.objects.count()
    connection.close()

    log = (temp / "qcluster.log").open("w")
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cluster_started = time.monotonic()
    cluster = subprocess.Popen(
        [PYTHON, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    done = 0
    first_done_at: float | None = None
    try:
        deadline = cluster_started + args.timeout
        while time.monotonic() < deadline:
            time.sleep(0.5)
            done = CustomerOrder.objects.filter(
                pk__in=ids, state=CustomerOrderState.COMPLETED
            ).count()
            if done and first_done_at is None:
                first_done_at = time.monotonic()
            if done == len(ids):
                break
            if cluster.poll() is not None:
                break
        finished_at = time.monotonic()
    finally:
        stop_started = time.monotonic()
        if cluster.poll() is None:
            # The cluster's main process stops its own workers; the group is killed
            # only when it does not.
            cluster.send_signal(signal.SIGTERM)
            try:
                cluster.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(cluster.pid, signal.SIGKILL)
                cluster.wait()
        stop_seconds = time.monotonic() - stop_started
        log.close()
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of the cluster's processes (main, pusher, workers, monitor): a figure that
    # other load on the machine disturbs less than the wall-clock rate.
    cluster_cpu = (usage_after.ru_utime - usage_before.ru_utime) + (
        usage_after.ru_stime - usage_before.ru_stime
    )

    seconds = finished_at - cluster_started
    tasks = OrderTask.objects.filter(order_id__in=ids)
    steady = (
        (done - 1) * 60 / (finished_at - first_done_at)
        if first_done_at is not None and finished_at > first_done_at and done > 1
        else None
    )
    print(
        json.dumps(
            {
                "bench": "fulfill",
                "offering": OFFERING,
                "orders": len(ids),
                "orders_completed": done,
                "seconds": round(seconds, 2),
                "orders_per_minute": round(done * 60 / seconds, 1),
                "orders_per_minute_after_first_completion": (
                    round(steady, 1) if steady is not None else None
                ),
                "tasks": tasks.count(),
                "tasks_closed_complete": tasks.filter(
                    state=OrderTaskState.CLOSED_COMPLETE
                ).count(),
                "cluster_cpu_ms_per_order": (
                    round(cluster_cpu * 1000 / done, 1) if done else None
                ),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "workers": args.workers,
                "batch": args.batch,
                "enqueued_by": enqueued_by,
                "jobs_queued": queued,
                "job_failures": Failure.objects.count(),
                "capture_seconds": round(capture_seconds, 2),
                "cluster_exit": cluster.returncode,
                "cluster_stop_seconds": round(stop_seconds, 1),
                "cluster_log": str(temp / "qcluster.log"),
                "goal": {"orders_per_minute": 2500},
            }
        )
    )


if __name__ == "__main__":
    main()
