"""Factories for domain orders, and acknowledged orders of the demo catalog built directly
(states set at construction; tests of transitions go through the services)."""

from __future__ import annotations

from typing import Any

import factory

from catalog.models import LifecycleStatus, ProductOffering
from decomposition.models import DomainOrder, DomainOrderKind, DomainOrderState
from inventory.models import InventoryItem, InventoryItemKind, InventoryItemState
from orders.models import (
    Account,
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineAction,
    LineState,
)
from tests.orders.factories import (
    AccountFactory,
    CustomerOrderFactory,
    CustomerOrderLineFactory,
    specification_with_characteristics,
)

ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}
INTERNET = {
    "bandwidth": 300,
    "contract_term": 24,
    "static_ip": False,
    "installation_address": ADDRESS,
    "access_line_id": "AL-00001",
}
VOICE = {"number_porting": False, "directory_listing": False}
ROUTER = {"model": "FRITZ!Box 7590"}
TV = {"package": "basic", "set_top_boxes": 1}


def offering(code: str) -> ProductOffering:
    return ProductOffering.objects.select_related("product_specification").get(
        code=code, lifecycle_status=LifecycleStatus.PUBLISHED
    )


def acknowledged_order(**fields: Any) -> CustomerOrder:
    return CustomerOrderFactory(state=CustomerOrderState.ACKNOWLEDGED, **fields)


def line_add(
    order: CustomerOrder,
    code: str,
    characteristics: dict[str, Any] | None = None,
    *,
    parent: CustomerOrderLine | None = None,
    quantity: int = 1,
    action: str = LineAction.ADD,
    inventory_item: InventoryItem | None = None,
    state: str = LineState.ACKNOWLEDGED,
) -> CustomerOrderLine:
    offer = offering(code)
    last = order.lines.order_by("-line_number").values_list("line_number", flat=True)
    number = (last.first() or 0) + 1
    return CustomerOrderLineFactory(
        order=order,
        line_number=number,
        offering=offer,
        specification=offer.product_specification,
        parent_line=parent,
        quantity=quantity,
        action=action,
        inventory_item=inventory_item,
        characteristics=dict(characteristics or {}),
        state=state,
    )


def bundle_lines_add(
    order: CustomerOrder,
    *,
    internet: dict[str, Any] | None = None,
    voice: bool = True,
    tv: dict[str, Any] | None = None,
) -> CustomerOrderLine:
    """Add a Fiber Home Bundle line with its child lines (as capture expands it)."""
    bundle = line_add(order, "OFF_FIBER_HOME_BUNDLE", {"contract_term": 24})
    line_add(order, "OFF_FIBER_INTERNET", internet or INTERNET, parent=bundle)
    if voice:
        line_add(order, "OFF_HOME_VOICE", VOICE, parent=bundle)
    if tv is not None:
        line_add(order, "OFF_FIBER_TV", tv, parent=bundle)
    line_add(order, "OFF_WIFI_ROUTER", ROUTER, parent=bundle)
    return bundle


def bundle_order(*, bundles: int = 1, account: Account | None = None) -> CustomerOrder:
    """An acknowledged order of `bundles` demo Fiber Home Bundles (4 lines each)."""
    order = acknowledged_order(account=account or AccountFactory())
    for _ in range(bundles):
        bundle_lines_add(order)
    return order


class DomainOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DomainOrder

    kind = DomainOrderKind.PRODUCT
    order = factory.SubFactory(CustomerOrderFactory, acknowledged=True)
    line = factory.SubFactory(
        CustomerOrderLineFactory,
        order=factory.SelfAttribute("..order"),
        state=LineState.ACKNOWLEDGED,
    )
    specification = factory.Sequence(
        lambda n: specification_with_characteristics(code=f"DO-SPEC-{n}")
    )
    path = factory.Sequence(lambda n: str(n + 1))
    state = DomainOrderState.QUALIFIED


class InventoryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InventoryItem

    kind = InventoryItemKind.PRODUCT
    account = factory.SubFactory(AccountFactory)
    state = InventoryItemState.ACTIVE
