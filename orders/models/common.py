"""Shared pieces of the orders models: display numbers, currency and money fields."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models

ACCOUNT_NUMBER_PREFIX = "ACC"
ORDER_NUMBER_PREFIX = "ORD"

currency_validator = RegexValidator(
    r"^[A-Z]{3}$", "Enter an ISO 4217 code such as EUR."
)


def display_number(*, prefix: str, pk: int) -> str:
    """Return the display number for a primary key: ORD0001001 for prefix ORD and pk 1."""
    return f"{prefix}{pk + 1000:07d}"


def money_field() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=4, default=Decimal("0"))
