"""Checks of one order line against the catalog and the account's inventory.

Shared by the line services, by capture and by submit (through `order_checks`, which
adds what needs the whole order: bundles and compatibility). What the checks read
(items, offerings, bundle children, characteristic definitions, compatibility rules) is
loaded up front in a fixed number of queries, whatever the number of lines; the checks
themselves never query. Catalog rows come through the per-process memo of
`catalog_cache`; inventory items are read every time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog.models import CompatibilityRule, OfferingRelationship, ProductOffering
from catalog.rules import CharacteristicDefinition, characteristic_errors
from inventory.models import InventoryItem
from ordermgmt.exceptions import ValidationFailed
from orders.models import (
    MACD_ACTIONS,
    CustomerOrder,
    LineAction,
    OrderChannel,
)
from orders.rules import macd_item_errors, offering_eligibility_errors
from orders.selectors import inventory_items_by_id
from orders.services.catalog_cache import (
    compatibility_rules_cached,
    offering_bundle_children_cached,
    offerings_by_id_cached,
    specification_characteristics_cached,
)

# Actions whose line carries characteristic values (the new or changed configuration).
CONFIGURING_ACTIONS = frozenset({LineAction.ADD, LineAction.CHANGE})
# Bundles nest rarely; each level costs one query, so the depth is capped.
_BUNDLE_DEPTH_LIMIT = 4


@dataclass(frozen=True)
class LineTarget:
    """What a line acts on, once checked."""

    offering_id: int | None
    specification_id: int | None
    inventory_item_id: int | None
    characteristics: dict[str, Any]


@dataclass(frozen=True)
class LineReferences:
    """The rows that checking lines reads, loaded once.

    `bundle_children` maps every bundle offering met (also below another bundle) to its
    child relationships; `specification_codes` maps specification ids to codes;
    `compatibility` holds the rules by source specification code.
    """

    items: dict[int, InventoryItem]
    offerings: dict[int, ProductOffering]
    characteristics: dict[int, list[CharacteristicDefinition]]
    bundle_children: dict[int, list[OfferingRelationship]]
    specification_codes: dict[int, str]
    compatibility: dict[str, list[CompatibilityRule]]

    def definitions(
        self, specification_id: int | None
    ) -> list[CharacteristicDefinition]:
        if specification_id is None:
            return []
        return self.characteristics.get(specification_id, [])


def _bundle_children_load(
    offerings: dict[int, ProductOffering],
) -> dict[int, list[OfferingRelationship]]:
    # One query per bundle level: children may be bundles themselves.
    children: dict[int, list[OfferingRelationship]] = {}
    pending = {pk for pk, offering in offerings.items() if offering.is_bundle}
    for _level in range(_BUNDLE_DEPTH_LIMIT):
        if not pending:
            break
        found = offering_bundle_children_cached(offering_ids=pending)
        children.update(found)
        pending = set()
        for relationships in found.values():
            for relationship in relationships:
                offerings.setdefault(relationship.child_id, relationship.child)
                if (
                    relationship.child.is_bundle
                    and relationship.child_id not in children
                ):
                    pending.add(relationship.child_id)
    return children


def line_references_load(
    *,
    offering_ids: Iterable[int | None],
    inventory_item_ids: Iterable[int | None],
    with_compatibility: bool = False,
) -> LineReferences:
    """Load what lines name (and what their items and bundles hold) in a few queries."""
    items = inventory_items_by_id(
        item_ids={pk for pk in inventory_item_ids if pk is not None}
    )
    # A MACD line without an offering of its own takes the item's offering.
    wanted_offerings = {pk for pk in offering_ids if pk is not None} | {
        item.offering_id for item in items.values() if item.offering_id is not None
    }
    offerings = offerings_by_id_cached(offering_ids=wanted_offerings)
    bundle_children = _bundle_children_load(offerings)
    codes: dict[int, str] = {}
    for offering in offerings.values():
        if offering.product_specification_id is not None:
            codes[offering.product_specification_id] = (
                offering.product_specification.code
            )
    for item in items.values():
        if item.specification_id is not None:
            codes[item.specification_id] = item.specification.code
    return LineReferences(
        items=items,
        offerings=offerings,
        characteristics=specification_characteristics_cached(specification_ids=codes),
        bundle_children=bundle_children,
        specification_codes=codes,
        compatibility=(
            compatibility_rules_cached(specification_codes=set(codes.values()))
            if with_compatibility
            else {}
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
    in_bundle: bool,
    offering_optional: bool,
    at: datetime,
    references: LineReferences,
) -> tuple[ProductOffering | None, list[str]]:
    if offering_id is None:
        if action == LineAction.ADD and not offering_optional:
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
        # A bundle's children are sold as part of it, not on their own.
        is_sellable=offering.is_sellable or in_bundle,
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
    definitions: list[CharacteristicDefinition],
    values: Mapping[str, Any],
    customer_facing: bool,
) -> dict[str, list[str]]:
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
    characteristics: Mapping[str, Any],
    at: datetime,
    in_bundle: bool = False,
) -> LineTarget:
    """Check a line against the catalog and the account's inventory; raise all errors."""
    return line_target_checked(
        order=order,
        action=action,
        offering_id=offering_id,
        inventory_item_id=inventory_item_id,
        quantity=quantity,
        characteristics=characteristics,
        at=at,
        in_bundle=in_bundle,
        references=line_references_load(
            offering_ids=[offering_id], inventory_item_ids=[inventory_item_id]
        ),
    )


def line_target_checked(
    *,
    order: CustomerOrder,
    action: str,
    offering_id: int | None,
    inventory_item_id: int | None,
    quantity: int,
    characteristics: Mapping[str, Any],
    at: datetime,
    references: LineReferences,
    in_bundle: bool = False,
    offering_optional: bool = False,
) -> LineTarget:
    """Check one line with references loaded beforehand; raise ValidationFailed."""
    if action not in LineAction.values:
        raise ValidationFailed(
            f"Unknown line action {action!r}.",
            errors={"action": [f"Choose one of: {', '.join(LineAction.values)}."]},
        )
    if not isinstance(characteristics, Mapping):
        raise ValidationFailed(
            "The order line is not valid.",
            errors={"characteristics": ["Give characteristic values by code."]},
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
        in_bundle=in_bundle,
        offering_optional=offering_optional,
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
    if offering is None and item is None and offering_optional:
        # Nothing to check the values against (a TMF order naming only ids): kept as sent.
        pass
    elif action in CONFIGURING_ACTIONS:
        if item is not None:
            # A change line carries the item's whole new configuration.
            values = {**item.characteristics, **characteristics}
        errors.update(
            _characteristic_errors(
                definitions=references.definitions(specification_id),
                values=values,
                customer_facing=order.channel == OrderChannel.PORTAL and item is None,
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
