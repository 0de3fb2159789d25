"""Condition cells and typed values: the unary-test text an admin types, parsed and checked.

Grammar of one condition cell (the column's data type decides how values read):

    (empty) or -            any value, including no value
    gold   "gold"   = gold  equals
    != gold                 not equals
    in (gold, silver)       one of the list
    not in (gold, silver)   none of the list
    [10..100] [10..] [..100]  inclusive range, an open end allowed (integer, decimal, date)
    >= 5   > 5   <= 5   < 5   comparisons (integer, decimal, date)

Text values may be double-quoted (needed for commas, brackets or a leading operator);
inside quotes, \\" is a quote and \\\\ a backslash. An input with no value (None) matches only
"any". Everything here is pure: no ORM, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from decisions.exceptions import (
    DecisionConditionInvalid,
    DecisionInputTypeMismatch,
    DecisionOutputInvalid,
)
from decisions.models import DecisionDataType

ORDERED_TYPES = frozenset(
    {DecisionDataType.INTEGER, DecisionDataType.DECIMAL, DecisionDataType.DATE}
)
_TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0"})
_ANY_TEXTS = frozenset({"", "-"})
_RANGE = re.compile(r"^\[\s*(?P<low>[^\]]*?)\s*\.\.\s*(?P<high>[^\]]*?)\s*\]$")
_COMPARISON = re.compile(r"^(?P<op>>=|<=|>|<)\s*(?P<value>.+)$")
_LIST = re.compile(
    r"^(?P<negated>not\s+)?in\s*\((?P<items>.*)\)$", re.IGNORECASE | re.S
)
_LIST_START = re.compile(r"^(not\s+)?in\s*\(", re.IGNORECASE)
_NEEDS_QUOTES = re.compile(
    r'^$|^-$|[,()\[\]"\\]|^\s|\s$|^(!=|=|<|>|in\b|not\s+in\b)', re.I
)


class ConditionKind(StrEnum):
    ANY = "any"
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    IN = "in"
    NOT_IN = "not_in"
    RANGE = "range"


@dataclass(frozen=True)
class Condition:
    """A parsed condition cell; `values` for equals / in kinds, bounds for ranges."""

    kind: ConditionKind
    values: tuple[Any, ...] = ()
    low: Any = None
    high: Any = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    @property
    def is_any(self) -> bool:
        return self.kind == ConditionKind.ANY


ANY = Condition(kind=ConditionKind.ANY)


# --- Typed values ---------------------------------------------------------------------


def value_parse(text: str, data_type: str) -> Any:
    """Read one literal typed by an admin as `data_type`; raise ValueError with a reason."""
    if data_type == DecisionDataType.TEXT:
        return _unquote(text)
    bare = _unquote(text).strip()
    if data_type == DecisionDataType.INTEGER:
        if not re.fullmatch(r"[+-]?\d+", bare):
            raise ValueError(f"{text!r} is not a whole number")
        return int(bare)
    if data_type == DecisionDataType.DECIMAL:
        try:
            number = Decimal(bare)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a decimal number") from None
        if not number.is_finite():
            raise ValueError(f"{text!r} is not a finite number")
        return number
    if data_type == DecisionDataType.BOOLEAN:
        word = bare.lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError(f"{text!r} is not true or false")
    if data_type == DecisionDataType.DATE:
        try:
            return date.fromisoformat(bare)
        except ValueError:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    raise ValueError(f"unknown data type {data_type!r}")


def value_format(value: Any, data_type: str) -> str:
    """Write a typed value back as the text an admin would type for it."""
    if data_type == DecisionDataType.TEXT:
        text = str(value)
        return _quote(text) if _NEEDS_QUOTES.search(text) else text
    if data_type == DecisionDataType.BOOLEAN:
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _unquote(text: str) -> str:
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == '"' and stripped[-1] == '"':
        inner = stripped[1:-1]
        if re.search(r'(?<!\\)(\\\\)*"', inner):
            raise ValueError(f"{text!r} has an unescaped quote inside the quotes")
        return re.sub(r"\\(.)", r"\1", inner)
    if '"' in stripped:
        raise ValueError(f"{text!r} has an unbalanced quote")
    return stripped


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _split_list(items: str) -> list[str]:
    """Split a list body on commas outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in items:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    if quoted:
        raise ValueError("the list has an unclosed quote")
    parts.append("".join(current))
    return parts


