"""Reads of the fulfillment workspaces: the order task queue of an agent's work groups
with its filters, one task an agent may work, and the fulfillment manager's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from orchestration.models import (
    TASK_DONE_STATES,
    JeopardyLevel,
    OrderTask,
    OrderTaskNote,
    OrderTaskState,
    TaskTemplate,
    TaskType,
)
from ordermgmt.exceptions import NotFound
from ordermgmt.models import WorkGroup
from orders.models import CustomerOrder, CustomerOrderState, OrderPriority
from orders.selectors import User

# A problem an agent reports opens a fallout and is kept as a note starting with this.
PROBLEM_NOTE_PREFIX = "Problem reported"

QUEUE_STATES: tuple[str, ...] = (OrderTaskState.OPEN, OrderTaskState.IN_PROGRESS)

_T = OrderTaskState
# Task states the manager's board counts, in the order of its columns.
BOARD_STATES: tuple[tuple[str, str], ...] = (
    (_T.DRAFT, "Waiting"),
    (_T.OPEN, "Open"),
    (_T.IN_PROGRESS, "In progress"),
    (_T.ON_HOLD, "On hold"),
    (_T.AWAITING_INFORMATION, "Awaiting information"),
    (_T.FAILED, "Failed"),
)
_NOT_FINISHED = (
    _T.DRAFT,
    _T.OPEN,
    _T.SCHEDULED,
    _T.IN_PROGRESS,
    _T.ON_HOLD,
    _T.AWAITING_INFORMATION,
)


class DueFilter:
    OVERDUE = "overdue"
    TODAY = "today"
    WEEK = "week"
    CHOICES = (
        (OVERDUE, "Overdue"),
        (TODAY, "Due today"),
        (WEEK, "Due this week"),
    )


class JeopardyFilter:
    # In jeopardy: flagged by the jeopardy scan at any level, or already past its due
    # time (the scan runs every minute; an overdue task is shown at once).
    IN_JEOPARDY = "jeopardy"
    ON_TRACK = "on_track"
    CHOICES = (
        (IN_JEOPARDY, "In jeopardy"),
        (ON_TRACK, "On track"),
    )


class AssignedFilter:
    ME = "me"
    UNCLAIMED = "unclaimed"
    CHOICES = ((ME, "Claimed by me"), (UNCLAIMED, "Not claimed"))


@dataclass(frozen=True)
class TaskQueueFilters:
    task_code: str = ""
    due: str = ""
    priority: int | None = None
    jeopardy: str = ""
    assigned: str = ""


def _day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def _tasks_workable_by(*, user: User) -> QuerySet[OrderTask]:
    """Manual tasks of the user's work groups, and those the user has claimed."""
    tasks = OrderTask.objects.filter(task_type=TaskType.MANUAL)
    if not user.is_authenticated or not user.is_active:
        return tasks.none()
    if user.is_superuser:
        return tasks
    groups = WorkGroup.objects.filter(members=user).values("pk")
    return tasks.filter(Q(work_group__in=groups) | Q(assignee=user))


def _with_queue_details(tasks: QuerySet[OrderTask]) -> QuerySet[OrderTask]:
    return tasks.select_related(
        "order__account",
        "line__offering",
        "domain_order",
        "work_group",
        "assignee",
    ).prefetch_related(
        Prefetch(
            "notes",
            queryset=OrderTaskNote.objects.select_related("author").order_by(
                "created_at", "id"
            ),
        )
    )


def _filtered(
    tasks: QuerySet[OrderTask], *, filters: TaskQueueFilters, user: User, now: datetime
) -> QuerySet[OrderTask]:
    if filters.task_code:
        tasks = tasks.filter(code=filters.task_code)
    if filters.priority is not None:
        tasks = tasks.filter(priority=filters.priority)
    today = _day_start(now)
    if filters.due == DueFilter.OVERDUE:
        tasks = tasks.filter(due_at__lt=now)
    elif filters.due == DueFilter.TODAY:
        tasks = tasks.filter(due_at__gte=today, due_at__lt=today + timedelta(days=1))
    elif filters.due == DueFilter.WEEK:
        week = today - timedelta(days=today.weekday())
        tasks = tasks.filter(due_at__gte=week, due_at__lt=week + timedelta(days=7))
    at_risk = Q(jeopardy_level__gt=JeopardyLevel.NONE) | Q(due_at__lt=now)
    if filters.jeopardy == JeopardyFilter.IN_JEOPARDY:
        tasks = tasks.filter(at_risk)
    elif filters.jeopardy == JeopardyFilter.ON_TRACK:
        tasks = tasks.exclude(at_risk)
    if filters.assigned == AssignedFilter.ME:
        tasks = tasks.filter(assignee_id=user.pk)
    elif filters.assigned == AssignedFilter.UNCLAIMED:
        tasks = tasks.filter(assignee__isnull=True)
    return tasks


def order_task_queue_for_user(
    *, user: User, now: datetime, filters: TaskQueueFilters | None = None
) -> QuerySet[OrderTask]:
    """Return the open and in-progress manual tasks of the user's work groups (and the
    ones it claimed), filtered, soonest due first, with what a queue row shows."""
    tasks = _tasks_workable_by(user=user).filter(state__in=QUEUE_STATES)
    tasks = _filtered(tasks, filters=filters or TaskQueueFilters(), user=user, now=now)
    return _with_queue_details(tasks).order_by(
        Coalesce("due_at", "planned_end").asc(nulls_last=True), "priority", "id"
    )


def order_task_get_for_user(*, user: User, task_id: int) -> OrderTask:
    """Return one manual task the user may work (any state); raise NotFound otherwise."""
    try:
        return _with_queue_details(_tasks_workable_by(user=user)).get(pk=task_id)
    except OrderTask.DoesNotExist as exc:
        raise NotFound(f"Order task {task_id} is not in your queues.") from exc


