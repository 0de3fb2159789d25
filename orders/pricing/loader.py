"""Read what pricing needs from the catalog and the decision tables in a fixed number of
queries whatever the number of lines. Rows are matched on offering CODE, so a new version
of an offering keeps its prices, matrices and adjustments.

Two per-process caches keep the Python cost of an order low, as the decisions app does:
the pricing setup (published price lists, active matrices and adjustments, their
published tables) is read again after PRICING_CATALOG_TTL_SECONDS (default 5 s, 0 under
tests); the prices of a published price list never change (its lines are frozen), so
they are kept per (price list, updated_at) and per offering code.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from catalog.models import (
    ChargeType,
    LifecycleStatus,
    PriceAdjustment,
    PriceAdjustmentKind,
    PriceList,
    PriceListLine,
    PricingMatrix,
    ProductOffering,
)
from catalog.selectors import specification_characteristics_many
from decisions.models import (
    DecisionColumn,
    DecisionColumnDirection,
    DecisionTable,
    DecisionTableState,
)
from decisions.selectors import decision_table_evaluate
from orders.pricing.values import (
    MONTH,
    MONTHS_PER_YEAR,
    YEAR,
    AdjustmentRule,
    Charge,
    DecisionRule,
    MatrixRule,
    PriceListOption,
)

PRICE_LIST_SELECTION_KEY = "price_list_selection"


@dataclass(frozen=True)
class OfferingRef:
    code: str
    specification_id: int | None


@dataclass(frozen=True)
class PricingCatalog:
    """What pricing reads before it knows the price list, for one order."""

    price_lists: tuple[PriceListOption, ...]
    selection: DecisionRule | None
    matrices: tuple[MatrixRule, ...]
    adjustments: tuple[AdjustmentRule, ...]


@dataclass(frozen=True)
class _Validity:
    valid_from: datetime | None
    valid_to: datetime | None

    def covers(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_to is None or at < self.valid_to
        )


@dataclass(frozen=True)
class _Setup:
    """Every published price list, active matrix and adjustment, read at once."""

    price_lists: tuple[tuple[PriceListOption, _Validity], ...]
    selection: DecisionRule | None
    matrices: tuple[MatrixRule, ...]
    adjustments: tuple[tuple[AdjustmentRule, _Validity], ...]
    expires_at: float


_setup: list[_Setup] = []  # at most one: the current snapshot
_charges: dict[tuple[int, datetime], dict[str, Charge | None]] = {}
_CHARGES_CACHE_LIMIT = 64


def offering_refs_load(*, offering_ids: Collection[int]) -> dict[int, OfferingRef]:
    """Return the code and specification of offerings by id, in one query."""
    if not offering_ids:
        return {}
    rows = ProductOffering.objects.filter(pk__in=set(offering_ids)).values_list(
        "pk", "code", "product_specification_id"
    )
    return {pk: OfferingRef(code, spec_id) for pk, code, spec_id in rows}


def pricing_catalog_load(
    *, offering_codes: Collection[str], at: datetime
) -> PricingCatalog:
    """Return the price lists valid at `at`, and the active matrices and adjustments
    (valid at `at`) of the offerings, with their published tables."""
    setup = _setup_current()
    codes = set(offering_codes)
    return PricingCatalog(
        price_lists=tuple(
            option for option, validity in setup.price_lists if validity.covers(at)
        ),
        selection=setup.selection,
        matrices=tuple(m for m in setup.matrices if m.offering_code in codes),
        adjustments=tuple(
            adjustment
            for adjustment, validity in setup.adjustments
            if validity.covers(at) and adjustment.offering_code in codes | {""}
        ),
    )


def price_list_charges_load(
    *, price_list: PriceListOption, offering_codes: Collection[str]
) -> dict[str, Charge]:
    """Return the list prices of the offerings (by code) in one price list; one query
    for the codes not cached yet.

    Several lines for one code (older offering versions) resolve to the newest version.
    Two recurring lines of one offering (monthly and yearly) add up as one monthly price.
    """
    cache_key = (price_list.id, price_list.updated_at)
    known = _charges.get(cache_key)
    if known is None:
        if len(_charges) >= _CHARGES_CACHE_LIMIT:
            _charges.clear()
        known = _charges[cache_key] = {}
    unknown = set(offering_codes) - set(known)
    if unknown:
        loaded = _charges_query(price_list.id, unknown)
        known.update({code: loaded.get(code) for code in unknown})
    return {
        code: charge
        for code in offering_codes
        if (charge := known.get(code)) is not None
    }


def pricing_cache_clear() -> None:
    """Forget this process's pricing setup and cached prices."""
    _setup.clear()
    _charges.clear()


def _setup_current() -> _Setup:
    now = time.monotonic()
    if _setup and _setup[0].expires_at > now:
        return _setup[0]
    setup = _setup_load(expires_at=now + _ttl_seconds())
    _setup[:] = [setup]
    return setup


def _ttl_seconds() -> float:
    default = 0.0 if getattr(settings, "TESTING", False) else 5.0
    return float(getattr(settings, "PRICING_CATALOG_TTL_SECONDS", default))


