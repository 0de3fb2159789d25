"""Price an order in memory: load the catalog data, run the engine, set the price fields.

The caller (a service, inside its transaction) saves what this sets:
`order.save(update_fields=PRICE_FIELDS_ORDER)` and
`CustomerOrderLine.objects.bulk_update(lines, PRICE_FIELDS_LINE)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from orders.models import CustomerOrder, CustomerOrderLine, LineAction, LineState
from orders.pricing.engine import order_price, price_list_choose
from orders.pricing.exceptions import PricesFrozen
from orders.pricing.loader import (
    OfferingRef,
    characteristic_defaults_load,
    offering_refs_load,
    price_list_charges_load,
    pricing_catalog_load,
)
from orders.pricing.values import (
    LINE_VOCABULARY,
    LinePrice,
    LineToPrice,
    ManualDiscount,
    MatrixRule,
    OrderPrice,
    PricingParty,
)

PRICE_FIELDS_ORDER: tuple[str, ...] = (
    "currency",
    "price_list_code",
    "priced_at",
    "one_time_total",
    "monthly_recurring_total",
    "annual_total",
    "total_contract_value",
    "updated_at",
)
PRICE_FIELDS_LINE: tuple[str, ...] = (
    "currency",
    "one_time_list_price",
    "recurring_list_price",
    "one_time_amount",
    "recurring_amount",
    "recurring_period",
    "adjustments",
    "one_time_total",
    "recurring_total",
)

# Actions that bring a charge; the others (delete, suspend, resume, no change) price at
# zero: billing of what the customer already owns is not this order's to change.
CHARGED_ACTIONS = frozenset({LineAction.ADD, LineAction.CHANGE})


def order_pricing_apply(
    *, order: CustomerOrder, lines: Sequence[CustomerOrderLine], at: datetime
) -> None:
    """Compute and set the prices of an order and its lines in memory; refuse when frozen.

    `lines` are every line of the order (children with their bundle parents);
    `order.account` should be select_related. Reads a fixed number of queries.
    """
    if order.price_frozen_at is not None:
        raise PricesFrozen(
            f"The prices of {order} were frozen at approval.",
            frozen_at=order.price_frozen_at.isoformat(),
        )
    refs = _offering_refs(lines)
    codes = {ref.code for ref in refs.values()}
    account = order.account
    party = PricingParty(
        customer=account.number or "",
        segment=account.segment,
        channel=order.channel,
        currency=account.currency,
        order_date=timezone.localtime(at).date(),
    )
    catalog = pricing_catalog_load(offering_codes=codes, at=at)
    price_list = price_list_choose(
        options=catalog.price_lists, selection=catalog.selection, party=party
    )
    charges = price_list_charges_load(price_list=price_list, offering_codes=codes)
    defaults = characteristic_defaults_load(
        specification_ids=_specifications_lacking_matrix_inputs(
            lines, refs, catalog.matrices
        )
    )
    priced = order_price(
        party=party,
        lines=_lines_to_price(lines, refs, defaults),
        charges=charges,
        matrices=catalog.matrices,
        adjustments=catalog.adjustments,
        manual=ManualDiscount(
            percent=order.discount_percent or Decimal(0),
            reason=order.discount_reason,
        ),
    )
    _order_fields_set(order, priced, price_list.code, price_list.currency, at)
    for line, price in zip(lines, priced.lines, strict=True):
        _line_fields_set(line, price, price_list.currency)


def _offering_refs(lines: Sequence[CustomerOrderLine]) -> dict[int, OfferingRef]:
    """Offering code and specification per line index; one query unless the callers
    loaded the offerings already."""
    refs: dict[int, OfferingRef] = {}
    unloaded: dict[int, int] = {}
    for index, line in enumerate(lines):
        if line.offering_id is None:
            continue
        if CustomerOrderLine.offering.is_cached(line):
            offering = line.offering
            refs[index] = OfferingRef(offering.code, offering.product_specification_id)
        else:
            unloaded[index] = line.offering_id
    loaded = offering_refs_load(offering_ids=set(unloaded.values()))
    for index, offering_id in unloaded.items():
        if offering_id in loaded:
            refs[index] = loaded[offering_id]
    for index, line in enumerate(lines):
        if index in refs and line.specification_id is not None:
            refs[index] = OfferingRef(refs[index].code, line.specification_id)
    return refs


def _specifications_lacking_matrix_inputs(
    lines: Sequence[CustomerOrderLine],
    refs: dict[int, OfferingRef],
    matrices: Sequence[MatrixRule],
) -> set[int]:
    """Specifications whose defaults a matrix needs: a line lacks one of its inputs."""
    inputs_by_code: dict[str, set[str]] = {}
    for matrix in matrices:
        if matrix.rule is not None:
            inputs_by_code.setdefault(matrix.offering_code, set()).update(
                matrix.rule.input_codes
            )
    lacking = set()
    for index, ref in refs.items():
        needed = inputs_by_code.get(ref.code, set()) - LINE_VOCABULARY
        characteristics = lines[index].characteristics or {}
        if ref.specification_id is not None and any(
            characteristics.get(code) is None for code in needed
        ):
            lacking.add(ref.specification_id)
    return lacking


def _lines_to_price(
    lines: Sequence[CustomerOrderLine],
    refs: dict[int, OfferingRef],
    defaults: dict[int, dict[str, Any]],
) -> list[LineToPrice]:
    # Parents are known by object (unsaved lines in capture) or by primary key.
    index_of_object = {id(line): index for index, line in enumerate(lines)}
    index_of_pk = {line.pk: index for index, line in enumerate(lines) if line.pk}
    result = []
    for index, line in enumerate(lines):
        parent_index = None
        if CustomerOrderLine.parent_line.is_cached(line) and line.parent_line:
            parent_index = index_of_object.get(id(line.parent_line))
        if parent_index is None and line.parent_line_id is not None:
            parent_index = index_of_pk.get(line.parent_line_id)
        ref = refs.get(index)
        result.append(
            LineToPrice(
                key=index,
                parent_key=parent_index,
                offering_code=ref.code if ref else None,
                quantity=line.quantity,
                characteristics=line.characteristics or {},
                defaults=defaults.get(ref.specification_id or 0, {}) if ref else {},
                no_charge_reason=_no_charge_reason(line),
            )
        )
    return result


def _no_charge_reason(line: CustomerOrderLine) -> str:
    if line.state == LineState.CANCELED:
        return "The line is canceled; priced at zero."
    if line.action not in CHARGED_ACTIONS:
        return f"A {line.action} line carries no charge; priced at zero."
    return ""


def _order_fields_set(
    order: CustomerOrder,
    priced: OrderPrice,
    price_list_code: str,
    currency: str,
    at: datetime,
) -> None:
    order.price_list_code = price_list_code
    order.currency = currency
    order.priced_at = at
    order.one_time_total = priced.one_time_total
    order.monthly_recurring_total = priced.monthly_recurring_total
    order.annual_total = priced.annual_total
    order.total_contract_value = priced.total_contract_value


def _line_fields_set(line: CustomerOrderLine, price: LinePrice, currency: str) -> None:
    line.currency = currency
    line.one_time_list_price = price.one_time_list_price
    line.recurring_list_price = price.recurring_list_price
    line.one_time_amount = price.one_time_amount
    line.recurring_amount = price.recurring_amount
    line.recurring_period = price.recurring_period
    line.adjustments = list(price.adjustments)
    line.one_time_total = price.one_time_total
    line.recurring_total = price.recurring_total
