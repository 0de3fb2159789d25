"""Plain values of pricing: what the engine takes and returns, constants and rounding.

Money is Decimal: totals are rounded half up to cents, stored unit amounts to 4 decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")  # the precision of the stored unit amounts
ZERO = Decimal("0")
HUNDRED = Decimal("100")
MONTHS_PER_YEAR = 12
DEFAULT_TERM_MONTHS = 12

MONTH, YEAR = "month", "year"
ONE_TIME, RECURRING = "one_time", "recurring"
CONTRACT_TERM = "contract_term"

# Kinds of the entries recorded in a line's `adjustments`.
KIND_MATRIX = "matrix"
KIND_MANUAL = "manual"
KIND_NOTE = "note"
SOURCE_MANUAL = "manual"
SOURCE_PRICING = "pricing"

# Input names every table may use besides the line's characteristic codes.
LINE_VOCABULARY = frozenset(
    {"offering", "quantity", "channel", "segment", "customer", "currency", "order_date"}
)


@dataclass(frozen=True)
class DecisionRule:
    """A published decision table: its key, hit policy, input column codes, function."""

    key: str
    hit_policy: str
    input_codes: tuple[str, ...]
    evaluate: Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True)
class PricingParty:
    """Who buys, how and when: the order-level inputs of every decision table."""

    customer: str
    segment: str
    channel: str
    currency: str
    order_date: date


@dataclass(frozen=True)
class PriceListOption:
    id: int
    code: str
    currency: str
    segment: str  # blank: every segment
    updated_at: datetime | None = None  # identifies the version's (frozen) prices


@dataclass(frozen=True)
class Charge:
    """An offering's list prices in the chosen price list (None: no such charge)."""

    one_time: Decimal | None = None
    recurring: Decimal | None = None
    recurring_period: str = ""


@dataclass(frozen=True)
class MatrixRule:
    code: str
    name: str
    offering_code: str
    charge_type: str
    recurring_period: str
    table_key: str
    rule: DecisionRule | None  # None: the table has no published version


@dataclass(frozen=True)
class AdjustmentRule:
    code: str
    name: str
    kind: str
    offering_code: str  # blank: every offering
    table_key: str
    rule: DecisionRule | None  # None: the table has no published version


@dataclass(frozen=True)
class LineToPrice:
    """One order line as pricing sees it; `parent_key` names its bundle parent."""

    key: int
    parent_key: int | None
    offering_code: str | None
    quantity: int
    characteristics: Mapping[str, Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # Why the line carries no charge (a delete line, a canceled line), or blank.
    no_charge_reason: str = ""


@dataclass(frozen=True)
class ManualDiscount:
    percent: Decimal
    reason: str


@dataclass(frozen=True)
class LinePrice:
    """A priced line: unit amounts in the charge's period, totals rolled up to parents."""

    key: int
    one_time_list_price: Decimal
    recurring_list_price: Decimal
    one_time_amount: Decimal
    recurring_amount: Decimal
    recurring_period: str
    adjustments: tuple[dict[str, Any], ...]
    one_time_total: Decimal
    recurring_total: Decimal  # monthly
    own_one_time_total: Decimal
    own_recurring_total: Decimal
    term_months: int


@dataclass(frozen=True)
class OrderPrice:
    lines: tuple[LinePrice, ...]
    one_time_total: Decimal
    monthly_recurring_total: Decimal
    annual_total: Decimal
    total_contract_value: Decimal


def money_round(value: Decimal) -> Decimal:
    """Round a total to cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def unit_round(value: Decimal) -> Decimal:
    """Round a unit amount to the stored precision (4 decimals), half up."""
    return value.quantize(UNIT, rounding=ROUND_HALF_UP)
