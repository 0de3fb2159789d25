"""Reads of accounts and orders: what a user may see, and the lock functions services use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from catalog.models import CompatibilityRule, OfferingRelationship, ProductOffering
from inventory.models import InventoryItem
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_many, lock_one
from ordermgmt.models import AuditEvent, WorkGroup
from ordermgmt.roles import Role, user_roles
from orders.models import (
    Account,
    AccountUser,
    ApprovalStatus,
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    EnrichmentTask,
    EnrichmentTaskState,
)

# Inventory item states in which the customer still has the product (compatibility).
OWNED_ITEM_STATES = ("installation_pending", "active", "suspended", "change_pending")

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
    """Lock and return one order with its account (lock the order before its lines)."""
    return lock_one(
        CustomerOrder.objects.select_related("account"), pk=order_id, label="Order"
    )


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


def orders_get_for_update(*, order_ids: Iterable[int]) -> dict[int, CustomerOrder]:
    """Lock and return orders by id, in ascending pk and one query; raise NotFound for a
    missing one (lock orders before their lines)."""
    ids = set(order_ids)
    if not ids:
        return {}
    orders = {
        order.pk: order for order in lock_many(CustomerOrder.objects.filter(pk__in=ids))
    }
    missing = sorted(ids - orders.keys())
    if missing:
        raise NotFound(f"Order {missing[0]} does not exist.")
    return orders


def order_lines_get_for_update(
    *, order_line_ids: Iterable[tuple[int, int]]
) -> dict[int, CustomerOrderLine]:
    """Lock and return lines, each named as (order id, line id), by line id, in ascending
    pk and one query; raise NotFound for a line that is not its order's. Lock the orders
    first."""
    pairs = set(order_line_ids)
    if not pairs:
        return {}
    lines = {
        line.pk: line
        for line in lock_many(
            CustomerOrderLine.objects.filter(
                order_id__in={order_id for order_id, _ in pairs},
                pk__in={line_id for _, line_id in pairs},
            )
        )
    }
    for order_id, line_id in sorted(pairs, key=lambda pair: pair[1]):
        line = lines.get(line_id)
        if line is None or line.order_id != order_id:
            raise NotFound(f"Order line {line_id} does not exist.")
    return lines


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
    return ProductOffering.objects.select_related("product_specification").in_bulk(
        set(offering_ids)
    )


def inventory_items_by_id(*, item_ids: Iterable[int]) -> dict[int, InventoryItem]:
    """Return the inventory items MACD lines act on, by id, in one query (none for no ids)."""
    return InventoryItem.objects.select_related("specification").in_bulk(set(item_ids))


def offering_bundle_children(
    *, offering_ids: Iterable[int]
) -> dict[int, list[OfferingRelationship]]:
    """Return the child relationships of bundle offerings by parent id, in one query."""
    ids = set(offering_ids)
    children: dict[int, list[OfferingRelationship]] = {pk: [] for pk in ids}
    if not ids:
        return children
    for relationship in (
        OfferingRelationship.objects.filter(parent_id__in=ids)
        .select_related("child", "child__product_specification")
        .order_by("parent_id", "position", "id")
    ):
        children[relationship.parent_id].append(relationship)
    return children


def compatibility_rules_by_source_code(
    *, specification_codes: Iterable[str]
) -> dict[str, list[CompatibilityRule]]:
    """Return the compatibility rules whose source has one of the codes (any version)."""
    codes = set(specification_codes)
    rules: dict[str, list[CompatibilityRule]] = {}
    if not codes:
        return rules
    for rule in CompatibilityRule.objects.filter(source__code__in=codes).select_related(
        "source", "target"
    ):
        rules.setdefault(rule.source.code, []).append(rule)
    return rules


class _PreparingCursor(psycopg.Cursor):
    """A psycopg cursor binding parameters on the server and preparing every statement
    on first use (per connection), so PostgreSQL parses and plans it once."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        result = super().execute(query, params, prepare=True)
        # What Django's query log reads (psycopg leaves it unset for a prepared
        # statement); the text with its values is only built when it is read.
        self._query = _LoggedQuery(self.connection, query, params)
        return result


