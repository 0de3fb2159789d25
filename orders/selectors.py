"""Reads of accounts and orders: what a user may see, and the lock functions services use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from catalog.models import ProductOffering
from inventory.models import InventoryItem
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_many, lock_one
from ordermgmt.roles import Role, user_roles
from orders.models import Account, AccountUser, CustomerOrder, CustomerOrderLine

VIEW_ACCOUNT_PERMISSION = "orders.view_account"
VIEW_ORDER_PERMISSION = "orders.view_customerorder"

User = AbstractBaseUser | AnonymousUser


def _accounts_granted_to(*, user: Any) -> QuerySet[Account]:
    # Only object permissions count: a model-wide view_account must not widen a customer.
    return get_objects_for_user(
        user,
        VIEW_ACCOUNT_PERMISSION,
        klass=Account,
        with_superuser=False,
        accept_global_perms=False,
    )


def _is_customer_user(*, user: Any) -> bool:
    return (
        Role.CUSTOMER in user_roles(user)
        or AccountUser.objects.filter(user_id=user.pk).exists()
    )


def account_ids_for_user(*, user: User) -> list[int]:
    """Return the ids of the accounts a user holds the object permission to view."""
    if not user.is_authenticated or not user.is_active:
        return []
    return sorted(_accounts_granted_to(user=user).values_list("pk", flat=True))


def orders_visible_to(*, user: User) -> QuerySet[CustomerOrder]:
    """Return the orders a user may read: customers their accounts', staff all, else none.

    A customer user is scoped by its object permissions even if it also holds the model
    permission (the Customer role has it), so a customer never sees another account.
    """
    orders = CustomerOrder.objects.select_related("account")
    if not user.is_authenticated or not user.is_active:
        return orders.none()
    if _is_customer_user(user=user):
        return orders.filter(account__in=_accounts_granted_to(user=user).values("pk"))
    if user.has_perm(VIEW_ORDER_PERMISSION):
        return orders
    return orders.none()


def order_get_for_user(*, user: User, order_id: int) -> CustomerOrder:
    """Return one order with its lines if the user may read it; raise NotFound otherwise."""
    try:
        return (
            orders_visible_to(user=user)
            .prefetch_related("lines__offering", "lines__inventory_item")
            .get(pk=order_id)
        )
    except CustomerOrder.DoesNotExist as exc:
        raise NotFound(f"Order {order_id} does not exist.") from exc


def order_get_for_update(*, order_id: int) -> CustomerOrder:
    """Lock and return one order (lock it before its lines)."""
    return lock_one(CustomerOrder.objects.all(), pk=order_id, label="Order")


def order_lines_for_update(*, order_id: int) -> list[CustomerOrderLine]:
    """Lock and return an order's lines in ascending pk; lock the order first."""
    return lock_many(CustomerOrderLine.objects.filter(order_id=order_id))


def order_line_get_for_update(*, order_id: int, line_id: int) -> CustomerOrderLine:
    """Lock and return one line of an order; raise NotFound for a line of another order."""
    return lock_one(
        CustomerOrderLine.objects.filter(order_id=order_id),
        pk=line_id,
        label="Order line",
    )


def account_get_for_update(*, account_id: int) -> Account:
    """Lock and return one account."""
    return lock_one(Account.objects.all(), pk=account_id, label="Account")


def account_get(*, account_id: int) -> Account:
    """Return one account; raise NotFound when it does not exist."""
    try:
        return Account.objects.get(pk=account_id)
    except Account.DoesNotExist as exc:
        raise NotFound(f"Account {account_id} does not exist.") from exc


def offerings_by_id(*, offering_ids: Iterable[int]) -> dict[int, ProductOffering]:
    """Return the offerings order lines name, by id, in one query (none for no ids)."""
    return ProductOffering.objects.in_bulk(set(offering_ids))


def inventory_items_by_id(*, item_ids: Iterable[int]) -> dict[int, InventoryItem]:
    """Return the inventory items MACD lines act on, by id, in one query (none for no ids)."""
    return InventoryItem.objects.in_bulk(set(item_ids))
