"""Reads of inventory items, contracts and entitlements, with the lock functions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from inventory.models import (
    Contract,
    Entitlement,
    InventoryItem,
    InventoryItemKind,
    InventoryItemState,
)
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_one

# Product -> service -> resource, with room for nested services; one query per level.
TREE_DEPTH_LIMIT = 8


@dataclass
class InventoryItemNode:
    """One item of an inventory tree with the items beneath it."""

    item: InventoryItem
    children: list[InventoryItemNode] = field(default_factory=list)

    def walk(self, depth: int = 0) -> Iterator[tuple[int, InventoryItem]]:
        """Yield (depth, item) for this node and its descendants, depth first."""
        yield depth, self.item
        for child in self.children:
            yield from child.walk(depth + 1)


def account_exists(*, account_id: int) -> bool:
    """Tell whether the account exists (the account model belongs to orders, above us)."""
    account_model = InventoryItem._meta.get_field("account").related_model
    return account_model._default_manager.filter(pk=account_id).exists()


def account_ids_existing(*, account_ids: Collection[int]) -> set[int]:
    """Return those of the given account ids whose account exists, in one query."""
    account_model = InventoryItem._meta.get_field("account").related_model
    return set(
        account_model._default_manager.filter(pk__in=account_ids)
        .order_by()
        .values_list("pk", flat=True)
    )


def inventory_item_get_for_update(*, item_id: int) -> InventoryItem:
    """Lock and return one inventory item; raise NotFound when it does not exist."""
    return lock_one(InventoryItem.objects.all(), pk=item_id, label="Inventory item")


def inventory_items_for_account(*, account_id: int) -> QuerySet[InventoryItem]:
    """Return the items one account owns, with their offering and specification."""
    return InventoryItem.objects.filter(account_id=account_id).select_related(
        "offering", "specification"
    )


def inventory_item_get(*, item_id: int) -> InventoryItem:
    """Return one inventory item; raise NotFound when it does not exist."""
    try:
        return InventoryItem.objects.get(pk=item_id)
    except InventoryItem.DoesNotExist as exc:
        raise NotFound(f"Inventory item {item_id} does not exist.") from exc


def inventory_item_tree(*, item_id: int) -> InventoryItemNode:
    """Return an item with the service and resource items beneath it, level by level.

    One query per level of the tree (at most TREE_DEPTH_LIMIT + 1), whatever its width.
    """
    items = InventoryItem.objects.select_related("offering", "specification")
    try:
        root = InventoryItemNode(item=items.get(pk=item_id))
    except InventoryItem.DoesNotExist as exc:
        raise NotFound(f"Inventory item {item_id} does not exist.") from exc
    level = {root.item.pk: root}
    for _depth in range(TREE_DEPTH_LIMIT):
        children: dict[int, list[InventoryItemNode]] = defaultdict(list)
        for child in items.filter(parent_id__in=level).order_by("pk"):
            children[child.parent_id].append(InventoryItemNode(item=child))
        if not children:
            break
        next_level: dict[int, InventoryItemNode] = {}
        for parent_id, nodes in children.items():
            level[parent_id].children = nodes
            next_level.update((node.item.pk, node) for node in nodes)
        level = next_level
    return root


def inventory_item_subtree_ids(*, item_ids: Collection[int]) -> list[int]:
    """Return the given items' ids and those of every item beneath them, ascending.

    One query per level of the trees (at most TREE_DEPTH_LIMIT), whatever their width.
    """
    found = set(item_ids)
    level = set(item_ids)
    for _depth in range(TREE_DEPTH_LIMIT):
        level = set(
            InventoryItem.objects.filter(parent_id__in=level)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        if not level:
            break
        found |= level
    return sorted(found)


def inventory_items_for_order(*, order_id: int) -> QuerySet[InventoryItem]:
    """Return the items an order created, parents before children within a level."""
    return InventoryItem.objects.filter(source_order_id=order_id).order_by("pk")


def inventory_items_for_orders(*, order_ids: Collection[int]) -> list[InventoryItem]:
    """Return the items several orders created, in one query, ascending pk."""
    return list(
        InventoryItem.objects.filter(source_order_id__in=order_ids).order_by("pk")
    )


def inventory_items_pending_for_lines(*, line_ids: Collection[int]) -> list[int]:
    """Return the ids of the items order lines were installing that never went live."""
    return list(
        InventoryItem.objects.filter(
            source_line_id__in=line_ids, state=InventoryItemState.INSTALLATION_PENDING
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def contract_get_for_update(*, contract_id: int) -> Contract:
    """Lock and return one contract; raise NotFound when it does not exist."""
    return lock_one(Contract.objects.all(), pk=contract_id, label="Contract")


def contracts_for_account(*, account_id: int) -> QuerySet[Contract]:
    """Return an account's contracts with their entitlements and entitled items."""
    return Contract.objects.filter(account_id=account_id).prefetch_related(
        Prefetch(
            "entitlements",
            queryset=Entitlement.objects.select_related("inventory_item"),
        )
    )


def contracts_for_item(*, item_id: int) -> QuerySet[Contract]:
    """Return the contracts that entitle their account to one inventory item."""
    return Contract.objects.filter(entitlements__inventory_item_id=item_id).distinct()


def contract_for_order(*, order_id: int) -> Contract | None:
    """Return the contract an order created, if it has created one yet."""
    return Contract.objects.filter(source_order_id=order_id).first()


def products_for_tmf(
    *, user_account_ids: Collection[int] | None
) -> QuerySet[InventoryItem]:
    """Return product items for TMF637, scoped to the given accounts (None: all).

    Offering, specification, account and parent come joined; the service children and
    the entitlements with their contract come prefetched (two more queries per page).
    """
    products = InventoryItem.objects.filter(kind=InventoryItemKind.PRODUCT)
    if user_account_ids is not None:
        products = products.filter(account_id__in=user_account_ids)
    return products.select_related(
        "account", "offering", "specification", "parent"
    ).prefetch_related(
        Prefetch("children", queryset=InventoryItem.objects.order_by("pk")),
        Prefetch(
            "entitlements",
            queryset=Entitlement.objects.select_related("contract"),
        ),
    )