class _LoggedQuery:
    __slots__ = ("_connection", "_params", "_sql")

    def __init__(self, connection: Any, sql: str, params: Any) -> None:
        self._connection = connection
        self._sql = sql
        self._params = params

    @property
    def query(self) -> bytes:
        text = psycopg.ClientCursor(self._connection).mogrify(self._sql, self._params)
        return text.encode()


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A database cursor for a hot statement of fixed text (parameters as %s).

    On PostgreSQL it is prepared once per connection (settings give the connection a
    prepare_threshold; Django's own cursors bind on the client and never prepare),
    which saves PostgreSQL most of the CPU of statements that run on every POST
    productOrder. Statements are logged and errors wrapped like Django's cursors do.
    Elsewhere it is Django's cursor.
    """
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        if connection.connection.prepare_threshold is not None:
            raw = _PreparingCursor(connection.connection)
            with connection._prepare_cursor(raw) as cursor:
                yield cursor
            return
    with connection.cursor() as cursor:
        yield cursor


def account_owned_specification_codes(*, account_id: int) -> dict[int, str]:
    """Return the specification code of each live inventory item of an account, by item
    id. In SQL (one query): capture runs it whenever a compatibility rule applies."""
    quote = connection.ops.quote_name
    item = InventoryItem._meta
    specification_column = item.get_field("specification").column
    specification_table = item.get_field("specification").related_model._meta.db_table
    states = ", ".join(["%s"] * len(OWNED_ITEM_STATES))
    with prepared_cursor() as cursor:
        cursor.execute(
            f"SELECT i.{quote(item.pk.column)}, s.{quote('code')} "
            f"FROM {quote(item.db_table)} i LEFT JOIN {quote(specification_table)} s "
            f"ON s.{quote('id')} = i.{quote(specification_column)} "
            f"WHERE i.{quote(item.get_field('account').column)} = %s "
            f"AND i.{quote('state')} IN ({states})",
            [account_id, *OWNED_ITEM_STATES],
        )
        return dict(cursor.fetchall())


def user_in_work_group(*, user_id: int, work_group_id: int) -> bool:
    """True when the user is a member of the work group or a superuser (one query)."""
    return (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True)
        .filter(Q(is_superuser=True) | Q(work_groups__pk=work_group_id))
        .exists()
    )


def user_may_decide_approval(*, user_id: int, work_group_id: int | None) -> bool:
    """True for superusers, order managers and members of the order's approval group
    (any order approver when the order names no group)."""
    allowed = Q(is_superuser=True) | Q(groups__name=Role.ORDER_MANAGER.label)
    if work_group_id is not None:
        allowed |= Q(work_groups__pk=work_group_id)
    else:
        allowed |= Q(groups__name=Role.ORDER_APPROVER.label)
    return (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True)
        .filter(allowed)
        .exists()
    )


def work_groups_by_code(*, codes: Iterable[str]) -> dict[str, WorkGroup]:
    """Return work groups by code, in one query (none for no codes)."""
    wanted = set(codes)
    if not wanted:
        return {}
    return {group.code: group for group in WorkGroup.objects.filter(code__in=wanted)}


_OPEN_TASK_STATES = (EnrichmentTaskState.OPEN, EnrichmentTaskState.IN_PROGRESS)


def enrichment_task_get(*, task_id: int) -> EnrichmentTask:
    """Return one enrichment task; raise NotFound."""
    try:
        return EnrichmentTask.objects.get(pk=task_id)
    except EnrichmentTask.DoesNotExist as exc:
        raise NotFound(f"Enrichment task {task_id} does not exist.") from exc


def enrichment_task_get_for_update(*, task_id: int) -> EnrichmentTask:
    """Lock and return one enrichment task with its group (lock its order first)."""
    return lock_one(
        EnrichmentTask.objects.select_related("work_group"),
        pk=task_id,
        label="Enrichment task",
    )


def enrichment_tasks_open_for_update(*, order_id: int) -> list[EnrichmentTask]:
    """Lock and return an order's open and claimed tasks in ascending pk."""
    return lock_many(
        EnrichmentTask.objects.filter(order_id=order_id, state__in=_OPEN_TASK_STATES)
    )


def enrichment_tasks_open_exist(*, order_id: int, excluding_id: int) -> bool:
    """True while the order has another open or claimed enrichment task."""
    return (
        EnrichmentTask.objects.filter(order_id=order_id, state__in=_OPEN_TASK_STATES)
        .exclude(pk=excluding_id)
        .exists()
    )


# --- queues and lists for the workspaces ----------------------------------------------


def _sees_every_queue(*, user: Any) -> bool:
    return user.is_superuser or Role.ORDER_MANAGER in user_roles(user)


def approval_queue(*, user: User) -> QuerySet[CustomerOrder]:
    """Orders waiting for approval in the user's groups, oldest submitted first.

    Superusers and order managers see every waiting order. Each order carries its
    totals, discount, approval reason and group.
    """
    orders = (
        CustomerOrder.objects.filter(
            state=CustomerOrderState.NEW, approval_status=ApprovalStatus.PENDING
        )
        .select_related("account", "approval_group", "captured_by")
        .order_by("submitted_at", "id")
    )
    if not user.is_authenticated or not user.is_active:
        return orders.none()
    if _sees_every_queue(user=user):
        return orders
    return orders.filter(approval_group__members=user)


def enrichment_queue(*, user: User) -> QuerySet[EnrichmentTask]:
    """Open and claimed enrichment tasks of the user's work groups, oldest first."""
    tasks = (
        EnrichmentTask.objects.filter(state__in=_OPEN_TASK_STATES)
        .select_related(
            "order",
            "order__account",
            "line",
            "line__offering",
            "work_group",
            "assignee",
        )
        .order_by("created_at", "id")
    )
    if not user.is_authenticated or not user.is_active:
        return tasks.none()
    if user.is_superuser:
        return tasks
    return tasks.filter(work_group__members=user)


def order_list_for_agent(
    *, user: User, search: str = "", state: str = "", channel: str = ""
) -> QuerySet[CustomerOrder]:
    """The orders a user may see, newest first, searched by number, external id or
    customer name and filtered by state and channel."""
    orders = orders_visible_to(user=user).select_related("captured_by")
    text = search.strip()
    if text:
        orders = orders.filter(
            Q(number__icontains=text)
            | Q(external_id__icontains=text)
            | Q(account__name__icontains=text)
            | Q(account__number__icontains=text)
        )
    if state:
        orders = orders.filter(state=state)
    if channel:
        orders = orders.filter(channel=channel)
    return orders.order_by("-id")


@dataclass(frozen=True)
class OrderDetail:
    """An order page's data: the order, its lines (offering, item, parent), its
    enrichment tasks and the audit history of the order and its lines, oldest first."""

    order: CustomerOrder
    lines: list[CustomerOrderLine]
    tasks: list[EnrichmentTask]
    history: list[AuditEvent]


def order_detail(*, user: User, order_id: int) -> OrderDetail:
    """Return an order with lines, tasks and history if the user may read it (5 queries)."""
    try:
        order = (
            orders_visible_to(user=user)
            .select_related("captured_by", "approved_by", "approval_group")
            .get(pk=order_id)
        )
    except CustomerOrder.DoesNotExist as exc:
        raise NotFound(f"Order {order_id} does not exist.") from exc
    lines = list(
        CustomerOrderLine.objects.filter(order_id=order.pk)
        .select_related("offering", "specification", "inventory_item")
        .order_by("line_number")
    )
    tasks = list(
        EnrichmentTask.objects.filter(order_id=order.pk)
        .select_related("work_group", "assignee", "line")
        .order_by("created_at", "id")
    )
    content_types = ContentType.objects.get_for_models(
        CustomerOrder, CustomerOrderLine, EnrichmentTask, for_concrete_models=False
    )
    history = list(
        AuditEvent.objects.filter(
            Q(subject_type=content_types[CustomerOrder], subject_id=str(order.pk))
            | Q(
                subject_type=content_types[CustomerOrderLine],
                subject_id__in=[str(line.pk) for line in lines],
            )
            | Q(
                subject_type=content_types[EnrichmentTask],
                subject_id__in=[str(task.pk) for task in tasks],
            )
        )
        .select_related("actor_user", "subject_type")
        .order_by("occurred_at", "id")
    )
    return OrderDetail(order=order, lines=lines, tasks=tasks, history=history)