def order_task_kinds_for_user(*, user: User) -> list[tuple[str, str]]:
    """Return (code, name) of the manual task templates of the user's work groups."""
    templates = TaskTemplate.objects.filter(task_type=TaskType.MANUAL)
    if not user.is_superuser:
        groups = WorkGroup.objects.filter(members=user).values("pk")
        templates = templates.filter(work_group__in=groups)
    seen: dict[str, str] = {}
    for code, name in templates.order_by("name", "code").values_list("code", "name"):
        seen.setdefault(code, name)
    return list(seen.items())


@dataclass(frozen=True)
class NoteRow:
    note: OrderTaskNote
    is_problem: bool


@dataclass(frozen=True)
class TaskRow:
    """A queue row: the task and what the page may offer the user on it."""

    task: OrderTask
    is_overdue: bool
    is_mine: bool
    can_claim: bool
    can_complete: bool
    notes: list[NoteRow]

    @property
    def is_done(self) -> bool:
        return self.task.state in TASK_DONE_STATES

    @property
    def problem_count(self) -> int:
        return sum(1 for note in self.notes if note.is_problem)

    @property
    def priority_label(self) -> str:
        labels = dict(OrderPriority.choices)
        return str(labels.get(self.task.priority, self.task.priority))


def task_row(*, task: OrderTask, user_id: int | None, now: datetime) -> TaskRow:
    """Return the row of a task fetched by the queue selectors (notes prefetched)."""
    notes = [
        NoteRow(note=note, is_problem=note.text.startswith(PROBLEM_NOTE_PREFIX))
        for note in task.notes.all()
    ]
    is_mine = task.assignee_id is not None and task.assignee_id == user_id
    return TaskRow(
        task=task,
        is_overdue=bool(
            task.due_at and task.due_at < now and task.state in QUEUE_STATES
        ),
        is_mine=is_mine,
        can_claim=task.state == OrderTaskState.OPEN,
        can_complete=task.state == OrderTaskState.IN_PROGRESS and is_mine,
        notes=notes,
    )


# --- the fulfillment manager -----------------------------------------------------------


@dataclass(frozen=True)
class OrdersInProgress:
    count: int
    orders: list[CustomerOrder]  # annotated: since, tasks_total, tasks_done, next_due


def orders_in_progress(*, limit: int = 50) -> OrdersInProgress:
    """Return how many orders are in progress and the oldest `limit` of them with their
    task progress and next due time (two queries)."""
    orders = CustomerOrder.objects.filter(state=CustomerOrderState.IN_PROGRESS)
    rows = (
        orders.select_related("account")
        .annotate(
            since=Coalesce("started_at", "approved_at", "created_at"),
            tasks_total=Count("order_tasks"),
            tasks_done=Count(
                "order_tasks", filter=Q(order_tasks__state__in=TASK_DONE_STATES)
            ),
            next_due=Min(
                "order_tasks__due_at",
                filter=Q(order_tasks__state__in=_NOT_FINISHED),
            ),
        )
        .order_by("since", "id")[:limit]
    )
    return OrdersInProgress(count=orders.count(), orders=list(rows))


@dataclass(frozen=True)
class GroupLoad:
    group: str
    counts: list[int]  # in BOARD_STATES order
    overdue: int
    done_today: int

    @property
    def total(self) -> int:
        return sum(self.counts)


def task_load_by_group(*, now: datetime) -> list[GroupLoad]:
    """Return, per work group, its unfinished tasks by state, how many are overdue and
    how many it completed today (one query); tasks without a group come last."""
    today = _day_start(now)
    done_today = Q(state=_T.CLOSED_COMPLETE, completed_at__gte=today)
    counts = {
        f"n_{state}": Count("id", filter=Q(state=state)) for state, _ in BOARD_STATES
    }
    rows = (
        OrderTask.objects.filter(Q(state__in=[s for s, _ in BOARD_STATES]) | done_today)
        .values("work_group_id", "work_group__name")
        .annotate(
            **counts,
            overdue=Count("id", filter=Q(state__in=QUEUE_STATES, due_at__lt=now)),
            done_today=Count("id", filter=done_today),
        )
        .order_by("work_group__name")
    )
    loads = [
        GroupLoad(
            group=row["work_group__name"] or "No group (automated)",
            counts=[row[f"n_{state}"] for state, _ in BOARD_STATES],
            overdue=row["overdue"],
            done_today=row["done_today"],
        )
        for row in rows
    ]
    return sorted(loads, key=lambda load: load.group.startswith("No group"))


@dataclass(frozen=True)
class Throughput:
    orders_completed: int
    orders_partial: int
    orders_failed: int
    tasks_completed: int
    manual_tasks_completed: int


def throughput_today(*, now: datetime) -> Throughput:
    """Return the orders finished and the tasks completed since midnight (two queries)."""
    today = _day_start(now)
    orders = CustomerOrder.objects.filter(completed_at__gte=today).aggregate(
        completed=Count("id", filter=Q(state=CustomerOrderState.COMPLETED)),
        partial=Count("id", filter=Q(state=CustomerOrderState.PARTIAL)),
        failed=Count("id", filter=Q(state=CustomerOrderState.FAILED)),
    )
    tasks = OrderTask.objects.filter(
        state=_T.CLOSED_COMPLETE, completed_at__gte=today
    ).aggregate(
        total=Count("id"),
        manual=Count("id", filter=Q(task_type=TaskType.MANUAL)),
    )
    return Throughput(
        orders_completed=orders["completed"],
        orders_partial=orders["partial"],
        orders_failed=orders["failed"],
        tasks_completed=tasks["total"],
        manual_tasks_completed=tasks["manual"],
    )
