"""Validation of decision tables on plain specs: cells, outputs, unreachable and ambiguous rows.

Each condition is turned into the set of values it matches (intervals for ordered types,
finite or co-finite sets for text and booleans), so "row A covers row B" and "rows A and B
overlap" are exact set questions per column. "Any" also matches no value (None); every
other condition does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from decisions.conditions import (
    Condition,
    ConditionKind,
    condition_parse,
    output_to_json,
)
from decisions.exceptions import DecisionConditionInvalid, DecisionOutputInvalid
from decisions.models import DecisionDataType, DecisionHitPolicy
from decisions.spec import ColumnSpec, RowSpec, TableSpec

ALL_ERRORS = "__all__"

# --- Value sets -----------------------------------------------------------------------

# An interval is (low, low_inclusive, high, high_inclusive); None is an open end.
Interval = tuple[Any, bool, Any, bool]
_EVERYTHING: Interval = (None, True, None, True)


@dataclass(frozen=True)
class AnyValue:
    """Every value, and also no value."""


@dataclass(frozen=True)
class FiniteSet:
    """`values` when positive, everything but `values` otherwise (text, boolean)."""

    positive: bool
    values: frozenset[Any]


@dataclass(frozen=True)
class IntervalSet:
    """A union of intervals over an ordered type (integer, decimal, date)."""

    intervals: tuple[Interval, ...]


ValueSet = AnyValue | FiniteSet | IntervalSet
_BOOLEANS = frozenset({True, False})


def _step(data_type: str) -> Any:
    """The gap between neighbours of a discrete type; None for the dense decimals."""
    if data_type == DecisionDataType.INTEGER:
        return 1
    if data_type == DecisionDataType.DATE:
        return timedelta(days=1)
    return None


def _normalized(interval: Interval, step: Any) -> Interval | None:
    """Make a discrete interval's bounds inclusive; None when it holds no value."""
    low, low_inc, high, high_inc = interval
    if step is not None:
        try:
            if low is not None and not low_inc:
                low, low_inc = low + step, True
            if high is not None and not high_inc:
                high, high_inc = high - step, True
        except OverflowError:
            return None
    if (
        low is not None
        and high is not None
        and (low > high or (low == high and not (low_inc and high_inc)))
    ):
        return None
    return (low, low_inc, high, high_inc)


def _intersect_one(a: Interval, b: Interval, step: Any) -> Interval | None:
    low, low_inc = _tighter(a[0], a[1], b[0], b[1], pick_max=True)
    high, high_inc = _tighter(a[2], a[3], b[2], b[3], pick_max=False)
    return _normalized((low, low_inc, high, high_inc), step)


def _tighter(
    x: Any, x_inc: bool, y: Any, y_inc: bool, *, pick_max: bool
) -> tuple[Any, bool]:
    if x is None:
        return y, y_inc
    if y is None:
        return x, x_inc
    if x == y:
        return x, x_inc and y_inc
    x_wins = x > y if pick_max else x < y
    return (x, x_inc) if x_wins else (y, y_inc)


def _intersect(
    a: tuple[Interval, ...], b: tuple[Interval, ...], step: Any
) -> tuple[Interval, ...]:
    result = []
    for left in a:
        for right in b:
            both = _intersect_one(left, right, step)
            if both is not None:
                result.append(both)
    return tuple(result)


def _complement(a: tuple[Interval, ...], step: Any) -> tuple[Interval, ...]:
    result: tuple[Interval, ...] = (_EVERYTHING,)
    for low, low_inc, high, high_inc in a:
        outside = []
        if low is not None:
            outside.append((None, True, low, not low_inc))
        if high is not None:
            outside.append((high, not high_inc, None, True))
        normalized = (_normalized(interval, step) for interval in outside)
        result = _intersect(result, tuple(i for i in normalized if i is not None), step)
    return result


