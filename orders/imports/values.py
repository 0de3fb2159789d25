"""Typing characteristic values read from a file as their catalog definition asks (pure).

A value that cannot be typed is left as given, so that `catalog.rules.characteristic_errors`
explains what is wrong with it in the same words as everywhere else.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.models import CharacteristicValueType
from catalog.rules import CharacteristicDefinition

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_INTEGER = re.compile(r"^[+-]?\d+$")

T = CharacteristicValueType


def characteristic_values_typed(
    *, definitions: Sequence[CharacteristicDefinition], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Return `values` with each one typed by its definition; unknown codes are kept."""
    by_code = {definition.code: definition for definition in definitions}
    typed: dict[str, Any] = {}
    for code, value in values.items():
        definition = by_code.get(code)
        typed[code] = value if definition is None else _value_typed(definition, value)
    return typed


def _value_typed(definition: CharacteristicDefinition, value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
    value_type = definition.value_type
    if value_type in (T.OBJECT, T.ADDRESS):
        return _group_typed(definition, value)
    if not isinstance(value, str):
        return _number_typed(value_type, value)
    if value_type == T.INTEGER:
        return int(value) if _INTEGER.match(value) else value
    if value_type == T.DECIMAL:
        return _decimal_typed(value)
    if value_type == T.BOOLEAN:
        return _boolean_typed(value)
    if value_type == T.CHOICE:
        return _choice_typed(definition, value)
    if value_type == T.DATE:
        return _date_typed(value)
    return value


def _group_typed(definition: CharacteristicDefinition, value: Any) -> Any:
    # A whole group may come as JSON text in one cell: {"line1": ..., "city": ...}.
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return value
    if not isinstance(value, Mapping):
        return value
    if definition.value_type == T.ADDRESS:
        return {
            str(part): text.strip() if isinstance(text, str) else text
            for part, text in value.items()
        }
    return characteristic_values_typed(definitions=definition.children, values=value)


def _number_typed(value_type: str, value: Any) -> Any:
    # JSON gives 2.0 for a whole number now and then; an integer characteristic takes it.
    if value_type == T.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _decimal_typed(value: str) -> Any:
    try:
        number = Decimal(value.replace(",", ".") if value.count(",") == 1 else value)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def _boolean_typed(value: str) -> Any:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return value


def _choice_typed(definition: CharacteristicDefinition, value: str) -> Any:
    """Return the allowed value the text names (300 for "300"), else the text."""
    for allowed in definition.allowed_values:
        if str(allowed) == value:
            return allowed
    for allowed in definition.allowed_values:
        if isinstance(allowed, str) and allowed.lower() == value.lower():
            return allowed
    return value


def _date_typed(value: str) -> Any:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        return value
