"""Plain inputs of the set-based inventory services, built by the apps that call them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from inventory.models import EntitlementKind, InventoryItemKind

ItemKey = int | str


@dataclass(frozen=True)
class ItemInput:
    """One inventory item to create for an order (typically one per domain order).

    `key` is the caller's own id for the item within one call (a domain order id does
    well); `parent_key` names the parent created in the same call, `parent_item_id` an
    item that exists already (e.g. from an earlier call, when a held domain order is
    released later). At most one of the two.
    """

    key: ItemKey
    kind: str = InventoryItemKind.PRODUCT
    specification_id: int | None = None
    offering_id: int | None = None
    characteristics: Mapping[str, Any] = field(default_factory=dict)
    quantity: int = 1
    parent_key: ItemKey | None = None
    parent_item_id: int | None = None
    source_line_id: int | None = None
    source_domain_order_id: int | None = None


@dataclass(frozen=True)
class ContractLineInput:
    """One entitlement a contract grants on an inventory item the order produced.

    Blank `name`, `quantity` None and `characteristics` None take the item's own
    (offering or specification name, quantity, characteristic values).
    """

    inventory_item_id: int
    kind: str = EntitlementKind.SERVICE
    name: str = ""
    quantity: int | None = None
    characteristics: Mapping[str, Any] | None = None
    monthly_value: Decimal = Decimal("0")
    one_time_value: Decimal = Decimal("0")


@dataclass(frozen=True)
class OrderContractInput:
    """The contract one completed order's account agreed to: its term and what it sold.

    `term_months` None makes the contract open-ended.
    """

    account_id: int
    order_id: int
    order_number: str
    term_months: int | None
    start_date: date
    lines: Sequence[ContractLineInput]
    currency: str = "EUR"
