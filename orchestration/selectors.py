"""Reads of orchestration: plans as the orchestrator needs them, tasks, the group queues,
the tasks due for the engine, and the lock functions the services decide on."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet, Subquery

from decisions.models import DecisionTableState
from decisions.selectors import decision_table_compiled, decision_table_versions
from decomposition.models import DomainOrder
from orchestration.exceptions import NoPlanForDomainOrder, PlanEmpty
from orchestration.models import (
    OrderTask,
    OrderTaskDependency,
    OrderTaskState,
    PlanTemplate,
    TaskTemplate,
    TaskTemplateDependency,
    TaskType,
)
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_many, lock_one
from orders.models import CustomerOrder

PLAN_SELECTION_TABLE_KEY = "plan_selection"

# Open automated tasks younger than this are assumed to be queued already.
UNQUEUED_GRACE = timedelta(minutes=1)


# --- plans -----------------------------------------------------------------------------


def _plans_with_tasks(queryset: QuerySet[PlanTemplate]) -> QuerySet[PlanTemplate]:
    return queryset.prefetch_related(
        Prefetch(
            "task_templates",
            queryset=TaskTemplate.objects.order_by("position", "id").prefetch_related(
                Prefetch(
                    "dependencies",
                    queryset=TaskTemplateDependency.objects.order_by("depends_on_id"),
                )
            ),
        )
    )


def plan_template_get(*, plan_id: int) -> PlanTemplate:
    """Return one plan with its task templates and their dependencies; raise NotFound."""
    try:
        return _plans_with_tasks(PlanTemplate.objects.all()).get(pk=plan_id)
    except PlanTemplate.DoesNotExist as exc:
        raise NotFound(f"Plan template {plan_id} does not exist.") from exc


def plan_templates_for_selection(*, codes: Iterable[str]) -> list[PlanTemplate]:
    """Return the active plans named by `codes` and every active default plan, with
    their task templates and dependencies (three queries whatever the number)."""
    return list(
        _plans_with_tasks(
            PlanTemplate.objects.filter(
                Q(code__in=set(codes)) | ~Q(default_for_kind=""), is_active=True
            )
        )
    )


def _plan_codes_decided(
    *, keys: Iterable[tuple[str, str, str]]
) -> dict[tuple[str, str, str], str]:
    """Evaluate plan_selection once per (specification, kind, action); blank = no hit."""
    table = (
        decision_table_versions(key=PLAN_SELECTION_TABLE_KEY)
        .filter(state=DecisionTableState.PUBLISHED)
        .first()
    )
    if table is None:
        return {}
    evaluate = decision_table_compiled(table=table).evaluate
    decided: dict[tuple[str, str, str], str] = {}
    for key in keys:
        specification, kind, action = key
        result = evaluate(
            {
                "specification": specification,
                "domain_order_kind": kind,
                "action": action,
            }
        )
        outputs = result.outputs if isinstance(result.outputs, dict) else {}
        decided[key] = str(outputs.get("plan") or "") if result.matched else ""
    return decided


def plan_selection(*, domain_orders: Sequence[DomainOrder]) -> dict[int, PlanTemplate]:
    """Choose each domain order's plan: the plan_selection decision table on
    (specification code, domain order kind, action), else the active default plan of
    its kind; raise NoPlanForDomainOrder or PlanEmpty. Queries do not grow with the
    number of domain orders (select_related the specification)."""
    keys = {do.pk: (do.specification.code, do.kind, do.action) for do in domain_orders}
    decided = _plan_codes_decided(keys=set(keys.values()))
    plans = plan_templates_for_selection(codes=set(decided.values()) - {""})
    by_code = {plan.code: plan for plan in plans}
    defaults = {plan.default_for_kind: plan for plan in plans if plan.default_for_kind}
    chosen: dict[int, PlanTemplate] = {}
    for do in domain_orders:
        code = decided.get(keys[do.pk], "")
        if code:
            plan = by_code.get(code)
            if plan is None:
                raise NoPlanForDomainOrder(
                    f"plan_selection chose plan {code} for {do}, but no active plan "
                    "has that code.",
                    plan=code,
                    domain_order_id=do.pk,
                )
        else:
            plan = defaults.get(do.kind)
            if plan is None:
                raise NoPlanForDomainOrder(
                    f"No plan for {do} ({do.kind} order of {do.specification.code}, "
                    f"{do.action}): plan_selection has no row for it and no active "
                    f"plan is the default for {do.kind} orders.",
                    domain_order_id=do.pk,
                    specification=do.specification.code,
                    kind=do.kind,
                    action=do.action,
                )
        if not plan.task_templates.all():
            raise PlanEmpty(
                f"Plan {plan.code} has no tasks and cannot fulfil {do}.", plan=plan.code
            )
        chosen[do.pk] = plan
    return chosen


def plan_template_get_for_update(*, plan_id: int) -> PlanTemplate:
    """Lock one plan (the parent of its task templates) for a write."""
    return lock_one(PlanTemplate.objects.all(), pk=plan_id, label="Plan template")


# --- tasks -----------------------------------------------------------------------------


def order_task_get(*, task_id: int) -> OrderTask:
    """Return one task; raise NotFound."""
    try:
        return OrderTask.objects.get(pk=task_id)
    except OrderTask.DoesNotExist as exc:
        raise NotFound(f"Order task {task_id} does not exist.") from exc


def order_task_get_for_update(*, task_id: int) -> OrderTask:
    """Lock and return one task (lock its order and domain order first)."""
    return lock_one(OrderTask.objects.all(), pk=task_id, label="Order task")


def order_tasks_draft_for_update(
    *,
    order_ids: Iterable[int] | None = None,
    domain_order_ids: Iterable[int] | None = None,
) -> list[OrderTask]:
    """Lock the Draft tasks of some orders or of some domain orders, in ascending pk."""
    tasks = OrderTask.objects.filter(state=OrderTaskState.DRAFT)
    if order_ids is not None:
        tasks = tasks.filter(order_id__in=set(order_ids))
    if domain_order_ids is not None:
        tasks = tasks.filter(domain_order_id__in=set(domain_order_ids))
    return lock_many(tasks)


def order_tasks_for_order(*, order_id: int) -> list[OrderTask]:
    """Return an order's tasks with their dependencies, in planned order."""
    return list(
        OrderTask.objects.filter(order_id=order_id)
        .select_related("domain_order", "work_group", "assignee")
        .prefetch_related(
            Prefetch(
                "dependencies",
                queryset=OrderTaskDependency.objects.order_by("depends_on_id"),
            )
        )
        .order_by("planned_start", "id")
    )


