"""Reads of fallout handling: one fallout with its context, the agent queues, the lock
functions, the route a new fallout takes, and the manager dashboard's figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Q, QuerySet, Subquery
from django.db.models.functions import Cast, TruncDate

from decisions.evaluator import decision_published_compiled
from fallout.models import (
    FALLOUT_ENDED_STATES,
    FALLOUT_WORKABLE_STATES,
    FalloutRecord,
    FalloutType,
)
from fallout.rules import (
    AGING_BUCKETS,
    ROUTING_TABLE_KEY,
    RouteDecision,
    fallout_route_default,
    fallout_route_merge,
)
from orchestration.selectors import order_task_lock_chain
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_many, lock_one
from ordermgmt.models import AuditEvent, WorkGroup
from ordermgmt.roles import Role
from orders.models import CustomerOrderLine

User = get_user_model()

# --- one fallout ---------------------------------------------------------------------


def _with_context(queryset: QuerySet[FalloutRecord]) -> QuerySet[FalloutRecord]:
    return queryset.select_related(
        "fallout_type",
        "work_group",
        "assignee",
        "reported_by",
        "order__account",
        "line__offering",
        "task__domain_order__specification",
    )


def fallout_get(*, fallout_id: int) -> FalloutRecord:
    """Return one fallout with its type, group, order, line, task and domain order."""
    try:
        return _with_context(FalloutRecord.objects.all()).get(pk=fallout_id)
    except FalloutRecord.DoesNotExist as exc:
        raise NotFound(f"Fallout {fallout_id} does not exist.") from exc


def fallout_get_for_update(*, fallout_id: int) -> FalloutRecord:
    """Lock one fallout (lock its task's chain first: order → domain order → task)."""
    return lock_one(FalloutRecord.objects.all(), pk=fallout_id, label="Fallout")


def fallout_ids(*, fallout_id: int) -> tuple[int, int, int]:
    """Return (task id, order id, line id) of a fallout without locking; raise NotFound."""
    row = (
        FalloutRecord.objects.filter(pk=fallout_id)
        .values_list("task_id", "order_id", "line_id")
        .first()
    )
    if row is None:
        raise NotFound(f"Fallout {fallout_id} does not exist.")
    return row


def fallout_lock_chain(*, fallout_id: int) -> FalloutRecord:
    """Lock a fallout after its task's chain: order → domain order → task → fallout."""
    task_id, _, _ = fallout_ids(fallout_id=fallout_id)
    order_task_lock_chain(task_id=task_id)
    return fallout_get_for_update(fallout_id=fallout_id)


def fallout_open_for_task(*, task_id: int) -> FalloutRecord | None:
    """Return the task's fallout that has not ended, if any."""
    return (
        FalloutRecord.objects.filter(task_id=task_id)
        .exclude(state__in=FALLOUT_ENDED_STATES)
        .first()
    )


def fallouts_open_of_line_for_update(*, line_id: int) -> list[FalloutRecord]:
    """Lock the unended fallouts of a line in ascending pk."""
    return lock_many(
        FalloutRecord.objects.filter(line_id=line_id).exclude(
            state__in=FALLOUT_ENDED_STATES
        )
    )


def fallouts_workable_of_type(*, fallout_type_id: int) -> list[tuple[int, int]]:
    """Return (fallout id, task id) of every workable fallout of one type."""
    return list(
        FalloutRecord.objects.filter(
            fallout_type_id=fallout_type_id, state__in=FALLOUT_WORKABLE_STATES
        )
        .order_by("pk")
        .values_list("pk", "task_id")
    )


def fallout_types_active() -> list[FalloutType]:
    return list(FalloutType.objects.filter(is_active=True).order_by("name"))


def fallout_history(*, fallout: FalloutRecord) -> list[AuditEvent]:
    """Return the fallout's events and its task's, oldest first (one query)."""
    types = ContentType.objects.get_for_models(
        FalloutRecord, fallout.task.__class__, for_concrete_models=False
    )
    return list(
        AuditEvent.objects.filter(
            Q(subject_type=types[FalloutRecord], subject_id=str(fallout.pk))
            | Q(
                subject_type=types[fallout.task.__class__],
                subject_id=str(fallout.task_id),
            )
        )
        .select_related("actor_user")
        .order_by("occurred_at", "id")
    )


# --- the order page ------------------------------------------------------------------


def order_fallouts_open(*, order_id: int) -> list[FalloutRecord]:
    """Return an order's fallouts that have not ended, most urgent first."""
    return list(
        FalloutRecord.objects.filter(order_id=order_id)
        .exclude(state__in=FALLOUT_ENDED_STATES)
        .select_related("fallout_type", "work_group", "task")
        .order_by("priority", "opened_at", "id")
    )


def order_fallout_events(*, order_id: int) -> list[AuditEvent]:
    """Return the audit events of every fallout of an order, oldest first (one query)."""
    fallout_ids_as_text = (
        FalloutRecord.objects.filter(order_id=order_id)
        .annotate(subject=Cast("pk", output_field=CharField()))
        .values("subject")
    )
    return list(
        AuditEvent.objects.filter(
            # Joined rather than looked up: no query for a cold content-type cache.
            subject_type__app_label=FalloutRecord._meta.app_label,
            subject_type__model=FalloutRecord._meta.model_name,
            subject_id__in=Subquery(fallout_ids_as_text),
        )
        .select_related("actor_user", "subject_type")
        .order_by("occurred_at", "id")
    )


# --- routing -------------------------------------------------------------------------


def fallout_route_decide(
    *,
    error_code: str,
    task_code: str,
    task_type: str,
    adapter: str,
    specification: str,
    customer: str,
    reported: bool,
    task_priority: int,
) -> RouteDecision:
    """Choose type, group and priority: the published fallout_routing table (first hit)
    on these inputs, the default route where it has no answer or does not exist."""
    default = fallout_route_default(
        adapter=adapter, reported=reported, task_priority=task_priority
    )
    compiled = decision_published_compiled(key=ROUTING_TABLE_KEY)
    if compiled is None:
        return default
    result = compiled.evaluate(
        {
            "error_code": error_code,
            "task_code": task_code,
            "task_type": task_type,
            "adapter": adapter,
            "specification": specification,
            "customer": customer,
            "source": "reported" if reported else "automated",
        }
    )
    if not result.matched:
        return default
    outputs = result.outputs
    if isinstance(outputs, list):
        outputs = outputs[0] if outputs else {}
    return fallout_route_merge(
        default=default,
        outputs=outputs,
        row=result.matched_rows[0] if result.matched_rows else None,
        known_types=set(
            FalloutType.objects.filter(is_active=True).values_list("code", flat=True)
        ),
        known_groups=set(WorkGroup.objects.values_list("code", flat=True)),
    )


# --- queues --------------------------------------------------------------------------


@dataclass(frozen=True)
class FalloutQueueFilters:
    scope: str = "mine"  # "mine" | "groups" | "all" (managers)
    type_id: int | None = None
    state: str = ""  # "" = every workable state
    priority: int | None = None
    search: str = ""


def fallout_queue(
    *, user: Any, filters: FalloutQueueFilters
) -> QuerySet[FalloutRecord]:
    """Return the user's fallouts (scope mine), its groups' (groups) or every one (all),
    filtered, most urgent and oldest first; related rows joined, no query per row."""
    records = FalloutRecord.objects.select_related(
        "fallout_type", "work_group", "assignee", "order__account", "task"
    )
    if filters.scope == "mine":
        records = records.filter(assignee_id=user.pk)
    elif filters.scope == "groups":
        records = records.filter(work_group__members__pk=user.pk)
    if filters.state:
        records = records.filter(state=filters.state)
    else:
        records = records.filter(state__in=FALLOUT_WORKABLE_STATES)
    if filters.type_id is not None:
        records = records.filter(fallout_type_id=filters.type_id)
    if filters.priority is not None:
        records = records.filter(priority=filters.priority)
    text = filters.search.strip()
    if text:
        records = records.filter(
            Q(number__iexact=text)
            | Q(order__number__iexact=text)
            | Q(number__icontains=text)
            | Q(order__number__icontains=text)
        )
    return records.order_by("priority", "opened_at", "id")


# --- manager dashboard -----------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    label: str
    count: int
    key: int | None = None


def fallouts_open_by_type() -> list[CountRow]:
    """Return the number of workable fallouts per type, largest first."""
    rows = (
        FalloutRecord.objects.filter(state__in=FALLOUT_WORKABLE_STATES)
        .values("fallout_type_id", "fallout_type__name")
        .annotate(count=Count("id"))
        .order_by("-count", "fallout_type__name")
    )
    return [
        CountRow(
            label=row["fallout_type__name"],
            count=row["count"],
            key=row["fallout_type_id"],
        )
        for row in rows
    ]


def fallouts_open_by_group() -> list[CountRow]:
    """Return the number of workable fallouts per work group, largest first."""
    rows = (
        FalloutRecord.objects.filter(state__in=FALLOUT_WORKABLE_STATES)
        .values("work_group_id", "work_group__name")
        .annotate(count=Count("id"))
        .order_by("-count", "work_group__name")
    )
    return [
        CountRow(
            label=row["work_group__name"], count=row["count"], key=row["work_group_id"]
        )
        for row in rows
    ]


def fallout_aging(*, now: datetime) -> list[CountRow]:
    """Return the workable fallouts counted by age bucket (one query)."""
    aggregates = {}
    for index, (_, low, high) in enumerate(AGING_BUCKETS):
        condition = Q(opened_at__lte=now - low)
        if high is not None:
            condition &= Q(opened_at__gt=now - high)
        aggregates[f"b{index}"] = Count("id", filter=condition)
    counts = FalloutRecord.objects.filter(state__in=FALLOUT_WORKABLE_STATES).aggregate(
        **aggregates
    )
    return [
        CountRow(label=label, count=counts[f"b{index}"] or 0)
        for index, (label, _, _) in enumerate(AGING_BUCKETS)
    ]


def fallout_mean_time_to_resolve(*, now: datetime, days: int = 30) -> timedelta | None:
    """Return the mean time from open to resolved of the fallouts resolved in the last
    `days` days, or None when none was (one query, averaged in Python over two
    timestamps per row because SQLite cannot average durations)."""
    rows = FalloutRecord.objects.filter(
        resolved_at__isnull=False, resolved_at__gte=now - timedelta(days=days)
    ).values_list("opened_at", "resolved_at")
    total = timedelta(0)
    count = 0
    for opened_at, resolved_at in rows.iterator(chunk_size=2000):
        total += resolved_at - opened_at
        count += 1
    return total / count if count else None


@dataclass
class RateSeries:
    offering: str
    rates: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class FalloutRate:
    days: list[date]
    series: list[RateSeries]

    def as_chart(self) -> dict[str, Any]:
        return {
            "labels": [day.isoformat() for day in self.days],
            "datasets": [{"label": s.offering, "data": s.rates} for s in self.series],
        }


def fallout_rate_by_offering(*, now: datetime, days: int = 14) -> FalloutRate:
    """Return, per offering and day, fallouts opened per 100 lines that started
    fulfillment that day (two grouped queries)."""
    start = (now - timedelta(days=days - 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    day_list = [(start + timedelta(days=n)).date() for n in range(days)]
    fallouts = (
        FalloutRecord.objects.filter(opened_at__gte=start)
        .annotate(day=TruncDate("opened_at"))
        .values("day", "line__offering__name")
        .annotate(count=Count("line_id", distinct=True))
    )
    started = (
        CustomerOrderLine.objects.filter(started_at__gte=start)
        .annotate(day=TruncDate("started_at"))
        .values("day", "offering__name")
        .annotate(count=Count("id"))
    )
    lines: dict[tuple[str, date], int] = {
        (row["offering__name"], row["day"]): row["count"] for row in started
    }
    failed: dict[str, dict[date, int]] = defaultdict(dict)
    for row in fallouts:
        failed[row["line__offering__name"] or "—"][row["day"]] = row["count"]
    series = []
    for offering in sorted(failed):
        rate = RateSeries(offering=offering)
        for day in day_list:
            count = failed[offering].get(day, 0)
            base = lines.get((offering, day), 0)
            rate.rates.append(round(100.0 * count / max(base, count, 1), 1))
        series.append(rate)
    return FalloutRate(days=day_list, series=series)


def fallout_staff(*, user_ids: Iterable[int] | None = None) -> list[Any]:
    """Return the active users who may work fallouts (for the reassignment form)."""
    users = User.objects.filter(
        is_active=True,
        groups__name__in=[Role.FALLOUT_AGENT.label, Role.FALLOUT_MANAGER.label],
    )
    if user_ids is not None:
        users = users.filter(pk__in=set(user_ids))
    return list(users.distinct().order_by("username"))
