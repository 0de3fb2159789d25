"""Checks of an order line against the catalog and the account's inventory.

Shared by the line services and by submit, which checks every line again. What the
checks read (items, offerings, characteristic definitions) is loaded up front in a fixed
number of queries, whatever the number of lines; the checks themselves never query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog.models import ProductOffering
from catalog.rules import CharacteristicDefinition, characteristic_errors
from catalog.selectors import specification_characteristics_many
from inventory.models import InventoryItem
from ordermgmt.exceptions import ValidationFailed
from orders.models import (
    MACD_ACTIONS,
    CustomerOrder,
    CustomerOrderLine,
    LineAction,
    OrderChannel,
)
from orders.rules import macd_item_errors, offering_eligibility_errors
from orders.selectors import inventory_items_by_id, offerings_by_id

# Actions whose line carries characteristic values (the new or changed configuration).
_CONFIGURING_ACTIONS = frozenset({LineAction.ADD, LineAction.CHANGE})


@dataclass(frozen=True)
class LineTarget:
    """What a line acts on, once checked."""

    offering_id: int | None
    specification_id: int | None
    inventory_item_id: int | None
    characteristics: dict[str, Any]


@dataclass(frozen=True)
class LineReferences:
    """The rows that checking some lines reads, loaded once: items, offerings, definitions."""

    items: dict[int, InventoryItem]
    offerings: dict[int, ProductOffering]
    characteristics: dict[int, list[CharacteristicDefinition]]


def line_references_load(
    *, offering_ids: Iterable[int | None], inventory_item_ids: Iterable[int | None]
) -> LineReferences:
    """Load what lines name (and what their items own) in three queries at most."""
    items = inventory_items_by_id(
        item_ids={pk for pk in inventory_item_ids if pk is not None}
    )
    # A MACD line without an offering of its own takes the item's offering.
    wanted_offerings = {pk for pk in offering_ids if pk is not None} | {
        item.offering_id for item in items.values() if item.offering_id is not None
    }
    offerings = offerings_by_id(offering_ids=wanted_offerings)
    specification_ids = {
        offering.product_specification_id
        for offering in offerings.values()
        if offering.product_specification_id is not None
    } | {
        item.specification_id
        for item in items.values()
        if item.specification_id is not None
    }
    return LineReferences(
        items=items,
        offerings=offerings,
        characteristics=specification_characteristics_many(
            specification_ids=specification_ids
        ),
    )


def _item_for_line(
    *,
    order: CustomerOrder,
    action: str,
    inventory_item_id: int | None,
    references: LineReferences,
) -> tuple[InventoryItem | None, list[str]]:
    if inventory_item_id is None:
        if action in MACD_ACTIONS:
            return None, [f"A {action} line needs the inventory item it acts on."]
        return None, []
    if action == LineAction.ADD:
        return None, ["An add line creates a new item; it cannot name an existing one."]
    item = references.items.get(inventory_item_id)
    if item is None:
        return None, [f"Inventory item {inventory_item_id} does not exist."]
    if item.account_id != order.account_id:
        return None, ["The inventory item belongs to another account."]
    return item, macd_item_errors(action=action, item_state=item.state)


def _offering_for_line(
    *,
    order: CustomerOrder,
    action: str,
    offering_id: int | None,
    owned_offering_id: int | None,
    at: datetime,
    references: LineReferences,
) -> tuple[ProductOffering | None, list[str]]:
    if offering_id is None:
        if action == LineAction.ADD:
            return None, ["An add line needs an offering."]
        return None, []
    offering = references.offerings.get(offering_id)
    if offering is None:
        return None, [f"Offering {offering_id} does not exist."]
    # Selling rules apply to what is newly sold, not to keeping an owned item.
    if action != LineAction.ADD and offering_id == owned_offering_id:
        return offering, []
    account = order.account
    return offering, offering_eligibility_errors(
        lifecycle_status=offering.lifecycle_status,
        is_sellable=offering.is_sellable,
        valid_from=offering.valid_from,
        valid_to=offering.valid_to,
        eligible_segments=offering.eligible_segments,
        eligible_regions=offering.eligible_regions,
        segment=account.segment,
        region=account.region,
        at=at,
    )


def _characteristic_errors(
    *,
    specification_id: int | None,
    values: dict[str, Any],
    customer_facing: bool,
    references: LineReferences,
) -> dict[str, list[str]]:
    definitions = (
        references.characteristics.get(specification_id, [])
        if specification_id is not None
        else []
    )
    errors = characteristic_errors(
        characteristics=definitions, values=values, configurable_only=customer_facing
    )
    return {f"characteristics.{code}": messages for code, messages in errors.items()}


def line_target(
    *,
    order: CustomerOrder,
    action: str,
    offering_id: int | None,
    inventory_item_id: int | None,
    quantity: int,
    characteristics: dict[str, Any],
    at: datetime,
) -> LineTarget:
    """Check a line against the catalog and the account's inventory; raise all errors."""
    return _line_target_checked(
        order=order,
        action=action,
        offering_id=offering_id,
        inventory_item_id=inventory_item_id,
        quantity=quantity,
        characteristics=characteristics,
        at=at,
        references=line_references_load(
            offering_ids=[offering_id], inventory_item_ids=[inventory_item_id]
        ),
    )