def order_task_queue(*, user_id: int) -> QuerySet[OrderTask]:
    """Return the open and in-progress manual tasks of the user's work groups, most
    urgent first."""
    return (
        OrderTask.objects.filter(
            task_type=TaskType.MANUAL,
            state__in=[OrderTaskState.OPEN, OrderTaskState.IN_PROGRESS],
            work_group__members__pk=user_id,
        )
        .select_related("order", "domain_order", "work_group", "assignee")
        .order_by("priority", "due_at", "id")
    )


def order_tasks_due_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Return automated tasks the engine should look at: polls and retries whose time
    has come, leases that ran out, and open tasks whose queued job was lost."""
    due = Q(
        state=OrderTaskState.IN_PROGRESS,
        next_attempt_at__isnull=False,
        next_attempt_at__lte=now,
    ) | Q(state=OrderTaskState.OPEN) & (
        Q(next_attempt_at__lte=now)
        | Q(next_attempt_at__isnull=True, opened_at__lte=now - UNQUEUED_GRACE)
    )
    return list(
        OrderTask.objects.filter(due, task_type=TaskType.AUTOMATED)
        .order_by("priority", "next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def order_task_lock_chain(
    *, task_id: int
) -> tuple[CustomerOrder, DomainOrder, OrderTask]:
    """Lock a task with its parents, parents first: order → domain order → task.

    Every service that changes a task takes this chain, so the completions of one
    order's tasks run one after the other and each sees the ones before it. Two
    statements: the order (found through the task), then the task with its domain
    order; the order's lock already orders everyone who goes on to lock those two.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside the service's transaction.")
    # Only the lock matters to the callers: the row's few columns are read.
    order = (
        CustomerOrder.objects.only("pk", "number", "state", "account_id")
        .select_for_update(of=("self",))
        .filter(
            pk=Subquery(OrderTask.objects.filter(pk=task_id).values("order_id")[:1])
        )
        .first()
    )
    if order is None:
        raise NotFound(f"Order task {task_id} does not exist.")
    task = (
        OrderTask.objects.select_related("domain_order__specification")
        .select_for_update(of=("self", "domain_order"))
        .get(pk=task_id)
    )
    return order, task.domain_order, task


def order_tasks_lock_chain(*, task_ids: Collection[int]) -> list[OrderTask]:
    """Lock many tasks with their parents, parents first: their orders (ascending pk),
    then the tasks (ascending pk) with their domain orders; return the tasks found.

    The set form of `order_task_lock_chain`, for the engine's batches: two statements
    however many tasks and orders. Two batches lock their common orders in the same
    order, so they queue behind each other instead of deadlocking.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside the service's transaction.")
    if not task_ids:
        return []
    # "state" too: django-fsm's mixin reads the state of every row it builds, and a
    # deferred state would cost a query per order.
    list(
        CustomerOrder.objects.only("pk", "state")
        .select_for_update(of=("self",))
        .filter(
            pk__in=Subquery(
                OrderTask.objects.filter(pk__in=task_ids).values("order_id")
            )
        )
        .order_by("pk")
    )
    return list(
        OrderTask.objects.select_related("domain_order__specification")
        .select_for_update(of=("self", "domain_order"))
        .filter(pk__in=task_ids)
        .order_by("pk")
    )


def order_jeopardy_level(*, order_id: int) -> int:
    """Return an order's jeopardy level: the highest level of its tasks (0 for none)."""
    level = (
        OrderTask.objects.filter(order_id=order_id, jeopardy_level__gt=0)
        .order_by("-jeopardy_level")
        .values_list("jeopardy_level", flat=True)
        .first()
    )
    return int(level or 0)