# --- Conditions -----------------------------------------------------------------------


def condition_parse(text: str, data_type: str, *, column: str = "") -> Condition:
    """Parse one condition cell for a column of `data_type`; raise DecisionConditionInvalid."""
    try:
        return _condition_parse(str(text).strip(), data_type)
    except ValueError as exc:
        where = f"Column {column}: " if column else ""
        raise DecisionConditionInvalid(
            f"{where}cannot read condition {str(text).strip()!r}: {exc}.",
            column=column,
            condition=str(text),
        ) from None


def _condition_parse(text: str, data_type: str) -> Condition:
    if text in _ANY_TEXTS:
        return ANY
    if text.startswith("!="):
        return Condition(
            kind=ConditionKind.NOT_EQUALS,
            values=(_literal(text[2:], data_type),),
        )
    list_match = _LIST.match(text)
    if list_match:
        return _list_condition(list_match, data_type)
    if _LIST_START.match(text):
        raise ValueError("a list reads in (a, b) or not in (a, b)")
    if text.startswith("["):
        return _range_condition(text, data_type)
    comparison = _COMPARISON.match(text)
    if comparison:
        return _comparison_condition(comparison["op"], comparison["value"], data_type)
    if text.startswith("=") and not text.startswith("=="):
        text = text[1:]
    return Condition(kind=ConditionKind.EQUALS, values=(_literal(text, data_type),))


def _literal(text: str, data_type: str) -> Any:
    if not text.strip():
        raise ValueError("a value is missing after the operator")
    return value_parse(text, data_type)


def _list_condition(match: re.Match[str], data_type: str) -> Condition:
    items = [item for item in _split_list(match["items"]) if item.strip()]
    if not items:
        raise ValueError("the list is empty")
    values = tuple(dict.fromkeys(_literal(item, data_type) for item in items))
    kind = ConditionKind.NOT_IN if match["negated"] else ConditionKind.IN
    return Condition(kind=kind, values=values)


def _range_condition(text: str, data_type: str) -> Condition:
    _require_ordered(data_type, "a range")
    match = _RANGE.match(text)
    if not match:
        raise ValueError("a range reads [low..high], [low..] or [..high]")
    low = _literal(match["low"], data_type) if match["low"] else None
    high = _literal(match["high"], data_type) if match["high"] else None
    if low is None and high is None:
        raise ValueError("a range needs at least one bound; use - for any value")
    if low is not None and high is not None and low > high:
        raise ValueError(f"the low bound {low} is above the high bound {high}")
    return Condition(kind=ConditionKind.RANGE, low=low, high=high)


def _comparison_condition(op: str, text: str, data_type: str) -> Condition:
    _require_ordered(data_type, f"the comparison {op}")
    value = _literal(text, data_type)
    if op in (">", ">="):
        return Condition(kind=ConditionKind.RANGE, low=value, low_inclusive=op == ">=")
    return Condition(kind=ConditionKind.RANGE, high=value, high_inclusive=op == "<=")


def _require_ordered(data_type: str, what: str) -> None:
    if data_type not in ORDERED_TYPES:
        raise ValueError(
            f"{what} needs an integer, decimal or date column, not {data_type}"
            + (_TEXT_QUOTE_HINT if data_type == DecisionDataType.TEXT else "")
        )


_TEXT_QUOTE_HINT = '; quote the text to match it literally, e.g. "[a]"'


def condition_format(condition: Condition, data_type: str) -> str:
    """Write a condition in its canonical text (what the admin sees after saving)."""
    kind = condition.kind
    if kind == ConditionKind.ANY:
        return "-"
    if kind == ConditionKind.EQUALS:
        return value_format(condition.values[0], data_type)
    if kind == ConditionKind.NOT_EQUALS:
        return "!= " + value_format(condition.values[0], data_type)
    if kind in (ConditionKind.IN, ConditionKind.NOT_IN):
        items = ", ".join(value_format(value, data_type) for value in condition.values)
        return ("not in" if kind == ConditionKind.NOT_IN else "in") + f" ({items})"
    return _range_format(condition, data_type)


