"""Builders of pricing data: published decision tables, price lists, matrices, adjustments."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from catalog.models import (
    ChargeType,
    PriceAdjustment,
    PriceList,
    PricingMatrix,
    ProductOffering,
    RecurringPeriod,
)
from catalog.services import price_adjustment_create, pricing_matrix_create
from decisions.models import DecisionTable
from decisions.services import (
    decision_column_add,
    decision_row_add,
    decision_table_create,
    decision_table_publish,
)
from ordermgmt.actor import Actor
from tests.catalog.factories import PriceListFactory, PriceListLineFactory

ACTOR = Actor.job("pricing-tests")


def published_table(
    key: str,
    *,
    inputs: Sequence[tuple[str, str]],
    outputs: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Sequence[str], Sequence[Any]]],
    hit_policy: str = "first",
) -> DecisionTable:
    """Build and publish a decision table through the decisions services."""
    table = decision_table_create(
        key=key, name=key.replace("_", " "), hit_policy=hit_policy, actor=ACTOR
    )
    for direction, columns in (("input", inputs), ("output", outputs)):
        for code, data_type in columns:
            decision_column_add(
                table_id=table.pk,
                direction=direction,
                code=code,
                data_type=data_type,
                actor=ACTOR,
            )
    input_codes = [code for code, _ in inputs]
    output_codes = [code for code, _ in outputs]
    for conditions, values in rows:
        decision_row_add(
            table_id=table.pk,
            conditions=dict(zip(input_codes, conditions, strict=True)),
            outputs=dict(zip(output_codes, values, strict=True)),
            actor=ACTOR,
        )
    return decision_table_publish(table_id=table.pk, actor=ACTOR)


def price_list(
    code: str,
    *,
    prices: Sequence[tuple[ProductOffering, str, str]] = (),
    currency: str = "EUR",
    segment: str = "",
    **fields: Any,
) -> PriceList:
    """A published price list with (offering, charge type, amount) lines; a recurring
    charge type may be written "recurring/year" for a yearly price."""
    built = PriceListFactory(
        code=code, currency=currency, segment=segment, published=True, **fields
    )
    for offering, charge, amount in prices:
        charge_type, _, period = charge.partition("/")
        if charge_type == ChargeType.RECURRING and not period:
            period = RecurringPeriod.MONTH
        PriceListLineFactory(
            price_list=built,
            offering=offering,
            charge_type=charge_type,
            amount=Decimal(amount),
            recurring_period=period,
        )
    return built


def pricing_matrix(
    code: str,
    *,
    offering: ProductOffering,
    key: str,
    charge_type: str = ChargeType.RECURRING,
    recurring_period: str = RecurringPeriod.MONTH,
) -> PricingMatrix:
    return pricing_matrix_create(
        code=code,
        name=f"Matrix {code}",
        offering_id=offering.pk,
        charge_type=charge_type,
        recurring_period=recurring_period
        if charge_type == ChargeType.RECURRING
        else "",
        decision_table_key=key,
        actor=ACTOR,
    )


def price_adjustment(
    code: str, *, kind: str, key: str, **fields: Any
) -> PriceAdjustment:
    return price_adjustment_create(
        code=code,
        name=f"Adjustment {code}",
        kind=kind,
        decision_table_key=key,
        actor=ACTOR,
        **fields,
    )
