"""Reads of the order manager's page: orders in flight with their state, committed date,
jeopardy level (the highest of their open tasks) and open task count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from jeopardy.selectors import AT_RISK, TASK_FINISHED_STATES
from orchestration.models import OrderTask
from orders.models import CustomerOrder, CustomerOrderState

_S = CustomerOrderState
ORDERS_IN_FLIGHT: tuple[str, ...] = (
    _S.SUBMITTED,
    _S.ENRICHMENT_IN_PROGRESS,
    _S.ENRICHMENT_ON_HOLD,
    _S.NEW,
    _S.ACKNOWLEDGED,
    _S.IN_PROGRESS,
    _S.AWAITING_INFORMATION,
    _S.ON_HOLD,
    _S.REVISION_IN_PROGRESS,
    _S.ASSESSING_CANCELLATION,
    _S.CANCELLATION_IN_PROGRESS,
)


@dataclass(frozen=True)
class OrderOversightFilters:
    q: str = ""
    state: str = ""
    at_risk: int | None = None  # at least this jeopardy level
    past_commit: bool = False


def orders_in_flight(
    *, filters: OrderOversightFilters, now: datetime
) -> QuerySet[CustomerOrder]:
    """Return the orders in flight, newest first, each annotated with `jeopardy`
    (0 when on track) and `open_tasks`; one query per page (the subqueries run for
    the page's rows only)."""
    orders = CustomerOrder.objects.filter(state__in=ORDERS_IN_FLIGHT)
    if filters.state:
        orders = orders.filter(state=filters.state)
    if filters.q:
        orders = orders.filter(
            Q(number__icontains=filters.q)
            | Q(account__name__icontains=filters.q)
            | Q(external_id__icontains=filters.q)
        )
    if filters.at_risk:
        orders = orders.filter(
            Exists(
                OrderTask.objects.filter(
                    AT_RISK,
                    order_id=OuterRef("pk"),
                    jeopardy_level__gte=filters.at_risk,
                )
            )
        )
    if filters.past_commit:
        orders = orders.filter(
            Q(committed_date__lt=now)
            | Q(committed_date__isnull=True, requested_completion_date__lt=now)
        )
    level = (
        OrderTask.objects.filter(AT_RISK, order_id=OuterRef("pk"))
        .order_by("-jeopardy_level")
        .values("jeopardy_level")[:1]
    )
    open_tasks = (
        OrderTask.objects.filter(order_id=OuterRef("pk"))
        .exclude(state__in=TASK_FINISHED_STATES)
        .order_by()
        .values("order_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        orders.select_related("account")
        .annotate(
            jeopardy=Coalesce(Subquery(level), Value(0), output_field=IntegerField()),
            open_tasks=Coalesce(
                Subquery(open_tasks), Value(0), output_field=IntegerField()
            ),
            committed=Coalesce("committed_date", "requested_completion_date"),
        )
        .order_by("-id")
    )
