"""Compile a table version into one plain Python function of chained comparisons.

The generated source reads each input once, coerces it only when its type is not already
the column's type, then tests the rows in hit order with literal values (repr for str, int
and bool; module-level constants for Decimal, date and sets of them), cheapest test first.
A bigger table is split on its most selective equals / in column: one dict lookup picks
the function holding only the rows that value can match. A published version never
changes, so its function is built once and reused (see `decisions.evaluator`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from decisions.conditions import (
    Condition,
    ConditionKind,
    condition_parse,
    input_coerce,
    output_from_json,
)
from decisions.exceptions import DecisionInputMissing
from decisions.models import DecisionDataType, DecisionHitPolicy
from decisions.spec import RowSpec, TableSpec

_PLAIN_LITERAL_TYPES = (str, int, bool)
_DISPATCHABLE_KINDS = frozenset(
    {ConditionKind.ANY, ConditionKind.EQUALS, ConditionKind.IN}
)
_DISPATCH_MIN_ROWS = 8
_DISPATCH_MAX_GROWTH = 4
_TYPE_GUARDS = {
    DecisionDataType.TEXT: "{var}.__class__ is not str",
    DecisionDataType.INTEGER: "{var}.__class__ is not int",
    DecisionDataType.DECIMAL: "{var}.__class__ is not _Decimal and {var}.__class__ is not int",
    DecisionDataType.BOOLEAN: "{var}.__class__ is not bool",
    DecisionDataType.DATE: "{var}.__class__ is not _date",
}


@dataclass(slots=True)
class DecisionResult:
    """What a table decided; treat it as read-only.

    `outputs` is one dict of output values for the first and priority hit policies (empty
    when nothing matched) and the list of output dicts in row order for collect.
    `matched_rows` holds the positions of the rows that produced the outputs.
    """

    matched: bool
    outputs: dict[str, Any] | list[dict[str, Any]]
    matched_rows: tuple[int, ...]


@dataclass(frozen=True)
class CompiledDecision:
    """A table version turned into `evaluate(inputs) -> DecisionResult`."""

    label: str
    hit_policy: str
    input_codes: tuple[str, ...]
    evaluate: Callable[[Mapping[str, Any]], DecisionResult]
    source: str


class _Emitter:
    """Collects the generated lines and the constants they refer to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constant_names: dict[tuple[type, str], str] = {}
        self.namespace: dict[str, Any] = {
            "_Result": DecisionResult,
            "_Decimal": Decimal,
            "_date": date,
        }

    def constant(self, value: Any) -> str:
        if type(value) in _PLAIN_LITERAL_TYPES:
            return repr(value)
        identity = (type(value), repr(value))
        name = self.constant_names.get(identity)
        if name is None:
            name = f"_k{len(self.constant_names)}"
            self.constant_names[identity] = name
            self.namespace[name] = value
        return name

    def value_set(self, values: tuple[Any, ...]) -> str:
        if all(type(value) in _PLAIN_LITERAL_TYPES for value in values):
            # a set display of literals after `in` compiles to a frozenset constant
            return "{" + ", ".join(repr(value) for value in values) + "}"
        return self.constant(frozenset(values))


@dataclass(frozen=True)
class _RowCode:
    """One row ready to emit: its parsed conditions, test per column and outputs dict."""

    position: int
    conditions: tuple[Condition, ...]
    tests: dict[int, str]
    outputs: str

    def test(self, *, skip: int | None) -> str:
        """The row's tests joined cheapest first, so most misses stop early."""
        tests = [
            test
            for index, test in sorted(
                self.tests.items(),
                key=lambda item: _test_cost(self.conditions[item[0]]),
            )
            if index != skip
        ]
        return " and ".join(tests) if tests else "True"


def _test_cost(condition: Condition) -> int:
    """Rank tests: str/int/bool equality and set lookups first, Decimal and date last."""
    bounds = (*condition.values, condition.low, condition.high)
    if any(not isinstance(v, _PLAIN_LITERAL_TYPES) for v in bounds if v is not None):
        return 3
    if condition.kind in (ConditionKind.EQUALS, ConditionKind.IN):
        return 1
    return 2


