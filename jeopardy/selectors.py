"""Reads of jeopardy: the tasks due a look (locked for the scan), the roll-up of task
levels to domain orders and orders (computed on read, see docs/adr/0014), the at-risk
tasks and orders of the board, and the open alerts a user should see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, Q, QuerySet
from django.db.models.functions import Coalesce

from jeopardy.models import JeopardyAlert
from orchestration.models import OrderTask, OrderTaskState
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role

_T = OrderTaskState
# A task in one of these states no longer puts its order at risk: its level is cleared.
TASK_FINISHED_STATES: tuple[str, ...] = (
    _T.CLOSED_COMPLETE,
    _T.SKIPPED,
    _T.CANCELED,
)
AT_RISK = Q(jeopardy_level__gt=0) & ~Q(state__in=TASK_FINISHED_STATES)


# --- the scan --------------------------------------------------------------------------


@dataclass(frozen=True)
class DueTask:
    """One task the scan looks at, with what its rules and its math need."""

    pk: int
    order_id: int
    domain_order_id: int
    work_group_id: int | None
    state: str
    code: str
    name: str
    order_number: str
    specification: str
    order_priority: int
    account: str
    opened_at: datetime | None
    sla_minutes: int
    planned_end: datetime | None
    committed_at: datetime | None
    level: int


_DUE_FIELDS = (
    "pk",
    "order_id",
    "domain_order_id",
    "work_group_id",
    "state",
    "code",
    "name",
    "order__number",
    "domain_order__specification__code",
    "order__priority",
    "order__account__number",
    "opened_at",
    "sla_minutes",
    "planned_end",
    "committed",
    "jeopardy_level",
)


def jeopardy_tasks_due_for_update(*, now: datetime, limit: int) -> list[DueTask]:
    """Lock and return up to `limit` tasks whose jeopardy check is due, oldest check
    first; tasks another scan (or a service) holds are skipped, not waited for.

    Reads the partial index orch_task_jeopardy_due_idx, so the cost follows the tasks
    due, not the open tasks. Only the task rows are locked (FOR UPDATE OF the task).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside the service's transaction.")
    rows = (
        OrderTask.objects.filter(
            jeopardy_check_at__isnull=False, jeopardy_check_at__lte=now
        )
        .annotate(
            committed=Coalesce(
                "order__committed_date", "order__requested_completion_date"
            )
        )
        .order_by("jeopardy_check_at")
        .select_for_update(of=("self",), skip_locked=True)
        .values_list(*_DUE_FIELDS)[:limit]
    )
    return [DueTask(*row) for row in rows]


def order_planned_ends(*, order_ids: Iterable[int]) -> dict[int, datetime]:
    """Return the latest planned end of each order's tasks (one query)."""
    rows = (
        OrderTask.objects.filter(order_id__in=set(order_ids))
        .values("order_id")
        .annotate(end=Max("planned_end"))
        .values_list("order_id", "end")
    )
    return {order_id: end for order_id, end in rows if end is not None}


