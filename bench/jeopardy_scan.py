"""One jeopardy scan over many open tasks of which few are due a look (issue 5).

Sets up a fresh database `oms_bench_jeopardy` (through BENCH_ADMIN_URL) and migrates it,
builds one prototype order (account, offering, order, line, domain order, ten task
templates) with the test factories, and clones it with INSERT ... SELECT
generate_series into orders of ten open tasks each. Two shapes, each timed with one
`jeopardy_scan()`:

- small: 10,000 open tasks (1,000 orders), all of them due a look and at risk;
- large: 1,000,000 open tasks (100,000 orders), of which the same 10,000 are due a look
  and at risk, the rest checked later (their next threshold is ahead).

Orders have ten tasks each (as real plans do), not a handful of orders with many tasks:
the committed-date projection reads each due order's latest planned end. Prints one JSON
line; the goal is under 2 s for the large shape and the two times close.

    .venv/bin/python bench/jeopardy_scan.py [--large 1000000] [--at-risk 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ADMIN_URL = os.environ.get(
    "BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = "oms_bench_jeopardy"
SOCKET_DIR = os.environ.get("BENCH_DB_SOCKET_DIR", "/var/run/postgresql")
TASKS_PER_ORDER = 10


def _database_url() -> str:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    if Path(SOCKET_DIR, ".s.PGSQL.5432").exists():
        user = urllib.parse.urlsplit(ADMIN_URL).username or "postgres"
        return f"postgres://{user}@{urllib.parse.quote(SOCKET_DIR, safe='')}/{DB_NAME}"
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )


def _columns(model, **override: str) -> tuple[str, str]:
    """(column list, select list) of a model's table, with some columns replaced by
    SQL expressions; the primary key is left to its sequence."""
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(f'"{field.column}"')
        values.append(override.get(field.column, f'p."{field.column}"'))
    return ", ".join(names), ", ".join(values)


def _prototype() -> dict[str, int]:
    """One order with a line, a domain order and ten task templates (factories)."""
    from django.contrib.auth.models import User

    from orchestration.models import OrderTask
    from tests.jeopardy.factories import OrderTaskFactory, TaskTemplateFactory
    from tests.orchestration.factories import WorkGroupFactory

    group = WorkGroupFactory(code="bench", name="Bench group", email="bench@x.test")
    group.members.add(User.objects.create_user("bench", email="bench@x.test"))
    task = OrderTaskFactory(work_group=group)
    # The prototype stays as a finished task that the scan never reads.
    OrderTask.objects.filter(pk=task.pk).update(
        state="closed_complete", jeopardy_check_at=None
    )
    templates = [task.template] + [
        TaskTemplateFactory(plan=task.template.plan) for _ in range(9)
    ]
    return {
        "order": task.order_id,
        "line": task.line_id,
        "domain_order": task.domain_order_id,
        "task": task.pk,
        "plan": task.template.plan_id,
        "templates": len(templates),
    }


def _clear(cursor, proto: dict[str, int]) -> None:
    cursor.execute("DELETE FROM jeopardy_jeopardyalert")
    cursor.execute(
        "DELETE FROM orchestration_ordertask WHERE id <> %s", [proto["task"]]
    )
    cursor.execute(
        "DELETE FROM decomposition_domainorder WHERE id <> %s", [proto["domain_order"]]
    )
    cursor.execute(
        "DELETE FROM orders_customerorderline WHERE id <> %s", [proto["line"]]
    )
    cursor.execute("DELETE FROM orders_customerorder WHERE id <> %s", [proto["order"]])


def _build(*, orders: int, at_risk: int, proto: dict[str, int]) -> None:
    """Clone the prototype into `orders` orders of ten open tasks; the first `at_risk`
    tasks (by id) opened 60 min ago with a 100 min SLA and are due a check now, the
    others opened now and are next checked in 50 min."""
    from django.db import connection

    from decomposition.models import DomainOrder
    from orchestration.models import OrderTask
    from orders.models import CustomerOrder, CustomerOrderLine

    with connection.cursor() as cursor:
        _clear(cursor, proto)
        cols, values = _columns(
            CustomerOrder,
            number="'BJ' || g",
            external_id="''",
            committed_date="NULL",
            requested_completion_date="NULL",
        )
        cursor.execute(
            f"INSERT INTO orders_customerorder ({cols}) SELECT {values} "  # noqa: S608
            "FROM orders_customerorder p, generate_series(1, %s) g WHERE p.id = %s",
            [orders, proto["order"]],
        )
        cols, values = _columns(CustomerOrderLine, order_id="o.id")
        cursor.execute(
            f"INSERT INTO orders_customerorderline ({cols}) SELECT {values} "  # noqa: S608
            "FROM orders_customerorderline p, orders_customerorder o "
            "WHERE p.id = %s AND o.number LIKE 'BJ%%'",
            [proto["line"]],
        )
        cols, values = _columns(
            DomainOrder, order_id="l.order_id", line_id="l.id", number="'DJ' || l.id"
        )
        cursor.execute(
            f"INSERT INTO decomposition_domainorder ({cols}) SELECT {values} "  # noqa: S608
            "FROM decomposition_domainorder p, orders_customerorderline l "
            "WHERE p.id = %s AND l.id <> %s",
            [proto["domain_order"], proto["line"]],
        )
        opened = "now() - interval '60 minutes'"
        cols, values = _columns(
            OrderTask,
            order_id="d.order_id",
            line_id="d.line_id",
            domain_order_id="d.id",
            template_id="t.id",
            code="t.code",
            name="t.name",
            state="'open'",
            opened_at="now()",
            planned_start="now()",
            planned_end="now() + interval '100 minutes'",
            due_at="now() + interval '100 minutes'",
            jeopardy_level="0",
            jeopardy_check_at="now() + interval '50 minutes'",
        )
        _tasks_insert(cursor, proto=proto, cols=cols, values=values)
        cursor.execute(
            "UPDATE orchestration_ordertask SET opened_at = " + opened + ", "
            "planned_start = " + opened + ", "
            "planned_end = " + opened + " + interval '100 minutes', "
            "due_at = " + opened + " + interval '100 minutes', "
            "jeopardy_check_at = " + opened + " "
            "WHERE id IN (SELECT id FROM orchestration_ordertask WHERE state = 'open' "
            "ORDER BY id LIMIT %s)",
            [at_risk],
        )
        cursor.execute("VACUUM ANALYZE orchestration_ordertask")
        cursor.execute("ANALYZE")
        # The bulk load's dirty pages are written now, not during the timed scan.
        cursor.execute("CHECKPOINT")


def _tasks_insert(cursor, *, proto: dict[str, int], cols: str, values: str) -> None:
    cursor.execute(
        f"INSERT INTO orchestration_ordertask ({cols}) SELECT {values} "  # noqa: S608
        "FROM orchestration_ordertask p, decomposition_domainorder d, "
        "orchestration_tasktemplate t "
        "WHERE p.id = %s AND d.id <> %s AND t.plan_id = %s ORDER BY d.id, t.id",
        [proto["task"], proto["domain_order"], proto["plan"]],
    )


def _time_scan(*, expected: int) -> tuple[float, dict[str, int]]:
    from django.core import mail
    from django.db import reset_queries

    from jeopardy.services import jeopardy_scan
    from orchestration.models import OrderTask

    mail.outbox = []
    reset_queries()
    started = time.perf_counter()
    result = jeopardy_scan()
    seconds = time.perf_counter() - started
    open_tasks = OrderTask.objects.filter(state="open").count()
    if result.looked_at != expected or len(result.alert_ids) != expected:
        sys.exit(f"scan looked at {result.looked_at}, alerted {len(result.alert_ids)}")
    return seconds, {
        "open_tasks": open_tasks,
        "looked_at": result.looked_at,
        "alerts": len(result.alert_ids),
        "emails": len(mail.outbox),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--at-risk", type=int, default=10_000)
    args = parser.parse_args()

    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="ordermgmt.settings",
        OMS_TESTING="0",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    _manage(env, "migrate", "--noinput", "-v0")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core import mail

    mail.outbox = []
    proto = _prototype()
    # The worker that runs the schedule is long-lived: import and connect before timing.
    from jeopardy.services import jeopardy_scan

    jeopardy_scan()
    figures = {}
    for shape, tasks in (("small", args.at_risk), ("large", args.large)):
        started = time.perf_counter()
        _build(orders=tasks // TASKS_PER_ORDER, at_risk=args.at_risk, proto=proto)
        build_seconds = time.perf_counter() - started
        seconds, counts = _time_scan(expected=args.at_risk)
        figures[shape] = {
            **counts,
            "scan_seconds": round(seconds, 3),
            "build_seconds": round(build_seconds, 1),
        }
    small, large = figures["small"]["scan_seconds"], figures["large"]["scan_seconds"]
    print(
        json.dumps(
            {
                "bench": "jeopardy_scan",
                "at_risk": args.at_risk,
                "small": figures["small"],
                "large": figures["large"],
                "large_over_small": round(large / small, 2) if small else None,
                "goal": {"large_scan_seconds_under": 2.0, "large_over_small": "close"},
            }
        )
    )


if __name__ == "__main__":
    main()
