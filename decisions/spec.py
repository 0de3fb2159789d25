"""Plain, ORM-free snapshots of a table version, the input of validation and compilation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ColumnSpec:
    code: str
    data_type: str


@dataclass(frozen=True)
class RowSpec:
    position: int
    priority: int = 0
    conditions: Mapping[str, str] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TableSpec:
    """One version: `label` names it in messages, rows are in row order."""

    label: str
    hit_policy: str
    inputs: tuple[ColumnSpec, ...]
    outputs: tuple[ColumnSpec, ...]
    rows: tuple[RowSpec, ...]
