"""Fulfillment from approval to inventory: the glue between orders, decomposition,
inventory and the task engine.

On acknowledgement (orders.hooks.ORDER_ACKNOWLEDGED) the worker runs
`order_fulfillment_begin`: decompose, create the pending inventory, plan every task, put the
order in progress and open the first tasks. The engine's hooks then activate inventory as
domain orders close, finish lines and the order, mark the point of no return, and create
the contract when the order completes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from decomposition.models import DomainOrder, DomainOrderAction, DomainOrderState
from decomposition.services import domain_orders_inventory_link, order_decompose
from inventory.inputs import ContractLineInput, ItemInput
from inventory.models import InventoryItemKind, InventoryItemState
from inventory.rules import contract_term_months
from inventory.selectors import inventory_items_for_order
from inventory.services import (
    contract_create_for_order,
    inventory_items_activate,
    inventory_items_create_for_order,
)
from orchestration.models import OrderTask
from orchestration.rules import LineOutcome, OrderOutcome
from orchestration.services.completion import tasks_open_ready
from orchestration.services.orchestrate import order_orchestrate
from ordermgmt.actor import Actor
from orders.models import CustomerOrder, CustomerOrderState
from orders.services.fulfillment import (
    order_finish,
    order_fulfillment_start,
    order_line_finish,
    order_line_ponr_mark,
)

_BUILDABLE = (DomainOrderState.QUALIFIED, DomainOrderState.SCHEDULED)


def order_fulfillment_begin(*, order_id: int, actor: Actor) -> list[OrderTask]:
    """Decompose an acknowledged order, create its pending inventory, plan its tasks,
    start it and open the first tasks. Running it twice changes nothing."""
    with transaction.atomic():
        order = CustomerOrder.objects.select_related("account").get(pk=order_id)
        if order.state not in (
            CustomerOrderState.ACKNOWLEDGED,
            CustomerOrderState.IN_PROGRESS,
        ):
            return []
        domain_orders = order_decompose(order_id=order_id, actor=actor)
        _inventory_create(order=order, domain_orders=domain_orders, actor=actor)
        tasks = order_orchestrate(order_id=order_id, actor=actor)
        order_fulfillment_start(order_id=order_id, actor=actor)
        tasks_open_ready(actor=actor, order_id=order_id)
    return tasks


def _inventory_create(
    *, order: CustomerOrder, domain_orders: Sequence[DomainOrder], actor: Actor
) -> None:
    """One pending inventory item per new domain order (add actions), parents first."""
    new = [
        d
        for d in domain_orders
        if d.action == DomainOrderAction.ADD
        and d.inventory_item_id is None
        and d.state in _BUILDABLE
    ]
    if not new:
        return
    included = {d.pk for d in new}
    offering_by_line = dict(
        order.lines.filter(pk__in={d.line_id for d in new}).values_list(
            "pk", "offering_id"
        )
    )
    items = inventory_items_create_for_order(
        account_id=order.account_id,
        order_id=order.pk,
        order_number=order.number or "",
        items=[
            ItemInput(
                key=d.pk,
                kind=d.kind,
                specification_id=d.specification_id,
                offering_id=(
                    offering_by_line.get(d.line_id)
                    if d.kind == InventoryItemKind.PRODUCT
                    else None
                ),
                characteristics=d.characteristics,
                parent_key=d.parent_id if d.parent_id in included else None,
                source_line_id=d.line_id,
                source_domain_order_id=d.pk,
            )
            for d in new
        ],
        actor=actor,
    )
    domain_orders_inventory_link(
        order_id=order.pk,
        links={d.pk: item.pk for d, item in zip(new, items, strict=True)},
        actor=actor,
    )


def domain_order_inventory_activate(
    *, domain_order_id: int, actor: Actor, **_: Any
) -> None:
    """Activate the item a closed domain order built, with its final characteristics."""
    domain_order = DomainOrder.objects.only(
        "inventory_item_id", "characteristics", "action"
    ).get(pk=domain_order_id)
    if domain_order.inventory_item_id is None:
        return
    inventory_items_activate(
        item_ids=[domain_order.inventory_item_id],
        characteristics_by_item={
            domain_order.inventory_item_id: domain_order.characteristics
        },
        actor=actor,
    )


def order_line_done(
    *, order_id: int, line_id: int, outcome: LineOutcome, actor: Actor, **_: Any
) -> None:
    """Finish the order line the engine says is done."""
    if outcome == LineOutcome.CANCELED:
        return
    order_line_finish(
        order_id=order_id, line_id=line_id, outcome=str(outcome), actor=actor
    )


def order_done(
    *, order_id: int, outcome: OrderOutcome, actor: Actor, at: datetime, **_: Any
) -> None:
    """Finish the order; a completed or partial order gets its contract."""
    order = order_finish(order_id=order_id, outcome=str(outcome), actor=actor)
    if outcome == OrderOutcome.FAILED:
        return
    _contract_create(order=order, at=at, actor=actor)


def _contract_create(*, order: CustomerOrder, at: datetime, actor: Actor) -> None:
    items = [
        item
        for item in inventory_items_for_order(order_id=order.pk)
        if item.kind in (InventoryItemKind.PRODUCT, InventoryItemKind.SERVICE)
        and item.state == InventoryItemState.ACTIVE
    ]
    if not items:
        return
    line_values = {
        line.pk: (line.recurring_total, line.one_time_total)
        for line in order.lines.only("pk", "recurring_total", "one_time_total")
    }
    zero = (Decimal("0"), Decimal("0"))
    contract_create_for_order(
        account_id=order.account_id,
        order_id=order.pk,
        order_number=order.number or "",
        term_months=contract_term_months(
            characteristics=[item.characteristics for item in items]
        ),
        start_date=at.date(),
        currency=order.currency,
        lines=[
            ContractLineInput(
                inventory_item_id=item.pk,
                kind="service",
                monthly_value=(
                    line_values.get(item.source_line_id, zero)[0]
                    if item.kind == InventoryItemKind.PRODUCT
                    else Decimal("0")
                ),
                one_time_value=(
                    line_values.get(item.source_line_id, zero)[1]
                    if item.kind == InventoryItemKind.PRODUCT
                    else Decimal("0")
                ),
            )
            for item in items
        ],
        actor=actor,
    )


def order_line_ponr(
    *, order_id: int, line_id: int, actor: Actor, at: datetime, **_: Any
) -> None:
    """Mark the line past its point of no return."""
    order_line_ponr_mark(order_id=order_id, line_id=line_id, actor=actor, at=at)