def value_set(condition: Condition, data_type: str) -> ValueSet:
    """Return the set of values `condition` matches for a column of `data_type`."""
    kind = condition.kind
    if kind == ConditionKind.ANY:
        return AnyValue()
    if data_type in (DecisionDataType.TEXT, DecisionDataType.BOOLEAN):
        positive = kind in (ConditionKind.EQUALS, ConditionKind.IN)
        values = frozenset(condition.values)
        if data_type == DecisionDataType.BOOLEAN and not positive:
            return FiniteSet(positive=True, values=_BOOLEANS - values)
        return FiniteSet(positive=positive, values=values)
    step = _step(data_type)
    if kind == ConditionKind.RANGE:
        interval = _normalized(
            (
                condition.low,
                condition.low_inclusive,
                condition.high,
                condition.high_inclusive,
            ),
            step,
        )
        return IntervalSet(intervals=(interval,) if interval else ())
    points = tuple((value, True, value, True) for value in condition.values)
    if kind in (ConditionKind.EQUALS, ConditionKind.IN):
        return IntervalSet(intervals=points)
    return IntervalSet(intervals=_complement(points, step))


def value_set_is_empty(values: ValueSet) -> bool:
    if isinstance(values, AnyValue):
        return False
    if isinstance(values, FiniteSet):
        return values.positive and not values.values
    return not values.intervals


def value_set_covers(outer: ValueSet, inner: ValueSet, data_type: str) -> bool:
    """True when every value `inner` matches is matched by `outer` too."""
    if isinstance(outer, AnyValue) or value_set_is_empty(inner):
        return True
    if isinstance(inner, AnyValue):
        return False
    if isinstance(outer, FiniteSet) and isinstance(inner, FiniteSet):
        if outer.positive and inner.positive:
            return inner.values <= outer.values
        if not outer.positive and inner.positive:
            return not (inner.values & outer.values)
        if not outer.positive and not inner.positive:
            return outer.values <= inner.values
        return False  # a finite set never covers an infinite one
    if not isinstance(outer, IntervalSet) or not isinstance(inner, IntervalSet):
        raise TypeError("value sets of one column share a kind")
    step = _step(data_type)
    return not _intersect(inner.intervals, _complement(outer.intervals, step), step)


def value_set_overlaps(a: ValueSet, b: ValueSet, data_type: str) -> bool:
    """True when some value is matched by both `a` and `b`."""
    if value_set_is_empty(a) or value_set_is_empty(b):
        return False
    if isinstance(a, AnyValue) or isinstance(b, AnyValue):
        return True
    if isinstance(a, FiniteSet) and isinstance(b, FiniteSet):
        if a.positive and b.positive:
            return bool(a.values & b.values)
        if a.positive:
            return bool(a.values - b.values)
        if b.positive:
            return bool(b.values - a.values)
        return True  # two co-finite sets of text always share a value
    if not isinstance(a, IntervalSet) or not isinstance(b, IntervalSet):
        raise TypeError("value sets of one column share a kind")
    return bool(_intersect(a.intervals, b.intervals, _step(data_type)))


# --- Cells of one row -----------------------------------------------------------------


def row_cells_problems(
    *,
    inputs: tuple[ColumnSpec, ...],
    outputs: tuple[ColumnSpec, ...],
    conditions: Mapping[str, str],
    output_values: Mapping[str, Any],
) -> dict[str, list[str]]:
    """Check one row's cells against the columns; errors are keyed by column code."""
    errors: dict[str, list[str]] = {}
    input_types = {column.code: column.data_type for column in inputs}
    output_types = {column.code: column.data_type for column in outputs}
    for code, text in conditions.items():
        if code not in input_types:
            errors.setdefault(code, []).append(f"There is no input column {code}.")
            continue
        try:
            condition_parse(text, input_types[code], column=code)
        except DecisionConditionInvalid as exc:
            errors.setdefault(code, []).append(exc.message)
    for code, value in output_values.items():
        if code not in output_types:
            errors.setdefault(code, []).append(f"There is no output column {code}.")
            continue
        try:
            output_to_json(value, output_types[code], column=code)
        except DecisionOutputInvalid as exc:
            errors.setdefault(code, []).append(exc.message)
    return errors


# --- The whole table ------------------------------------------------------------------


def _row_label(row: RowSpec) -> str:
    return f"row {row.position}"