def _setup_load(*, expires_at: float) -> _Setup:
    matrix_rows = _matrix_rows()
    adjustment_rows = _adjustment_rows()
    keys = {
        PRICE_LIST_SELECTION_KEY,
        *(row["decision_table_key"] for row in matrix_rows),
        *(row["decision_table_key"] for row in adjustment_rows),
    }
    rules = decision_rules_load(keys=keys)
    return _Setup(
        price_lists=_price_list_options(),
        selection=rules.get(PRICE_LIST_SELECTION_KEY),
        matrices=tuple(
            MatrixRule(
                code=row["code"],
                name=row["name"],
                offering_code=row["offering__code"],
                charge_type=row["charge_type"],
                recurring_period=row["recurring_period"],
                table_key=row["decision_table_key"],
                rule=rules.get(row["decision_table_key"]),
            )
            for row in matrix_rows
        ),
        adjustments=tuple(
            (
                AdjustmentRule(
                    code=row["code"],
                    name=row["name"],
                    kind=row["kind"],
                    offering_code=row["offering__code"] or "",
                    table_key=row["decision_table_key"],
                    rule=rules.get(row["decision_table_key"]),
                ),
                _Validity(row["valid_from"], row["valid_to"]),
            )
            for row in adjustment_rows
        ),
        expires_at=expires_at,
    )


def _charges_query(price_list_id: int, offering_codes: set[str]) -> dict[str, Charge]:
    rows = (
        PriceListLine.objects.filter(
            price_list_id=price_list_id, offering__code__in=offering_codes
        )
        .order_by("offering__version", "id")
        .values_list(
            "offering__code",
            "offering__version",
            "charge_type",
            "amount",
            "recurring_period",
        )
    )
    newest: dict[str, int] = {}
    for code, version, *_ in rows:
        newest[code] = max(version, newest.get(code, version))
    one_time: dict[str, Decimal] = {}
    recurring: dict[str, list[tuple[Decimal, str]]] = {}
    for code, version, charge_type, amount, period in rows:
        if version != newest[code]:
            continue
        if charge_type == ChargeType.ONE_TIME:
            one_time[code] = one_time.get(code, Decimal(0)) + amount
        else:
            recurring.setdefault(code, []).append((amount, period or MONTH))
    return {
        code: _charge(one_time.get(code), recurring.get(code, [])) for code in newest
    }


def characteristic_defaults_load(
    *, specification_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """Return {specification id: {characteristic code: default}} in one query."""
    ids = {spec_id for spec_id in specification_ids if spec_id is not None}
    if not ids:
        return {}
    definitions = specification_characteristics_many(specification_ids=ids)
    return {
        spec_id: {
            definition.code: definition.default_value
            for definition in spec_definitions
            if definition.default_value is not None
        }
        for spec_id, spec_definitions in definitions.items()
    }


def decision_rules_load(*, keys: Collection[str]) -> dict[str, DecisionRule]:
    """Return the published tables of `keys` with their input columns, one query
    (two when a published table has no input column); unpublished keys are absent."""
    columns = (
        DecisionColumn.objects.filter(
            table__key__in=set(keys),
            table__state=DecisionTableState.PUBLISHED,
            direction=DecisionColumnDirection.INPUT,
        )
        .select_related("table")
        .order_by("table_id", "position", "id")
    )
    tables: dict[str, DecisionTable] = {}
    codes: dict[str, list[str]] = {}
    for column in columns:
        tables[column.table.key] = column.table
        codes.setdefault(column.table.key, []).append(column.code)
    unseen = set(keys) - set(tables)
    if unseen:
        for table in DecisionTable.objects.filter(
            key__in=unseen, state=DecisionTableState.PUBLISHED
        ):
            tables[table.key] = table
    return {
        key: DecisionRule(
            key=key,
            hit_policy=table.hit_policy,
            input_codes=tuple(codes.get(key, ())),
            evaluate=_evaluator(table),
        )
        for key, table in tables.items()
    }


def _evaluator(table: DecisionTable) -> Any:
    # The decisions app compiles a published version once per process and caches it.
    def evaluate(inputs: Mapping[str, Any]) -> Any:
        return decision_table_evaluate(table=table, inputs=inputs)

    return evaluate


def _charge(one_time: Decimal | None, recurring: list[tuple[Decimal, str]]) -> Charge:
    if not recurring:
        return Charge(one_time=one_time)
    if len(recurring) == 1:
        amount, period = recurring[0]
        return Charge(one_time=one_time, recurring=amount, recurring_period=period)
    monthly = sum(
        (amount / MONTHS_PER_YEAR if period == YEAR else amount)
        for amount, period in recurring
    )
    return Charge(one_time=one_time, recurring=Decimal(monthly), recurring_period=MONTH)


def _price_list_options() -> tuple[tuple[PriceListOption, _Validity], ...]:
    rows = (
        PriceList.objects.filter(lifecycle_status=LifecycleStatus.PUBLISHED)
        .order_by("code")
        .values_list(
            "pk", "code", "currency", "segment", "updated_at", "valid_from", "valid_to"
        )
    )
    return tuple(
        (
            PriceListOption(pk, code, currency, segment, updated_at),
            _Validity(valid_from, valid_to),
        )
        for pk, code, currency, segment, updated_at, valid_from, valid_to in rows
    )


def _matrix_rows() -> list[dict[str, Any]]:
    return list(
        PricingMatrix.objects.filter(is_active=True)
        .order_by("code")
        .values(
            "code",
            "name",
            "offering__code",
            "charge_type",
            "recurring_period",
            "decision_table_key",
        )
    )


def _adjustment_rows() -> list[dict[str, Any]]:
    return list(
        PriceAdjustment.objects.filter(is_active=True)
        .exclude(kind=PriceAdjustmentKind.MANUAL_THRESHOLD)
        .order_by("priority", "code")
        .values(
            "code",
            "name",
            "kind",
            "offering__code",
            "decision_table_key",
            "valid_from",
            "valid_to",
        )
    )
