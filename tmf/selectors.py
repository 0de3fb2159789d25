"""Reads of the TMF edge: orders and catalog items as the APIs show them, references a
payload names (customer, offerings, products), idempotency records and order requests.

Every list selector fetches its related rows in a fixed number of queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from rest_framework.authtoken.models import Token

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
from orders.selectors import (
    account_ids_for_user,
    orders_visible_to,
    prepared_cursor,
)
from orders.services.catalog_cache import CatalogMemo, catalog_memo
from tmf.models import IdempotencyRecord, ProductOrderRequest
from tmf.product_order_input import db_int

User = get_user_model()

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

    One query for staff and integrators: whether the user is a customer user (in the
    Customer group, or a portal user of an account) is read along with the account.
    Written in SQL: it runs on every POST productOrder (bench/capture_http.py).
    """
    pk = db_int(party_ref)
    quote = connection.ops.quote_name
    fields = Account._meta.concrete_fields
    columns = ", ".join(f"a.{quote(field.column)}" for field in fields)
    sql = (
        f"SELECT {columns}, "
        f"(EXISTS (SELECT 1 FROM {_table(User.groups.through)} ug "
        f"JOIN {_table(Group)} g ON g.{quote('id')} = ug.{quote('group_id')} "
        f"WHERE ug.{quote('user_id')} = %s AND g.{quote('name')} = %s) "
        f"OR EXISTS (SELECT 1 FROM {_table(AccountUser)} au "
        f"WHERE au.{quote('user_id')} = %s)) "
        f"FROM {_table(Account)} a WHERE a.{quote('number')} = %s"
    )
    params: list[Any] = [user.pk, Role.CUSTOMER.label, user.pk, party_ref]
    if pk is not None:
        sql += f" OR a.{quote('id')} = %s"
        params.append(pk)
    sql += f" ORDER BY a.{quote('id')} LIMIT 1"
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    account = Account.from_db(
        connection.alias, [field.attname for field in fields], row[: len(fields)]
    )
    user_is_customer = bool(row[len(fields)])
    if user_is_customer and account.pk not in account_ids_for_user(user=user):
        return None
    return account


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


# --- authentication and permissions (every TMF request) ------------------------------


def api_token_with_user_get(*, key: str) -> Token | None:
    """Return the DRF token with this key and its user, or None (one query, in SQL: it
    runs on every TMF request)."""
    quote = connection.ops.quote_name
    token_fields = Token._meta.concrete_fields
    user_fields = User._meta.concrete_fields
    columns = ", ".join(
        [f"t.{quote(field.column)}" for field in token_fields]
        + [f"u.{quote(field.column)}" for field in user_fields]
    )
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {_table(Token)} t "
            f"JOIN {_table(User)} u ON u.{quote(User._meta.pk.column)} = "
            f"t.{quote(Token._meta.get_field('user').column)} "
            f"WHERE t.{quote(Token._meta.pk.column)} = %s",
            [key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    token = Token.from_db(
        connection.alias,
        [field.attname for field in token_fields],
        row[: len(token_fields)],
    )
    token.user = User.from_db(
        connection.alias,
        [field.attname for field in user_fields],
        row[len(token_fields) :],
    )
    return token


def _permission_names_load(ids: set[int]) -> dict[int, str]:
    quote = connection.ops.quote_name
    content_type_column = Permission._meta.get_field("content_type").column
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.{quote('id')}, ct.{quote('app_label')}, p.{quote('codename')} "
            f"FROM {_table(Permission)} p JOIN {_table(ContentType)} ct "
            f"ON ct.{quote('id')} = p.{quote(content_type_column)} "
            f"WHERE p.{quote('id')} IN ({marks})",
            sorted(ids),
        )
        return {pk: f"{app}.{codename}" for pk, app, codename in cursor.fetchall()}


# "app_label.codename" by permission id: permissions are made by migrations.
_permission_names: CatalogMemo[int, str] = catalog_memo(_permission_names_load)


_MODEL_BACKENDS = (
    "django.contrib.auth.backends.ModelBackend",
    # Object permissions only: it grants no model-wide permission.
    "guardian.backends.ObjectPermissionBackend",
)


def _perm_cache_fillable(user: Any) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and not user.is_superuser
        and not hasattr(user, "_perm_cache")
        and tuple(settings.AUTHENTICATION_BACKENDS) == _MODEL_BACKENDS
    )


def user_model_perms_load(*, user: Any) -> None:
    """Load the model permissions of an active user (directly and through groups) into
    the cache Django's ModelBackend keeps on the user for the request, so that
    `user.has_perm(s)` answers as always, without a query.

    One query for the ids of the permissions the user holds (in SQL: it runs on every
    TMF request); their names come from a per-process memo of the permission table
    (see `orders.services.catalog_cache`). Superusers (who hold every permission
    without a query), users whose cache is filled already, and other authentication
    backends are left as they are.
    """
    if not _perm_cache_fillable(user):
        return
    quote = connection.ops.quote_name
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT gp.{quote('permission_id')} FROM "
            f"{_table(User.groups.through)} ug JOIN {_table(Group.permissions.through)} "
            f"gp ON gp.{quote('group_id')} = ug.{quote('group_id')} "
            f"WHERE ug.{quote('user_id')} = %s UNION ALL "
            f"SELECT up.{quote('permission_id')} FROM "
            f"{_table(User.user_permissions.through)} up "
            f"WHERE up.{quote('user_id')} = %s",
            [user.pk, user.pk],
        )
        ids = {pk for (pk,) in cursor.fetchall()}
    user._perm_cache = set(_permission_names.get_many(ids).values())


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
    """Return offerings by the reference a client gave: our id, or a published code.

    Kept per process for CATALOG_CACHE_TTL_SECONDS (see `orders.services.catalog_cache`).
    """
    wanted = set(refs)
    if not wanted:
        return {}
    return _offerings_by_reference.get_many(wanted)


def _offerings_by_reference_load(wanted: set[str]) -> dict[str, ProductOffering]:
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


_offerings_by_reference: CatalogMemo[str, ProductOffering] = catalog_memo(
    _offerings_by_reference_load
)


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