def table_problems(spec: TableSpec) -> dict[str, list[str]]:
    """Return every reason `spec` may not be published, keyed by row label or __all__."""
    errors: dict[str, list[str]] = {}
    if not spec.outputs:
        errors.setdefault(ALL_ERRORS, []).append("The table needs an output column.")
    if not spec.rows:
        errors.setdefault(ALL_ERRORS, []).append("The table needs at least one row.")
    seen_positions: set[int] = set()
    for row in spec.rows:
        if row.position in seen_positions:
            errors.setdefault(ALL_ERRORS, []).append(
                f"Two rows share position {row.position}; give each row its own."
            )
        seen_positions.add(row.position)
        row_errors = _row_problems(spec, row)
        if row_errors:
            errors.setdefault(_row_label(row), []).extend(row_errors)
    if errors:
        return errors  # overlap questions only make sense on well-formed rows
    for label, messages in _reachability_problems(spec).items():
        errors.setdefault(label, []).extend(messages)
    return errors


def _row_problems(spec: TableSpec, row: RowSpec) -> list[str]:
    cell_errors = row_cells_problems(
        inputs=spec.inputs,
        outputs=spec.outputs,
        conditions=row.conditions,
        output_values=row.outputs,
    )
    messages = [message for found in cell_errors.values() for message in found]
    missing = [column.code for column in spec.outputs if column.code not in row.outputs]
    if missing:
        messages.append(f"Output missing: {', '.join(missing)}.")
    return messages


def _row_value_sets(spec: TableSpec, row: RowSpec) -> list[ValueSet]:
    return [
        value_set(
            condition_parse(row.conditions.get(column.code, ""), column.data_type),
            column.data_type,
        )
        for column in spec.inputs
    ]


def _reachability_problems(spec: TableSpec) -> dict[str, list[str]]:
    """Find rows that can never match, can never be hit, or tie ambiguously."""
    errors: dict[str, list[str]] = {}
    types = [column.data_type for column in spec.inputs]
    rows = list(spec.rows)
    if spec.hit_policy == DecisionHitPolicy.PRIORITY:
        rows.sort(key=lambda row: -row.priority)  # stable: row order breaks ties
    sets = [_row_value_sets(spec, row) for row in rows]
    for index, row in enumerate(rows):
        empty = [
            column.code
            for column, values in zip(spec.inputs, sets[index], strict=True)
            if value_set_is_empty(values)
        ]
        if empty:
            errors.setdefault(_row_label(row), []).append(
                f"Can never match: the condition on {', '.join(empty)} matches no value."
            )
            continue
        message = _shadow_message(spec, rows, sets, types, index)
        if message:
            errors.setdefault(_row_label(row), []).append(message)
    return errors


def _shadow_message(
    spec: TableSpec,
    rows: list[RowSpec],
    sets: list[list[ValueSet]],
    types: list[str],
    index: int,
) -> str:
    """Explain why rows[index] is never hit or is ambiguous; empty when it is fine."""
    if spec.hit_policy == DecisionHitPolicy.COLLECT:
        return ""
    row = rows[index]
    for earlier in range(index):
        other = rows[earlier]
        same_priority = (
            spec.hit_policy == DecisionHitPolicy.PRIORITY
            and other.priority == row.priority
        )
        if same_priority and _rows_overlap(sets[earlier], sets[index], types):
            return (
                f"Ambiguous: it overlaps row {other.position}, which has the same "
                f"priority {row.priority}; change one priority or narrow a condition."
            )
        if _row_covers(sets[earlier], sets[index], types):
            why = (
                "comes first"
                if spec.hit_policy == DecisionHitPolicy.FIRST
                else f"has the higher priority {other.priority}"
            )
            return (
                f"Can never be hit: row {other.position} matches every input this row "
                f"matches and {why}."
            )
    return ""


def _row_covers(outer: list[ValueSet], inner: list[ValueSet], types: list[str]) -> bool:
    return all(
        value_set_covers(a, b, data_type)
        for a, b, data_type in zip(outer, inner, types, strict=True)
    )


def _rows_overlap(a: list[ValueSet], b: list[ValueSet], types: list[str]) -> bool:
    return all(
        value_set_overlaps(x, y, data_type)
        for x, y, data_type in zip(a, b, types, strict=True)
    )