def _line_target_checked(
    *,
    order: CustomerOrder,
    action: str,
    offering_id: int | None,
    inventory_item_id: int | None,
    quantity: int,
    characteristics: dict[str, Any],
    at: datetime,
    references: LineReferences,
) -> LineTarget:
    if action not in LineAction.values:
        raise ValidationFailed(
            f"Unknown line action {action!r}.",
            errors={"action": [f"Choose one of: {', '.join(LineAction.values)}."]},
        )
    errors: dict[str, list[str]] = {}
    if quantity < 1:
        errors["quantity"] = ["Must be at least 1."]
    item, item_errors = _item_for_line(
        order=order,
        action=action,
        inventory_item_id=inventory_item_id,
        references=references,
    )
    if item_errors:
        errors["inventory_item_id"] = item_errors
    if offering_id is None and item is not None:
        offering_id = item.offering_id
    offering, offering_errors = _offering_for_line(
        order=order,
        action=action,
        offering_id=offering_id,
        owned_offering_id=item.offering_id if item is not None else None,
        at=at,
        references=references,
    )
    if offering_errors:
        errors["offering_id"] = offering_errors
    specification_id = (
        offering.product_specification_id
        if offering is not None and offering.product_specification_id is not None
        else (item.specification_id if item is not None else None)
    )
    values = dict(characteristics)
    if action in _CONFIGURING_ACTIONS:
        if item is not None:
            # A change line carries the item's whole new configuration.
            values = {**item.characteristics, **characteristics}
        errors.update(
            _characteristic_errors(
                specification_id=specification_id,
                values=values,
                customer_facing=order.channel == OrderChannel.PORTAL and item is None,
                references=references,
            )
        )
    elif characteristics:
        errors["characteristics"] = [
            f"A {action.replace('_', ' ')} line changes no characteristic values."
        ]
    if errors:
        raise ValidationFailed("The order line is not valid.", errors=errors)
    return LineTarget(
        offering_id=offering.pk if offering is not None else None,
        specification_id=specification_id,
        inventory_item_id=item.pk if item is not None else None,
        characteristics=values,
    )


def lines_revalidation_errors(
    *, order: CustomerOrder, lines: list[CustomerOrderLine], at: datetime
) -> dict[str, list[str]]:
    """Check every line again: the catalog or the inventory may have moved since capture.

    Reads in a fixed number of queries whatever the number of lines.
    """
    references = line_references_load(
        offering_ids=[line.offering_id for line in lines],
        inventory_item_ids=[line.inventory_item_id for line in lines],
    )
    errors: dict[str, list[str]] = {}
    for line in lines:
        try:
            _line_target_checked(
                order=order,
                action=line.action,
                offering_id=line.offering_id,
                inventory_item_id=line.inventory_item_id,
                quantity=line.quantity,
                characteristics=line.characteristics,
                at=at,
                references=references,
            )
        except ValidationFailed as exc:
            for field, messages in exc.errors.items():
                errors[f"lines.{line.line_number}.{field}"] = messages
    return errors
