"""Evaluate decision tables: the published version by key, or any version for the try-it page.

Compiled functions are cached per process, keyed by (table pk, updated_at) of a published or
retired version: those never change, and updated_at moves on publish and retire, so a key
cannot serve another table's rows. Drafts are compiled fresh on every call. Which version
of a key is published is looked up again after DECISIONS_LOOKUP_TTL_SECONDS (default 5 s,
0 under tests), so other processes see a new publication within that time; the publishing
process forgets its pointer as soon as the publication commits. That a key has no
published version is remembered for the same time.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from decisions.compiler import CompiledDecision, DecisionResult, compile_table
from decisions.exceptions import DecisionNotPublished
from decisions.models import (
    DecisionColumn,
    DecisionColumnDirection,
    DecisionRow,
    DecisionTable,
    DecisionTableState,
)
from decisions.spec import ColumnSpec, RowSpec, TableSpec

__all__ = [
    "DecisionResult",
    "decision_cache_clear",
    "decision_evaluate",
    "decision_published_compiled",
    "decision_published_forget",
    "decision_table_compiled",
    "decision_table_evaluate",
    "decision_table_spec",
]

LOOKUP_TTL_SECONDS = float(
    getattr(
        settings,
        "DECISIONS_LOOKUP_TTL_SECONDS",
        0.0 if getattr(settings, "TESTING", False) else 5.0,
    )
)
_COMPILED_CACHE_LIMIT = 512
_monotonic = time.monotonic


@dataclass(slots=True)
class _PublishedEntry:
    compiled: CompiledDecision | None  # None: the key has no published version
    expires_at: float


_compiled: dict[tuple[int, datetime], CompiledDecision] = {}
_published: dict[str, _PublishedEntry] = {}


def decision_evaluate(*, key: str, inputs: Mapping[str, Any]) -> DecisionResult:
    """Evaluate the published version of the table `key` on `inputs`."""
    compiled = decision_published_compiled(key=key)
    if compiled is None:
        raise DecisionNotPublished(
            f"Decision table {key} has no published version.", key=key
        )
    return compiled.evaluate(inputs)


def decision_published_compiled(*, key: str) -> CompiledDecision | None:
    """Return the compiled published version of the table `key`, None when there is
    none; no query while this process's pointer is fresh."""
    entry = _published.get(key)
    if entry is None or entry.expires_at <= _monotonic():
        entry = _published_load(key)
    return entry.compiled


def decision_table_evaluate(
    *, table: DecisionTable, inputs: Mapping[str, Any]
) -> DecisionResult:
    """Evaluate one version of a table, draft included, on `inputs`."""
    return decision_table_compiled(table=table).evaluate(inputs)


def decision_table_compiled(*, table: DecisionTable) -> CompiledDecision:
    """Return the compiled function of a version: cached unless it is a draft."""
    if table.state == DecisionTableState.DRAFT:
        return compile_table(decision_table_spec(table=table))
    cache_key = (table.pk, table.updated_at)
    compiled = _compiled.get(cache_key)
    if compiled is None:
        compiled = compile_table(decision_table_spec(table=table))
        if len(_compiled) >= _COMPILED_CACHE_LIMIT:
            _compiled.clear()
        _compiled[cache_key] = compiled
    return compiled


def decision_table_spec(*, table: DecisionTable) -> TableSpec:
    """Read a version's columns and rows from the database into a plain spec."""
    columns = list(
        DecisionColumn.objects.filter(table=table).order_by("position", "id")
    )
    rows = DecisionRow.objects.filter(table=table).order_by("position", "id")
    return TableSpec(
        label=f"{table.key} v{table.version}",
        hit_policy=table.hit_policy,
        inputs=_column_specs(columns, DecisionColumnDirection.INPUT),
        outputs=_column_specs(columns, DecisionColumnDirection.OUTPUT),
        rows=tuple(
            RowSpec(
                position=row.position,
                priority=row.priority,
                conditions=dict(row.conditions or {}),
                outputs=dict(row.outputs or {}),
            )
            for row in rows
        ),
    )


def _column_specs(
    columns: list[DecisionColumn], direction: str
) -> tuple[ColumnSpec, ...]:
    return tuple(
        ColumnSpec(code=column.code, data_type=column.data_type)
        for column in columns
        if column.direction == direction
    )


def _lookup_ttl_seconds() -> float:
    # Read on each lookup so that override_settings (and tests patching the module
    # default) take effect.
    return float(getattr(settings, "DECISIONS_LOOKUP_TTL_SECONDS", LOOKUP_TTL_SECONDS))


def _published_load(key: str) -> _PublishedEntry:
    table = DecisionTable.objects.filter(
        key=key, state=DecisionTableState.PUBLISHED
    ).first()
    entry = _PublishedEntry(
        compiled=decision_table_compiled(table=table) if table is not None else None,
        expires_at=_monotonic() + _lookup_ttl_seconds(),
    )
    _published[key] = entry
    return entry


def decision_published_forget(*, key: str) -> None:
    """Drop this process's pointer to the published version of `key`."""
    _published.pop(key, None)


def decision_cache_clear() -> None:
    """Forget every compiled table and published pointer of this process."""
    _compiled.clear()
    _published.clear()