def compile_table(spec: TableSpec) -> CompiledDecision:
    """Compile `spec` into a function; raise DecisionConditionInvalid on a bad cell."""
    emitter = _Emitter()
    rows = [_row_code(emitter, spec, row) for row in _rows_in_hit_order(spec)]
    dispatch = _dispatch_column(rows, len(spec.inputs))
    if dispatch is not None:
        _emit_dispatched_branches(emitter, spec, rows, dispatch)
    emitter.lines.append("def evaluate(inputs):")
    _emit_input_reads(emitter, spec)
    if dispatch is None:
        _emit_rows(emitter, spec.hit_policy, rows, skip=None)
    else:
        arguments = ", ".join(f"a{index}" for index in range(len(spec.inputs)))
        emitter.lines.append(
            f"    return _dispatch.get(a{dispatch}, _branch_rest)({arguments})"
        )
    source = "\n".join(emitter.lines) + "\n"
    code = compile(source, f"<decision table {spec.label}>", "exec")
    exec(code, emitter.namespace)  # noqa: S102 - source built from parsed, repr'd literals
    return CompiledDecision(
        label=spec.label,
        hit_policy=spec.hit_policy,
        input_codes=tuple(column.code for column in spec.inputs),
        evaluate=emitter.namespace["evaluate"],
        source=source,
    )


def _row_code(emitter: _Emitter, spec: TableSpec, row: RowSpec) -> _RowCode:
    conditions = tuple(
        condition_parse(
            row.conditions.get(column.code, ""), column.data_type, column=column.code
        )
        for column in spec.inputs
    )
    return _RowCode(
        position=row.position,
        conditions=conditions,
        tests={
            index: _condition_test(emitter, f"a{index}", condition)
            for index, condition in enumerate(conditions)
            if not condition.is_any
        },
        outputs=_outputs_literal(emitter, spec, row),
    )


def _dispatch_column(rows: list[_RowCode], input_count: int) -> int | None:
    """Pick the input column whose value best narrows the rows down with one dict lookup.

    Only columns tested by equals / in / any qualify (their matching rows per value are
    known exactly); the pick minimises the rows left to test per distinct value.
    """
    if len(rows) < _DISPATCH_MIN_ROWS:
        return None
    best: tuple[float, int] | None = None
    for index in range(input_count):
        kinds = {row.conditions[index].kind for row in rows}
        if not kinds <= _DISPATCHABLE_KINDS:
            continue
        values = {v for row in rows for v in row.conditions[index].values}
        if len(values) < 2:
            continue
        emitted = sum(len(_rows_for_value(rows, index, value)) for value in values)
        if emitted > _DISPATCH_MAX_GROWTH * len(rows):
            continue
        per_value = emitted / len(values)
        if best is None or per_value < best[0]:
            best = (per_value, index)
    return None if best is None else best[1]


def _rows_for_value(rows: list[_RowCode], index: int, value: Any) -> list[_RowCode]:
    return [
        row
        for row in rows
        if row.conditions[index].is_any or value in row.conditions[index].values
    ]


def _emit_dispatched_branches(
    emitter: _Emitter, spec: TableSpec, rows: list[_RowCode], dispatch: int
) -> None:
    """Emit one function per distinct row subset, and the value → function dict."""
    arguments = ", ".join(f"a{index}" for index in range(len(spec.inputs)))
    branch_names: dict[tuple[int, ...], str] = {}

    def branch(subset: list[_RowCode], name: str | None = None) -> str:
        ids = tuple(id(row) for row in subset)
        if ids not in branch_names:
            branch_names[ids] = name or f"_branch_{len(branch_names)}"
            emitter.lines.append(f"def {branch_names[ids]}({arguments}):")
            _emit_rows(emitter, spec.hit_policy, subset, skip=dispatch)
        return branch_names[ids]

    branch([row for row in rows if row.conditions[dispatch].is_any], "_branch_rest")
    values = dict.fromkeys(v for row in rows for v in row.conditions[dispatch].values)
    targets = {
        value: branch(_rows_for_value(rows, dispatch, value)) for value in values
    }
    emitter.lines.append(
        "_dispatch = {"
        + ", ".join(
            f"{emitter.constant(value)}: {name}" for value, name in targets.items()
        )
        + "}"
    )


