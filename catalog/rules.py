"""Pure checks of characteristic values against their specifications (no ORM, no clock).

Callers pass `CharacteristicDefinition`s (see `catalog.selectors.specification_characteristics`)
or any objects with the same attributes whose `children` is a plain sequence.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from catalog.models import CharacteristicValueType

ADDRESS_REQUIRED_FIELDS: tuple[str, ...] = ("line1", "city", "postcode", "country")
ADDRESS_OPTIONAL_FIELDS: tuple[str, ...] = ("line2", "region")

Errors = dict[str, list[str]]


class CharacteristicLike(Protocol):
    code: str
    name: str
    value_type: str
    allowed_values: Sequence[Any]
    default_value: Any
    is_mandatory: bool
    is_customer_configurable: bool
    min_value: Decimal | None
    max_value: Decimal | None
    unit: str

    @property
    def children(self) -> Sequence[CharacteristicLike]: ...


@dataclass(frozen=True)
class CharacteristicDefinition:
    """A characteristic and its children as plain values, ready for the rules below."""

    code: str
    name: str
    value_type: str
    allowed_values: tuple[Any, ...] = ()
    default_value: Any = None
    is_mandatory: bool = False
    is_customer_configurable: bool = True
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    unit: str = ""
    position: int = 0
    id: int | None = None
    children: tuple[CharacteristicDefinition, ...] = field(default=())


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _as_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return None
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _label(char: CharacteristicLike) -> str:
    return f"{char.name} ({char.code})" if char.name else char.code


def _allowed_text(char: CharacteristicLike) -> str:
    return ", ".join(str(v) for v in char.allowed_values)


def _number_text(number: Decimal) -> str:
    return format(Decimal(number).normalize(), "f")


def _range_errors(char: CharacteristicLike, number: Decimal) -> list[str]:
    unit = f" {char.unit}" if char.unit else ""
    if char.min_value is not None and number < Decimal(char.min_value):
        return [
            f"{_label(char)} must be at least {_number_text(char.min_value)}{unit}."
        ]
    if char.max_value is not None and number > Decimal(char.max_value):
        return [f"{_label(char)} must be at most {_number_text(char.max_value)}{unit}."]
    return []


def _in_allowed(char: CharacteristicLike, value: Any) -> bool:
    allowed = list(char.allowed_values)
    if char.value_type in (
        CharacteristicValueType.INTEGER,
        CharacteristicValueType.DECIMAL,
    ):
        number = _as_decimal(value)
        return number is not None and number in {_as_decimal(v) for v in allowed}
    return value in allowed or str(value) in {str(v) for v in allowed}


def _allowed_errors(char: CharacteristicLike, value: Any) -> list[str]:
    if char.allowed_values and not _in_allowed(char, value):
        return [f"{_label(char)} must be one of: {_allowed_text(char)}."]
    return []


def _text_errors(char: CharacteristicLike, value: Any) -> list[str]:
    if not isinstance(value, str):
        return [f"{_label(char)} must be text."]
    return _allowed_errors(char, value)


def _integer_errors(char: CharacteristicLike, value: Any) -> list[str]:
    number = _as_integer(value)
    if number is None:
        return [f"{_label(char)} must be a whole number, for example 10."]
    return _allowed_errors(char, number) or _range_errors(char, Decimal(number))


def _decimal_errors(char: CharacteristicLike, value: Any) -> list[str]:
    number = _as_decimal(value)
    if number is None:
        return [f"{_label(char)} must be a number, for example 12.5."]
    return _allowed_errors(char, number) or _range_errors(char, number)


def _boolean_errors(char: CharacteristicLike, value: Any) -> list[str]:
    if isinstance(value, bool):
        return []
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return []
    return [f"{_label(char)} must be yes or no (true or false)."]


def _choice_errors(char: CharacteristicLike, value: Any) -> list[str]:
    if not char.allowed_values:
        return [f"{_label(char)} has no choices defined; ask a catalog administrator."]
    if not _in_allowed(char, value):
        return [f"{_label(char)} must be one of: {_allowed_text(char)}."]
    return []


def _date_errors(char: CharacteristicLike, value: Any) -> list[str]:
    if _as_date(value) is None:
        return [f"{_label(char)} must be a date written YYYY-MM-DD, e.g. 2025-01-31."]
    return []


def _address_errors(char: CharacteristicLike, value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        required = ", ".join(ADDRESS_REQUIRED_FIELDS)
        return [f"{_label(char)} must be an address with {required}."]
    errors = [
        f"{_label(char)} needs a {name}."
        for name in ADDRESS_REQUIRED_FIELDS
        if not isinstance(value.get(name), str) or _is_blank(value.get(name))
    ]
    known = set(ADDRESS_REQUIRED_FIELDS) | set(ADDRESS_OPTIONAL_FIELDS)
    unknown = sorted(str(key) for key in value if key not in known)
    if unknown:
        errors.append(
            f"{_label(char)} has unknown address parts: {', '.join(unknown)}; "
            f"use {', '.join(sorted(known))}."
        )
    return errors


_SCALAR_CHECKS = {
    CharacteristicValueType.TEXT: _text_errors,
    CharacteristicValueType.INTEGER: _integer_errors,
    CharacteristicValueType.DECIMAL: _decimal_errors,
    CharacteristicValueType.BOOLEAN: _boolean_errors,
    CharacteristicValueType.CHOICE: _choice_errors,
    CharacteristicValueType.DATE: _date_errors,
    CharacteristicValueType.ADDRESS: _address_errors,
}


def _value_errors(
    char: CharacteristicLike, value: Any, *, path: str, configurable_only: bool
) -> Errors:
    if char.value_type == CharacteristicValueType.OBJECT:
        if not isinstance(value, Mapping):
            return {path: [f"{_label(char)} must be a group of values (an object)."]}
        return _errors_at(
            characteristics=char.children,
            values=value,
            prefix=f"{path}.",
            configurable_only=configurable_only,
        )
    check = _SCALAR_CHECKS.get(char.value_type)  # type: ignore[call-overload]
    if check is None:
        return {path: [f"{_label(char)} has an unknown type {char.value_type!r}."]}
    messages = check(char, value)
    return {path: messages} if messages else {}


def _errors_at(
    *,
    characteristics: Sequence[CharacteristicLike],
    values: Mapping[str, Any],
    prefix: str,
    configurable_only: bool,
) -> Errors:
    by_code = {char.code: char for char in characteristics}
    errors: Errors = {}
    for code in values:
        if code not in by_code:
            known = ", ".join(sorted(by_code)) or "none"
            errors[f"{prefix}{code}"] = [
                f"Unknown characteristic '{code}'; the known ones are: {known}."
            ]
    for char in characteristics:
        path = f"{prefix}{char.code}"
        value = values.get(char.code)
        if _is_blank(value):
            if char.is_mandatory and char.default_value is None:
                errors[path] = [f"{_label(char)} is required; enter a value."]
            continue
        if configurable_only and not char.is_customer_configurable:
            errors[path] = [
                f"{_label(char)} is set by the provider and cannot be chosen here."
            ]
            continue
        errors.update(
            _value_errors(char, value, path=path, configurable_only=configurable_only)
        )
    return errors


def characteristic_errors(
    *,
    characteristics: Sequence[CharacteristicLike],
    values: Mapping[str, Any],
    configurable_only: bool = False,
) -> Errors:
    """Return messages per characteristic code (dotted for object children) for bad values.

    Empty when every value fits. A missing mandatory characteristic is an error unless
    it has a default. With `configurable_only`, values for characteristics that are not
    customer-configurable are refused (for the portal and order capture by customers).
    """
    if not isinstance(values, Mapping):
        return {
            "__all__": ["Characteristic values must be a mapping of code to value."]
        }
    return _errors_at(
        characteristics=characteristics,
        values=values,
        prefix="",
        configurable_only=configurable_only,
    )


def characteristic_defaults(
    *, characteristics: Sequence[CharacteristicLike]
) -> dict[str, Any]:
    """Return the default values by code; an object's children give a nested mapping."""
    defaults: dict[str, Any] = {}
    for char in characteristics:
        if char.value_type == CharacteristicValueType.OBJECT:
            nested = characteristic_defaults(characteristics=char.children)
            if char.default_value is not None:
                defaults[char.code] = char.default_value
            elif nested:
                defaults[char.code] = nested
        elif char.default_value is not None:
            defaults[char.code] = char.default_value
    return defaults


def characteristic_values_with_defaults(
    *, characteristics: Sequence[CharacteristicLike], values: Mapping[str, Any]
) -> dict[str, Any]:
    """Return `values` with the defaults filled in where a value is missing."""
    merged: dict[str, Any] = dict(values)
    for char in characteristics:
        given = merged.get(char.code)
        if char.value_type == CharacteristicValueType.OBJECT and (
            given is None or isinstance(given, Mapping)
        ):
            nested = characteristic_values_with_defaults(
                characteristics=char.children, values=given or {}
            )
            if nested or given is not None:
                merged[char.code] = nested
            elif char.default_value is not None:
                merged[char.code] = char.default_value
        elif given is None and char.default_value is not None:
            merged[char.code] = char.default_value
    return merged
