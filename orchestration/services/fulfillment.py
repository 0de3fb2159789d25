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

from collections import defaultdict
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
from inventory.inputs import ContractLineInput, ItemInput, OrderContractInput
from inventory.models import InventoryItemKind, InventoryItemState
from inventory.rules import contract_term_months
from inventory.selectors import (
    inventory_items_for_orders,
    inventory_items_pending_for_lines,
)
from inventory.services import (
    EntitlementRevision,
    contracts_create_for_orders,
    entitlements_revise_for_items,
    inventory_items_activate,
    inventory_items_change_begin,
    inventory_items_create_for_order,
    inventory_items_disconnect,
    inventory_items_resume,
    inventory_items_suspend,
)
from orchestration.hooks import DomainOrderClosed, LineDone, LinePonr, OrderDone
from orchestration.models import OrderTask
from orchestration.rules import LineOutcome, OrderOutcome
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
    LineFinish,
    OrderFinish,
    order_fulfillment_start,
    order_lines_finish,
    order_lines_ponr_mark,
    orders_finish,
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
        # Orchestrating opened the first tasks already.
        order_fulfillment_start(order_id=order_id, actor=actor)
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


def domain_orders_inventory_complete(
    *,
    items: Sequence[DomainOrderClosed],
    actor: Actor,
    at: datetime | None = None,
    **_: Any,
) -> None:
    """Complete in inventory what closed domain orders did to their items.

    Add: the item built becomes active with its final values. Change: the item changed
    becomes active again with its new values. Delete: the item and those beneath it are
    disconnected and their entitlements end. Suspend / resume: the item and those beneath
    it are suspended / resumed with their entitlements. One call per action however many
    domain orders closed."""
    domain_orders = [
        d
        for d in DomainOrder.objects.filter(
            pk__in=[item.domain_order_id for item in items]
        )
        .only("state", "inventory_item_id", "characteristics", "action", "number")
        .order_by("pk")
        if d.inventory_item_id is not None
    ]
    by_action: dict[str, list[DomainOrder]] = defaultdict(list)
    for d in domain_orders:
        by_action[d.action].append(d)
    built = by_action[_A.ADD] + by_action[_A.CHANGE]
    if built:
        inventory_items_activate(
            item_ids=[d.inventory_item_id for d in built],
            characteristics_by_item={
                d.inventory_item_id: d.characteristics for d in built
            },
            actor=actor,
            at=at,
        )
    for action, move in (
        (_A.DELETE, inventory_items_disconnect),
        (_A.SUSPEND, inventory_items_suspend),
        (_A.RESUME, inventory_items_resume),
    ):
        if by_action[action]:
            move(
                item_ids=[d.inventory_item_id for d in by_action[action]],
                actor=actor,
                reason=f"{', '.join(d.number for d in by_action[action])} ({action})",
                at=at,
            )


def order_lines_done(
    *, items: Sequence[LineDone], actor: Actor, at: datetime, **_: Any
) -> None:
    """Finish the order lines the engine says are done. A line that ends Failed or
    Partial (its fulfillment was given up) leaves no item waiting for an installation
    that will not come: those still Installation pending are disconnected."""
    finishing = [item for item in items if item.outcome != LineOutcome.CANCELED]
    order_lines_finish(
        finishes=[
            LineFinish(
                order_id=item.order_id, line_id=item.line_id, outcome=str(item.outcome)
            )
            for item in finishing
        ],
        actor=actor,
        at=at,
    )
    given_up = [
        item.line_id
        for item in finishing
        if item.outcome in (LineOutcome.FAILED, LineOutcome.PARTIAL)
    ]
    pending = inventory_items_pending_for_lines(line_ids=given_up) if given_up else []
    if pending:
        inventory_items_disconnect(
            item_ids=pending, actor=actor, reason="The order line was not fulfilled."
        )