def jeopardy_alert_keys(*, task_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Return the (task, level) pairs already alerted among `task_ids`."""
    return set(
        JeopardyAlert.objects.filter(task_id__in=set(task_ids)).values_list(
            "task_id", "level"
        )
    )


def sql_update_from_values_supported() -> bool:
    return connection.vendor == "postgresql"


# --- roll-up ---------------------------------------------------------------------------


def order_jeopardy_levels(*, order_ids: Iterable[int]) -> dict[int, int]:
    """Return each order's level: the highest of its unfinished tasks (orders not at
    risk are left out). Reads orch_task_at_risk_idx."""
    rows = (
        OrderTask.objects.filter(AT_RISK, order_id__in=set(order_ids))
        .values("order_id")
        .annotate(level=Max("jeopardy_level"))
        .values_list("order_id", "level")
    )
    return dict(rows)


def domain_order_jeopardy_levels(*, order_ids: Iterable[int]) -> dict[int, int]:
    """Return the level of each domain order of these orders that is at risk: the
    highest of its unfinished tasks."""
    rows = (
        OrderTask.objects.filter(AT_RISK, order_id__in=set(order_ids))
        .values("domain_order_id")
        .annotate(level=Max("jeopardy_level"))
        .values_list("domain_order_id", "level")
    )
    return dict(rows)


# --- the board -------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    level: int | None = None  # at least this level
    work_group_id: int | None = None
    older_than_hours: int | None = None  # opened at least this long ago


def jeopardy_tasks_at_risk(
    *, filters: BoardFilters, now: datetime
) -> QuerySet[OrderTask]:
    """Return the unfinished tasks at risk, highest level then oldest first."""
    tasks = OrderTask.objects.filter(AT_RISK)
    if filters.level:
        tasks = tasks.filter(jeopardy_level__gte=filters.level)
    if filters.work_group_id:
        tasks = tasks.filter(work_group_id=filters.work_group_id)
    if filters.older_than_hours:
        tasks = tasks.filter(
            opened_at__lte=now - timedelta(hours=filters.older_than_hours)
        )
    return tasks.select_related(
        "order__account", "domain_order", "work_group", "assignee"
    ).order_by("-jeopardy_level", "opened_at", "id")


@dataclass(frozen=True)
class OrderAtRisk:
    order_id: int
    number: str
    account: str
    committed_at: datetime | None
    level: int
    tasks_at_risk: int
    oldest_opened_at: datetime | None


def jeopardy_orders_at_risk(
    *, filters: BoardFilters, now: datetime, limit: int = 50
) -> list[OrderAtRisk]:
    """Return the orders with tasks at risk (one query), highest level first."""
    rows = (
        jeopardy_tasks_at_risk(filters=filters, now=now)
        .order_by()
        .values(
            "order_id",
            "order__number",
            "order__account__name",
            "order__committed_date",
            "order__requested_completion_date",
        )
        .annotate(
            level=Max("jeopardy_level"),
            n=Count("id"),
            oldest=Min("opened_at"),
        )
        .order_by("-level", "oldest", "order_id")[:limit]
    )
    return [
        OrderAtRisk(
            order_id=row["order_id"],
            number=row["order__number"] or "",
            account=row["order__account__name"],
            committed_at=row["order__committed_date"]
            or row["order__requested_completion_date"],
            level=row["level"],
            tasks_at_risk=row["n"],
            oldest_opened_at=row["oldest"],
        )
        for row in rows
    ]


def jeopardy_level_counts() -> dict[int, int]:
    """Return how many unfinished tasks are at each level (one query)."""
    rows = (
        OrderTask.objects.filter(AT_RISK)
        .values("jeopardy_level")
        .annotate(n=Count("id"))
        .values_list("jeopardy_level", "n")
    )
    return dict(rows)


# --- alerts ----------------------------------------------------------------------------


def order_jeopardy_alerts(*, order_id: int) -> list[JeopardyAlert]:
    """Return the alerts raised on an order's tasks, oldest first (one query)."""
    return list(
        JeopardyAlert.objects.filter(order_id=order_id)
        .select_related("task", "work_group")
        .order_by("created_at", "id")
    )


def jeopardy_alerts_open_for_user(
    *, user: object, limit: int = 10
) -> list[JeopardyAlert]:
    """Return the unacknowledged alerts of the groups the user is in or manages
    (fulfillment managers and superusers see every group's), most severe and newest
    first (one query)."""
    if not getattr(user, "is_authenticated", False):
        return []
    alerts = JeopardyAlert.objects.filter(acknowledged_at__isnull=True)
    if not getattr(user, "is_superuser", False):
        user_id = user.pk  # type: ignore[attr-defined]
        groups = WorkGroup.objects.filter(
            Q(members=user_id) | Q(manager=user_id)
        ).values("pk")
        is_manager = Group.objects.filter(
            user=user_id, name=Role.FULFILLMENT_MANAGER.label
        )
        alerts = alerts.filter(Q(work_group__in=groups) | Exists(is_manager))
    return list(
        alerts.select_related("task", "order", "work_group").order_by(
            "-level", "-created_at", "-id"
        )[:limit]
    )


def jeopardy_alert_recipients(
    *, work_group_ids: Iterable[int | None]
) -> dict[int | None, list[str]]:
    """Return the email addresses to tell about alerts of each group: its members and
    its manager; alerts without a group go to the fulfillment managers (two queries)."""
    wanted = set(work_group_ids)
    recipients: dict[int | None, set[str]] = {key: set() for key in wanted}
    group_ids = {pk for pk in wanted if pk is not None}
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    member_rows = users.filter(
        Q(work_groups__in=group_ids) | Q(managed_work_groups__in=group_ids)
    ).values_list("email", "work_groups", "managed_work_groups")
    for email, member_of, manager_of in member_rows:
        for group_id in (member_of, manager_of):
            if group_id in group_ids:
                recipients[group_id].add(email)
    if None in wanted:
        recipients[None].update(
            users.filter(groups__name=Role.FULFILLMENT_MANAGER.label).values_list(
                "email", flat=True
            )
        )
    return {key: sorted(emails) for key, emails in recipients.items()}
