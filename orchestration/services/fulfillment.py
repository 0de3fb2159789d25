"""Fulfillment from approval to inventory: the glue between orders, decomposition,
inventory and the task engine.

On acknowledgement (orders.hooks.ORDER_ACKNOWLEDGED) the worker runs
`order_fulfillment_begin`: decompose, create the pending inventory of add orders, put the
items a change order changes in Change pending, plan every task, put the order in progress
and open the first tasks. The engine's hooks then complete inventory as domain orders
close (add and change: active with the final values; delete: inactive with its
entitlements ended; suspend / resume), finish lines and the order, mark the point of no
return, and when the order completes create a contract for what it added and revise the
contracts of what it changed (docs/adr/0016).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from decomposition.models import (
    DomainOrder,
    DomainOrderAction,
    DomainOrderKind,
    DomainOrderState,
)
from decomposition.services import domain_orders_inventory_link, order_decompose
from inventory.inputs import ContractLineInput, ItemInput
from inventory.models import InventoryItemKind, InventoryItemState
from inventory.rules import contract_term_months
from inventory.selectors import (
    inventory_items_for_order,
    inventory_items_pending_for_line,
)
from inventory.services import (
    EntitlementRevision,
    contract_create_for_order,
    entitlements_revise_for_items,
    inventory_items_activate,
    inventory_items_change_begin,
    inventory_items_create_for_order,
    inventory_items_disconnect,
    inventory_items_resume,
    inventory_items_suspend,
)
from orchestration.models import OrderTask
from orchestration.rules import LineOutcome, OrderOutcome
from orchestration.services.completion import tasks_open_ready
from orchestration.services.orchestrate import order_orchestrate
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_batched
from ordermgmt.transactions import service_atomic
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineAction,
)
from orders.services.fulfillment import (
    order_finish,
    order_fulfillment_start,
    order_line_finish,
    order_line_ponr_mark,
)

_BUILDABLE = (DomainOrderState.QUALIFIED, DomainOrderState.SCHEDULED)
_A = DomainOrderAction


def order_fulfillment_begin(*, order_id: int, actor: Actor) -> list[OrderTask]:
    """Decompose an acknowledged order, create its pending inventory, plan its tasks,
    start it and open the first tasks. Running it twice changes nothing."""
    with service_atomic(), audit_batched():
        order = CustomerOrder.objects.select_related("account").get(pk=order_id)
        if order.state not in (
            CustomerOrderState.ACKNOWLEDGED,
            CustomerOrderState.IN_PROGRESS,
        ):
            return []
        domain_orders = order_decompose(order_id=order_id, actor=actor)
        _inventory_create(order=order, domain_orders=domain_orders, actor=actor)
        _inventory_change_begin(domain_orders=domain_orders, actor=actor)
        tasks = order_orchestrate(order_id=order_id, actor=actor)
        order_fulfillment_start(order_id=order_id, actor=actor)
        tasks_open_ready(actor=actor, order_id=order_id)
    return tasks


def _inventory_create(
    *, order: CustomerOrder, domain_orders: Sequence[DomainOrder], actor: Actor
) -> None:
    """One pending inventory item per new domain order (add actions), parents first.

    An add order below a MACD order (a change that adds a service) hangs its item under
    the item that order acts on."""
    item_of = {d.pk: d.inventory_item_id for d in domain_orders}
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
                parent_item_id=(
                    item_of.get(d.parent_id) if d.parent_id not in included else None
                ),
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


def _inventory_change_begin(
    *, domain_orders: Sequence[DomainOrder], actor: Actor
) -> None:
    """Put the items change orders act on in Change pending, in one set.

    The decomposer linked each MACD domain order to the item it acts on (the line's item
    for the product order, its child items matched by specification and sequence for
    service and resource orders); delete, suspend and resume move their items only when
    their domain orders close."""
    item_ids = [
        d.inventory_item_id
        for d in domain_orders
        if d.action == _A.CHANGE and d.inventory_item_id is not None and not d.is_final
    ]
    if item_ids:
        inventory_items_change_begin(item_ids=item_ids, actor=actor)


def domain_order_inventory_activate(
    *, domain_order_id: int, actor: Actor, at: datetime | None = None, **_: Any
) -> None:
    """Complete in inventory what a closed domain order did to its item.

    Add: the item built becomes active with its final values. Change: the item changed
    becomes active again with its new values. Delete: the item and those beneath it are
    disconnected and their entitlements end. Suspend / resume: the item and those beneath
    it are suspended / resumed with their entitlements."""
    domain_order = DomainOrder.objects.only(
        "inventory_item_id", "characteristics", "action", "number"
    ).get(pk=domain_order_id)
    item_id = domain_order.inventory_item_id
    if item_id is None:
        return
    reason = f"{domain_order.number} ({domain_order.action})"
    match domain_order.action:
        case _A.ADD | _A.CHANGE:
            inventory_items_activate(
                item_ids=[item_id],
                characteristics_by_item={item_id: domain_order.characteristics},
                actor=actor,
                at=at,
            )
        case _A.DELETE:
            inventory_items_disconnect(
                item_ids=[item_id], actor=actor, reason=reason, at=at
            )
        case _A.SUSPEND:
            inventory_items_suspend(
                item_ids=[item_id], actor=actor, reason=reason, at=at
            )
        case _A.RESUME:
            inventory_items_resume(
                item_ids=[item_id], actor=actor, reason=reason, at=at
            )


def order_line_done(
    *, order_id: int, line_id: int, outcome: LineOutcome, actor: Actor, **_: Any
) -> None:
    """Finish the order line the engine says is done. A line that ends Failed or
    Partial (its fulfillment was given up) leaves no item waiting for an installation
    that will not come: those still Installation pending are disconnected."""
    if outcome == LineOutcome.CANCELED:
        return
    order_line_finish(
        order_id=order_id, line_id=line_id, outcome=str(outcome), actor=actor
    )
    if outcome in (LineOutcome.FAILED, LineOutcome.PARTIAL):
        pending = inventory_items_pending_for_line(line_id=line_id)
        if pending:
            inventory_items_disconnect(
                item_ids=pending,
                actor=actor,
                reason="The order line was not fulfilled.",
            )


def order_done(
    *, order_id: int, outcome: OrderOutcome, actor: Actor, at: datetime, **_: Any
) -> None:
    """Finish the order; a completed or partial order gets a contract for what its add
    lines sold, and the contracts of the items its change lines changed are revised."""
    order = order_finish(order_id=order_id, outcome=str(outcome), actor=actor)
    if outcome == OrderOutcome.FAILED:
        return
    lines = {
        line.pk: line
        for line in order.lines.only(
            "pk", "action", "recurring_total", "one_time_total"
        )
    }
    _contract_create(order=order, lines=lines, at=at, actor=actor)
    _contracts_revise(order=order, lines=lines, at=at, actor=actor)


def _contract_create(
    *,
    order: CustomerOrder,
    lines: dict[int, CustomerOrderLine],
    at: datetime,
    actor: Actor,
) -> None:
    # Only add lines sell something new; an item a MACD line added (a change that adds
    # a service) is not put on a contract of its own (docs/adr/0016).
    items = [
        item
        for item in inventory_items_for_order(order_id=order.pk)
        if item.kind in (InventoryItemKind.PRODUCT, InventoryItemKind.SERVICE)
        and item.state == InventoryItemState.ACTIVE
        and item.source_line_id in lines
        and lines[item.source_line_id].action == LineAction.ADD
    ]
    if not items:
        return
    line_values = {
        pk: (line.recurring_total, line.one_time_total) for pk, line in lines.items()
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


def _contracts_revise(
    *,
    order: CustomerOrder,
    lines: dict[int, CustomerOrderLine],
    at: datetime,
    actor: Actor,
) -> None:
    """Give the entitlements on the items the order changed their new values: the
    product's monthly value from its change line's price, and the term that follows."""
    changed = DomainOrder.objects.filter(
        order_id=order.pk,
        action=_A.CHANGE,
        state=DomainOrderState.CLOSED_COMPLETE,
        inventory_item__isnull=False,
        kind__in=(DomainOrderKind.PRODUCT, DomainOrderKind.SERVICE),
    ).only("kind", "line_id", "inventory_item_id", "characteristics")
    entitlements_revise_for_items(
        revisions={
            d.inventory_item_id: EntitlementRevision(
                characteristics=d.characteristics,
                monthly_value=(
                    lines[d.line_id].recurring_total
                    if d.kind == DomainOrderKind.PRODUCT and d.line_id in lines
                    else None
                ),
            )
            for d in changed
            if d.inventory_item_id is not None
        },
        actor=actor,
        at=at,
        order_number=order.number or "",
    )


def order_line_ponr(
    *, order_id: int, line_id: int, actor: Actor, at: datetime, **_: Any
) -> None:
    """Mark the line past its point of no return."""
    order_line_ponr_mark(order_id=order_id, line_id=line_id, actor=actor, at=at)