def orders_done(
    *, items: Sequence[OrderDone], actor: Actor, at: datetime, **_: Any
) -> None:
    """Finish the orders; each completed or partial one gets a contract for what its
    add lines sold, and the contracts of the items its change lines changed are
    revised."""
    orders = orders_finish(
        finishes=[
            OrderFinish(order_id=item.order_id, outcome=str(item.outcome))
            for item in items
        ],
        actor=actor,
        at=at,
    )
    outcome_of = {item.order_id: item.outcome for item in items}
    delivered = [o for o in orders if outcome_of[o.pk] != OrderOutcome.FAILED]
    if not delivered:
        return
    lines = {
        line.pk: line
        for line in CustomerOrderLine.objects.filter(
            order_id__in=[o.pk for o in delivered]
        ).only("pk", "state", "order_id", "action", "recurring_total", "one_time_total")
    }
    _contracts_create(orders=delivered, lines=lines, at=at, actor=actor)
    _contracts_revise(orders=delivered, lines=lines, at=at, actor=actor)


def _contracts_create(
    *,
    orders: Sequence[CustomerOrder],
    lines: dict[int, CustomerOrderLine],
    at: datetime,
    actor: Actor,
) -> None:
    # Only add lines sell something new; an item a MACD line added (a change that adds
    # a service) is not put on a contract of its own (docs/adr/0016).
    sold: dict[int, list[Any]] = defaultdict(list)
    for item in inventory_items_for_orders(order_ids=[o.pk for o in orders]):
        if (
            item.kind in (InventoryItemKind.PRODUCT, InventoryItemKind.SERVICE)
            and item.state == InventoryItemState.ACTIVE
            and item.source_line_id in lines
            and lines[item.source_line_id].action == LineAction.ADD
        ):
            sold[item.source_order_id].append(item)
    zero = (Decimal("0"), Decimal("0"))
    line_values = {
        pk: (line.recurring_total, line.one_time_total) for pk, line in lines.items()
    }
    contracts_create_for_orders(
        contracts=[
            OrderContractInput(
                account_id=order.account_id,
                order_id=order.pk,
                order_number=order.number or "",
                term_months=contract_term_months(
                    characteristics=[item.characteristics for item in sold[order.pk]]
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
                    for item in sold[order.pk]
                ],
            )
            for order in orders
            if sold[order.pk]
        ],
        actor=actor,
    )


def _contracts_revise(
    *,
    orders: Sequence[CustomerOrder],
    lines: dict[int, CustomerOrderLine],
    at: datetime,
    actor: Actor,
) -> None:
    """Give the entitlements on the items the orders changed their new values: the
    product's monthly value from its change line's price, and the term that follows."""
    revisions: dict[int, dict[int, EntitlementRevision]] = defaultdict(dict)
    for d in DomainOrder.objects.filter(
        order_id__in=[o.pk for o in orders],
        action=_A.CHANGE,
        state=DomainOrderState.CLOSED_COMPLETE,
        inventory_item__isnull=False,
        kind__in=(DomainOrderKind.PRODUCT, DomainOrderKind.SERVICE),
    ).only(
        "state", "order_id", "kind", "line_id", "inventory_item_id", "characteristics"
    ):
        revisions[d.order_id][d.inventory_item_id] = EntitlementRevision(
            characteristics=d.characteristics,
            monthly_value=(
                lines[d.line_id].recurring_total
                if d.kind == DomainOrderKind.PRODUCT and d.line_id in lines
                else None
            ),
        )
    # Change orders are few and each revises its own contracts: one call per order
    # that changed something, none for the add orders that make up a batch.
    for order in orders:
        if revisions.get(order.pk):
            entitlements_revise_for_items(
                revisions=revisions[order.pk],
                actor=actor,
                at=at,
                order_number=order.number or "",
            )


def order_lines_ponr(
    *, items: Sequence[LinePonr], actor: Actor, at: datetime, **_: Any
) -> None:
    """Mark the lines past their point of no return."""
    order_lines_ponr_mark(
        marks=[(item.order_id, item.line_id) for item in items], actor=actor, at=at
    )
