"""Reads of the TMF edge: orders and catalog items as the APIs show them, references a
payload names (customer, offerings, products), idempotency records and order requests.

Every list selector fetches its related rows in a fixed number of queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db.models import Exists, Prefetch, Q, QuerySet, prefetch_related_objects

from catalog.models import (
    CharacteristicSpec,
    LifecycleStatus,
    OfferingRelationship,
    PriceListLine,
    ProductOffering,
    Specification,
    SpecificationKind,
    SpecificationRelationship,
)
from inventory.models import InventoryItem
from ordermgmt.exceptions import NotFound
from ordermgmt.roles import Role
from orders.models import Account, AccountUser, CustomerOrder, CustomerOrderLine
from orders.selectors import account_ids_for_user, orders_visible_to
from tmf.models import IdempotencyRecord, ProductOrderRequest
from tmf.product_order_input import db_int

# --- product orders ----------------------------------------------------------------


def product_orders_for_user(
    *, user: Any, with_items: bool = True
) -> QuerySet[CustomerOrder]:
    """Return the orders a user may read, with their lines when asked (two queries)."""
    orders = orders_visible_to(user=user)
    if with_items:
        orders = orders.prefetch_related(
            Prefetch(
                "lines",
                queryset=CustomerOrderLine.objects.select_related(
                    "offering", "inventory_item"
                ).order_by("line_number"),
            )
        )
    return orders


def product_order_get_for_user(*, user: Any, order_ref: str) -> CustomerOrder:
    """Return one order by its TMF id (the order number) if the user may read it."""
    try:
        return product_orders_for_user(user=user).get(number=order_ref)
    except CustomerOrder.DoesNotExist as exc:
        raise NotFound(f"No productOrder with id {order_ref!r}.") from exc


def order_with_items_get(*, order_id: int) -> CustomerOrder:
    """Return one order with its account and lines, as the API shows it."""
    return (
        CustomerOrder.objects.select_related("account")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=CustomerOrderLine.objects.select_related(
                    "offering", "inventory_item"
                ).order_by("line_number"),
            )
        )
        .get(pk=order_id)
    )


# --- references in a POSTed order --------------------------------------------------


def account_for_customer_party(*, party_ref: str, user: Any) -> Account | None:
    """Return the account a relatedParty id names (ACC number or pk) if the user may
    order for it: a customer user only for its own accounts. None when it may not.

    One query for staff and integrators: whether the user is a customer user is read
    along with the account.
    """
    lookup = Q(number=party_ref)
    pk = db_int(party_ref)
    if pk is not None:
        lookup |= Q(pk=pk)
    account = (
        Account.objects.filter(lookup)
        .annotate(
            user_is_customer=Exists(
                Group.objects.filter(user=user.pk, name=Role.CUSTOMER.label)
            )
            | Exists(AccountUser.objects.filter(user_id=user.pk))
        )
        .order_by("pk")
        .first()
    )
    if account is None:
        return None
    if account.user_is_customer and account.pk not in account_ids_for_user(user=user):
        return None
    return account


def order_lines_attach(*, order: CustomerOrder) -> CustomerOrder:
    """Fetch the lines of an order held in memory, as the API shows them (one query)."""
    prefetch_related_objects(
        [order],
        Prefetch(
            "lines",
            queryset=CustomerOrderLine.objects.select_related(
                "offering", "inventory_item"
            ).order_by("line_number"),
        ),
    )
    return order


def offerings_by_reference(*, refs: Iterable[str]) -> dict[str, ProductOffering]:
    """Return offerings by the reference a client gave: our id, or a published code."""
    wanted = set(refs)
    if not wanted:
        return {}
    ids = {pk for pk in map(db_int, wanted) if pk is not None}
    rows = ProductOffering.objects.filter(
        Q(pk__in=ids) | Q(code__in=wanted, lifecycle_status=LifecycleStatus.PUBLISHED)
    )
    found: dict[str, ProductOffering] = {}
    for offering in rows:
        if offering.code in wanted:
            found.setdefault(offering.code, offering)
        if str(offering.pk) in wanted:
            # An id wins over a code that happens to look the same.
            found[str(offering.pk)] = offering
    return found


def inventory_items_by_reference(*, refs: Iterable[str]) -> dict[str, InventoryItem]:
    """Return inventory items by the reference a client gave: our id or INV number."""
    wanted = set(refs)
    if not wanted:
        return {}
    ids = {pk for pk in map(db_int, wanted) if pk is not None}
    found: dict[str, InventoryItem] = {}
    for item in InventoryItem.objects.filter(Q(pk__in=ids) | Q(number__in=wanted)):
        if item.number in wanted:
            found[item.number] = item
        if str(item.pk) in wanted:
            found[str(item.pk)] = item
    return found


# --- idempotency and asynchronous requests ------------------------------------------


def idempotency_record_get(*, user_id: int, key: str) -> IdempotencyRecord | None:
    """Return the record of an earlier POST with this key by this user, if any."""
    return (
        IdempotencyRecord.objects.select_related("order", "order_request")
        .filter(user_id=user_id, key=key)
        .first()
    )


def product_order_request_get_for_user(
    *, user: Any, public_id: str
) -> ProductOrderRequest:
    """Return an asynchronous order request its author (or order staff) may follow."""
    try:
        parsed = uuid.UUID(public_id)
    except ValueError as exc:
        raise NotFound(f"No productOrderRequest with id {public_id!r}.") from exc
    requests = ProductOrderRequest.objects.select_related("order")
    if not user.has_perm("orders.change_customerorder"):
        requests = requests.filter(user_id=user.pk)
    try:
        return requests.get(public_id=parsed)
    except ProductOrderRequest.DoesNotExist as exc:
        raise NotFound(f"No productOrderRequest with id {public_id!r}.") from exc


# --- catalog (TMF620) ---------------------------------------------------------------


def _published_price_lines() -> QuerySet[PriceListLine]:
    return PriceListLine.objects.filter(
        price_list__lifecycle_status=LifecycleStatus.PUBLISHED
    ).select_related("price_list", "offering")


def catalog_offerings() -> QuerySet[ProductOffering]:
    """Return offerings with their specification, bundle children and published prices."""
    return ProductOffering.objects.select_related(
        "product_specification", "category"
    ).prefetch_related(
        Prefetch(
            "child_relationships",
            queryset=OfferingRelationship.objects.select_related("child"),
        ),
        Prefetch("price_lines", queryset=_published_price_lines()),
    )


def catalog_specifications() -> QuerySet[Specification]:
    """Return product specifications with their characteristics and relationships."""
    return Specification.objects.filter(
        kind=SpecificationKind.PRODUCT
    ).prefetch_related(
        Prefetch(
            "characteristics",
            queryset=CharacteristicSpec.objects.order_by("position", "code"),
        ),
        Prefetch(
            "outgoing_relationships",
            queryset=SpecificationRelationship.objects.select_related("target"),
        ),
    )


def catalog_offering_prices() -> QuerySet[PriceListLine]:
    """Return price list lines (TMF productOfferingPrice) with list and offering."""
    return PriceListLine.objects.select_related("price_list", "offering").order_by("pk")