def _rows_in_hit_order(spec: TableSpec) -> list[RowSpec]:
    rows = list(spec.rows)
    if spec.hit_policy == DecisionHitPolicy.PRIORITY:
        # the highest priority wins; sort is stable, so row order breaks ties
        rows.sort(key=lambda row: -row.priority)
    return rows


def _emit_input_reads(emitter: _Emitter, spec: TableSpec) -> None:
    lines = emitter.lines
    if not spec.inputs:
        return
    emitter.namespace["_missing"] = partial(
        _missing_inputs,
        label=spec.label,
        codes=tuple(column.code for column in spec.inputs),
    )
    lines.append("    try:")
    for index, column in enumerate(spec.inputs):
        lines.append(f"        a{index} = inputs[{column.code!r}]")
    lines.append("    except KeyError:")
    lines.append("        raise _missing(inputs) from None")
    for index, column in enumerate(spec.inputs):
        var = f"a{index}"
        emitter.namespace[f"_coerce{index}"] = partial(
            input_coerce, data_type=column.data_type, column=column.code
        )
        lines.append(f"    if {_TYPE_GUARDS[column.data_type].format(var=var)}:")
        lines.append(f"        {var} = _coerce{index}({var})")


def _missing_inputs(
    inputs: Mapping[str, Any], *, label: str, codes: tuple[str, ...]
) -> DecisionInputMissing:
    missing = [code for code in codes if code not in inputs]
    return DecisionInputMissing(
        f"Decision table {label} needs input {', '.join(missing)}.",
        missing=missing,
    )


def _condition_test(emitter: _Emitter, var: str, condition: Condition) -> str:
    kind = condition.kind
    if kind == ConditionKind.EQUALS:
        return f"{var} == {emitter.constant(condition.values[0])}"
    if kind == ConditionKind.NOT_EQUALS:
        return (
            f"({var} is not None and {var} != {emitter.constant(condition.values[0])})"
        )
    if kind == ConditionKind.IN:
        return f"{var} in {emitter.value_set(condition.values)}"
    if kind == ConditionKind.NOT_IN:
        return f"({var} is not None and {var} not in {emitter.value_set(condition.values)})"
    chain = var
    if condition.low is not None:
        op = "<=" if condition.low_inclusive else "<"
        chain = f"{emitter.constant(condition.low)} {op} {chain}"
    if condition.high is not None:
        op = "<=" if condition.high_inclusive else "<"
        chain = f"{chain} {op} {emitter.constant(condition.high)}"
    return f"({var} is not None and {chain})"


def _outputs_literal(emitter: _Emitter, spec: TableSpec, row: RowSpec) -> str:
    items = []
    for column in spec.outputs:
        if column.code in row.outputs:
            value = output_from_json(
                row.outputs[column.code], column.data_type, column=column.code
            )
            items.append(f"{column.code!r}: {emitter.constant(value)}")
    return "{" + ", ".join(items) + "}"


def _emit_rows(
    emitter: _Emitter, hit_policy: str, rows: list[_RowCode], *, skip: int | None
) -> None:
    """Emit the row tests of one function body; `skip` is a column already decided."""
    lines = emitter.lines
    if hit_policy == DecisionHitPolicy.COLLECT:
        lines.append("    outputs = []")
        lines.append("    positions = []")
        for row in rows:
            lines.append(f"    if {row.test(skip=skip)}:")
            lines.append(f"        outputs.append({row.outputs})")
            lines.append(f"        positions.append({row.position})")
        lines.append("    return _Result(bool(positions), outputs, tuple(positions))")
        return
    for row in rows:
        test = row.test(skip=skip)
        if test == "True":
            # a row that always matches ends the function: later rows are unreachable
            lines.append(f"    return _Result(True, {row.outputs}, ({row.position},))")
            return
        lines.append(f"    if {test}:")
        lines.append(f"        return _Result(True, {row.outputs}, ({row.position},))")
    lines.append("    return _Result(False, {}, ())")
