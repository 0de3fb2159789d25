"""order_decompose on PostgreSQL: a 2,000-line order of the demo Fiber Home Bundle (500
bundles, each with its internet, voice and router lines) and a typical 3-line order.

Sets up a fresh database `oms_bench_decompose` (or the server in BENCH_ADMIN_URL),
migrates, loads the demo, builds the acknowledged orders with the ORM (the bench measures
decomposition, not capture) and times `order_decompose` on each: the big one once, the
small one best of several. Prints one JSON line. Nothing here is a test; it only measures.

    .venv/bin/python bench/decompose.py [--bundles 500] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "oms_bench_decompose"
ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}
INTERNET = {
    "bandwidth": 500,
    "contract_term": 24,
    "static_ip": False,
    "installation_address": ADDRESS,
    "access_line_id": "AL-00001",
}
VOICE = {"number_porting": False, "directory_listing": False}
ROUTER = {"model": "Nokia Beacon 6"}


def _database_url() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )


def _django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermgmt.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _acknowledged_order(*, bundles: int, standalone: bool = False) -> int:
    """An acknowledged order: `bundles` Fiber Home Bundles with their child lines, or
    (standalone) the typical 3-line internet + voice + router order."""
    from catalog.models import LifecycleStatus, ProductOffering
    from orders.models import (
        Account,
        CustomerOrder,
        CustomerOrderLine,
        CustomerOrderState,
        LineState,
    )

    offerings = {
        o.code: o
        for o in ProductOffering.objects.filter(
            lifecycle_status=LifecycleStatus.PUBLISHED
        )
    }
    account = Account.objects.get(number="ACC0001001")
    order = CustomerOrder.objects.create(
        account=account, state=CustomerOrderState.ACKNOWLEDGED
    )
    number = iter(range(1, 10**6))

    def line(code: str, values: dict, parent: CustomerOrderLine | None = None):
        offering = offerings[code]
        return CustomerOrderLine(
            order=order,
            line_number=next(number),
            offering=offering,
            specification_id=offering.product_specification_id,
            parent_line=parent,
            characteristics=values,
            state=LineState.ACKNOWLEDGED,
        )

    children = [
        ("OFF_FIBER_INTERNET", INTERNET),
        ("OFF_HOME_VOICE", VOICE),
        ("OFF_WIFI_ROUTER", ROUTER),
    ]
    if standalone:
        CustomerOrderLine.objects.bulk_create(
            [line(code, values) for code, values in children]
        )
        return order.pk
    parents = CustomerOrderLine.objects.bulk_create(
        [line("OFF_FIBER_HOME_BUNDLE", {"contract_term": 24}) for _ in range(bundles)]
    )
    CustomerOrderLine.objects.bulk_create(
        [line(code, values, parent) for parent in parents for code, values in children]
    )
    return order.pk


def _timed_decompose(order_id: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from decomposition.services import order_decompose
    from ordermgmt.actor import Actor

    actor = Actor.job("bench")
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        created = order_decompose(order_id=order_id, actor=actor)
        elapsed = time.perf_counter() - started
    return elapsed, len(created), len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bundles", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    database_url = _database_url()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 50),
        LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "load_demo")
    _django_setup(database_url)

    from orders.models import CustomerOrderLine

    # A warm process: trees and tables read once, as in a running worker.
    _timed_decompose(_acknowledged_order(bundles=0, standalone=True))

    big = _acknowledged_order(bundles=args.bundles)
    lines = CustomerOrderLine.objects.filter(order_id=big).count()
    big_seconds, big_created, big_queries = _timed_decompose(big)

    small_runs = []
    for _ in range(args.runs):
        small_runs.append(
            _timed_decompose(_acknowledged_order(bundles=0, standalone=True))
        )
    small_seconds, small_created, small_queries = min(small_runs)

    print(
        json.dumps(
            {
                "bench": "decompose",
                "database": "postgresql",
                "lines_2000": lines,
                "lines_2000_seconds": round(big_seconds, 3),
                "domain_orders_2000": big_created,
                "queries_2000": big_queries,
                "lines_3_ms": round(small_seconds * 1000, 2),
                "domain_orders_3": small_created,
                "queries_3": small_queries,
                "goal_2000_seconds": 5,
                "goal_3_ms": 30,
            }
        )
    )


if __name__ == "__main__":
    main()
