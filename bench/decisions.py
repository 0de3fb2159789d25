"""Benchmark: evaluations per second of a published 50-row, 4-input decision table.

Builds the table through the services in a throwaway SQLite database, publishes it, then
evaluates a varied mix of inputs on one core for a few seconds through the public API
`decision_evaluate(key=..., inputs=...)` (and, for comparison, the bare compiled
function). Prints one JSON line. Run from the project root:
`.venv/bin/python bench/decisions.py [seconds]`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.TemporaryDirectory(prefix="bench-decisions-")
os.environ["SQLITE_PATH"] = str(Path(_tmp.name) / "bench.sqlite3")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordermgmt.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, Permission, User  # noqa: E402
from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402

from decisions.evaluator import decision_evaluate, decision_table_compiled  # noqa: E402
from decisions.models import (  # noqa: E402
    DecisionColumn,
    DecisionHitPolicy,
    DecisionRow,
    DecisionTable,
    DecisionTablePurpose,
)
from decisions.services import (  # noqa: E402
    decision_column_add,
    decision_row_add,
    decision_table_create,
    decision_table_publish,
)
from ordermgmt.actor import Actor  # noqa: E402
from ordermgmt.models import AuditEvent  # noqa: E402

KEY = "bench_approval_policy"
SEGMENTS = ["gold", "silver", "bronze", "standard"]
TOTAL_BANDS = ["[0..999.99]", "[1000..9999.99]", "[10000..49999.99]", ">= 50000"]
CHANNEL_QUANTITY = [("in (web, portal)", "-"), ("agent", "<= 10"), ("-", "> 10")]


MODELS = [
    ContentType,
    Permission,
    Group,
    User,
    AuditEvent,
    DecisionTable,
    DecisionColumn,
    DecisionRow,
]


def schema_create() -> None:
    """Create just the tables the decisions services touch (no other app's migrations)."""
    with connection.schema_editor() as editor:
        for model in MODELS:
            editor.create_model(model)


def table_build() -> DecisionTable:
    """A 50-row first-hit approval policy: 48 specific rows, a gold rule and a default."""
    actor = Actor.job("bench")
    table = decision_table_create(
        key=KEY,
        name="Bench approval policy",
        purpose=DecisionTablePurpose.APPROVAL,
        hit_policy=DecisionHitPolicy.FIRST,
        actor=actor,
    )
    for code, data_type in [
        ("segment", "text"),
        ("order_total", "decimal"),
        ("channel", "text"),
        ("quantity", "integer"),
    ]:
        decision_column_add(
            table_id=table.pk,
            direction="input",
            code=code,
            data_type=data_type,
            actor=actor,
        )
    for code, data_type in [
        ("approval", "text"),
        ("approver_group", "text"),
        ("discount_cap", "decimal"),
    ]:
        decision_column_add(
            table_id=table.pk,
            direction="output",
            code=code,
            data_type=data_type,
            actor=actor,
        )
    rows = itertools.product(
        enumerate(SEGMENTS), enumerate(TOTAL_BANDS), CHANNEL_QUANTITY
    )
    for (seg_index, segment), (band_index, band), (channel, quantity) in rows:
        decision_row_add(
            table_id=table.pk,
            conditions={
                "segment": segment,
                "order_total": band,
                "channel": channel,
                "quantity": quantity,
            },
            outputs={
                "approval": "auto" if band_index < 2 else "manual",
                "approver_group": f"{segment}-desk-{band_index}",
                "discount_cap": str(Decimal(5 * (4 - seg_index) + band_index)),
            },
            actor=actor,
        )
    decision_row_add(
        table_id=table.pk,
        conditions={"segment": "in (gold, platinum)"},
        outputs={"approval": "auto", "approver_group": "vip", "discount_cap": "25"},
        actor=actor,
    )
    decision_row_add(
        table_id=table.pk,
        outputs={
            "approval": "manual",
            "approver_group": "default",
            "discount_cap": "0",
        },
        actor=actor,
    )
    return decision_table_publish(table_id=table.pk, actor=actor)


def inputs_mix(count: int) -> list[dict[str, Any]]:
    """Varied inputs: every segment (and unknown ones), totals, channels, quantities."""
    rng = random.Random(20260101)
    segments = [*SEGMENTS, "platinum", "unknown"]
    channels = ["web", "portal", "agent", "api", "partner"]
    mix = []
    for _ in range(count):
        total = rng.choice(
            [
                Decimal(rng.randint(0, 99_999)) / 100,
                Decimal(rng.randint(100_000, 999_999)) / 100,
                Decimal(rng.randint(1_000_000, 4_999_999)) / 100,
                Decimal(rng.randint(5_000_000, 20_000_000)) / 100,
                rng.randint(0, 80_000),  # an int is a valid decimal input too
            ]
        )
        mix.append(
            {
                "segment": rng.choice(segments),
                "order_total": total,
                "channel": rng.choice(channels),
                "quantity": rng.randint(1, 30),
                "requested_on": date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)),
            }
        )
    return mix


def rate(
    call: Callable[[dict[str, Any]], Any], mix: list[dict[str, Any]], seconds: float
) -> tuple[float, float]:
    """(best, mean) evaluations per second of `call` over `mix` for about `seconds`.

    The best of many short windows is the figure of the code; the mean also carries
    whatever else the machine was doing meanwhile.
    """
    best = 0.0
    evaluations = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        window_start = time.perf_counter()
        for inputs in mix:
            call(inputs)
        now = time.perf_counter()
        evaluations += len(mix)
        best = max(best, len(mix) / (now - window_start))
        if now >= deadline:
            return best, evaluations / (now - started)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    schema_create()
    table = table_build()
    compiled = decision_table_compiled(table=table)
    mix = inputs_mix(2_000)
    matched_rows = {
        decision_evaluate(key=KEY, inputs=inputs).matched_rows for inputs in mix
    }
    best, mean = rate(
        lambda inputs: decision_evaluate(key=KEY, inputs=inputs), mix, seconds
    )
    bare_best, _ = rate(compiled.evaluate, mix, seconds / 2)
    print(
        json.dumps(
            {
                "bench": "decisions",
                "rows": DecisionRow.objects.filter(table=table).count(),
                "columns": 4,
                "hit_policy": table.hit_policy,
                "distinct_rows_hit": len(matched_rows),
                "seconds": seconds,
                "evaluations_per_second": round(best),
                "evaluations_per_second_mean": round(mean),
                "compiled_function_evaluations_per_second": round(bare_best),
                "target_per_second": 500_000,
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