def _range_format(condition: Condition, data_type: str) -> str:
    low, high = condition.low, condition.high
    if low is not None and high is not None:
        return f"[{value_format(low, data_type)}..{value_format(high, data_type)}]"
    if low is not None:
        op = ">=" if condition.low_inclusive else ">"
        return f"{op} {value_format(low, data_type)}"
    op = "<=" if condition.high_inclusive else "<"
    return f"{op} {value_format(high, data_type)}"


# --- Inputs at evaluation time --------------------------------------------------------


def input_coerce(value: Any, data_type: str, *, column: str) -> Any:
    """Read an evaluation input as `data_type` (None stays None); raise a type mismatch."""
    if value is None:
        return None
    try:
        return _input_coerce(value, data_type)
    except (ValueError, TypeError):
        raise DecisionInputTypeMismatch(
            f"Input {column} must be {_TYPE_WORDS[data_type]}; got {value!r}.",
            column=column,
            data_type=data_type,
        ) from None


_TYPE_WORDS = {
    DecisionDataType.TEXT: "text",
    DecisionDataType.INTEGER: "a whole number",
    DecisionDataType.DECIMAL: "a number",
    DecisionDataType.BOOLEAN: "true or false",
    DecisionDataType.DATE: "a date (a date object or YYYY-MM-DD)",
}


def _input_coerce(value: Any, data_type: str) -> Any:
    if data_type == DecisionDataType.TEXT:
        if isinstance(value, str):
            return str(value)
        raise TypeError
    if isinstance(value, bool):
        if data_type == DecisionDataType.BOOLEAN:
            return value
        raise TypeError
    if data_type == DecisionDataType.INTEGER:
        if isinstance(value, int):
            return int(value)
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        if isinstance(value, str):
            return value_parse(value, data_type)
        raise TypeError
    if data_type == DecisionDataType.DECIMAL:
        if isinstance(value, int | Decimal):
            return value
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            return value_parse(value, data_type)
        raise TypeError
    if data_type == DecisionDataType.BOOLEAN:
        if isinstance(value, str):
            return value_parse(value, data_type)
        raise TypeError
    if data_type == DecisionDataType.DATE:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            return value_parse(value, data_type)
        raise TypeError
    raise TypeError


# --- Output cells ---------------------------------------------------------------------


def output_to_json(value: Any, data_type: str, *, column: str) -> Any:
    """Check one output value (typed, or text as an admin typed it) and make it JSON-safe."""
    try:
        if data_type == DecisionDataType.TEXT and isinstance(value, str):
            typed = _output_text(value)
        else:
            typed = value_parse(value, data_type) if isinstance(value, str) else value
        typed = _input_coerce(typed, data_type)
    except (ValueError, TypeError):
        raise DecisionOutputInvalid(
            f"Output {column} must be {_TYPE_WORDS[data_type]}; got {value!r}.",
            column=column,
            value=str(value),
        ) from None
    if data_type == DecisionDataType.DECIMAL:
        return str(typed)
    if data_type == DecisionDataType.DATE:
        return typed.isoformat()
    return typed


def _output_text(value: str) -> str:
    """Output text is taken as typed; surrounding double quotes are optional."""
    stripped = value.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
        return _unquote(stripped)
    return stripped


def output_format(value: Any, data_type: str) -> str:
    """Write a stored output value as the text an admin would type for it."""
    typed = output_from_json(value, data_type, column="")
    if data_type == DecisionDataType.TEXT:
        return typed
    return value_format(typed, data_type)


def output_from_json(value: Any, data_type: str, *, column: str) -> Any:
    """Turn a stored output value back into its Python type (Decimal, date, ...)."""
    if data_type == DecisionDataType.TEXT:
        if isinstance(value, str):
            return value
        raise DecisionOutputInvalid(
            f"Output {column} must be text; got {value!r}.", column=column
        )
    try:
        return _input_coerce(value, data_type)
    except (ValueError, TypeError):
        raise DecisionOutputInvalid(
            f"Output {column} must be {_TYPE_WORDS[data_type]}; got {value!r}.",
            column=column,
            value=str(value),
        ) from None
