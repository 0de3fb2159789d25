"""The set-based task engine: order_tasks_run takes, completes and rolls up the tasks of
many orders together, in statements that do not grow with the orders (docs/adr/0018)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decomposition.models import DomainOrder, DomainOrderState
from orchestration.adapters import ADAPTERS, AdapterPoll
from orchestration.audit import AuditAction
from orchestration.exceptions import TaskNotAutomated
from orchestration.models import OrderTask, OrderTaskState
from orchestration.services import TaskRunOutcome, order_orchestrate
from orchestration.services.engine import order_tasks_run
from ordermgmt.models import AuditEvent
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineState,
)
from tests.orchestration.factories import (
    DomainOrderFactory,
    WorkGroupFactory,
    automated,
    manual,
    plan,
)

pytestmark = pytest.mark.django_db


def _orders(count: int, actor) -> list[DomainOrder]:
    """`count` orders of one line and one product domain order each, orchestrated on
    the default product plan (create the plan first)."""
    domain_orders = [DomainOrderFactory() for _ in range(count)]
    for domain_order in domain_orders:
        order_orchestrate(order_id=domain_order.order_id, actor=actor)
    return domain_orders


def _task(domain_order: DomainOrder, code: str) -> OrderTask:
    return OrderTask.objects.get(domain_order=domain_order, code=code)


def _states(model, pks) -> list[str]:
    by_pk = dict(model.objects.filter(pk__in=pks).values_list("pk", "state"))
    return [by_pk[pk] for pk in pks]


def test_tasks_of_several_orders_complete_and_roll_up_together(job_actor, hook_log):
    # given three orders whose plan has two parallel tasks (the first a PONR task)
    plan(
        "parallel",
        automated("reserve", ponr=True),
        automated("activate"),
        default_for_kind="product",
    )
    done_1, done_2, half = _orders(3, job_actor)
    task_ids = [
        _task(done_1, "reserve").pk,
        _task(done_1, "activate").pk,
        _task(done_2, "reserve").pk,
        _task(done_2, "activate").pk,
        _task(half, "reserve").pk,
    ]

    # when one run takes both tasks of two orders and one task of the third
    outcomes = order_tasks_run(task_ids=task_ids, actor=job_actor)

    # then every task completed
    assert outcomes == dict.fromkeys(task_ids, TaskRunOutcome.COMPLETED)
    assert set(_states(OrderTask, task_ids)) == {OrderTaskState.CLOSED_COMPLETE}
    # and the orders whose last task it was rolled up: domain order, line, order
    assert _states(DomainOrder, [done_1.pk, done_2.pk, half.pk]) == [
        DomainOrderState.CLOSED_COMPLETE,
        DomainOrderState.CLOSED_COMPLETE,
        DomainOrderState.IN_PROGRESS,
    ]
    assert (
        _states(CustomerOrderLine, [done_1.line_id, done_2.line_id])
        == [LineState.COMPLETED] * 2
    )
    assert (
        _states(CustomerOrder, [done_1.order_id, done_2.order_id])
        == [CustomerOrderState.COMPLETED] * 2
    )
    # and the third, which still has a task open, only passed its point of no return
    assert _states(CustomerOrderLine, [half.line_id]) == [LineState.IN_PROGRESS]
    assert _states(CustomerOrder, [half.order_id]) == [CustomerOrderState.IN_PROGRESS]
    assert _task(half, "activate").state == OrderTaskState.OPEN
    assert CustomerOrderLine.objects.get(pk=half.line_id).ponr_at is not None
    # and each hook was sent once with every item of the run
    assert sorted(hook_log.batches) == [
        ("domain_orders_closed", 2),
        ("order_lines_done", 2),
        ("order_lines_ponr", 3),
        ("orders_done", 2),
    ]
    assert sorted(
        kw["domain_order_id"] for kw in hook_log.of("domain_order_closed")
    ) == [
        done_1.pk,
        done_2.pk,
    ]
    assert sorted(kw["order_id"] for kw in hook_log.of("order_done")) == [
        done_1.order_id,
        done_2.order_id,
    ]
    assert sorted(kw["line_id"] for kw in hook_log.of("order_line_ponr")) == sorted(
        [done_1.line_id, done_2.line_id, half.line_id]
    )


def test_run_opens_what_the_completed_tasks_released(job_actor):
    plan(
        "chain",
        automated("provision"),
        automated("bill", "provision"),
        default_for_kind="product",
    )
    domain_orders = _orders(3, job_actor)
    provision = [_task(d, "provision").pk for d in domain_orders]

    order_tasks_run(task_ids=provision, actor=job_actor)

    assert [_task(d, "bill").state for d in domain_orders] == [OrderTaskState.OPEN] * 3
    assert (
        _states(DomainOrder, [d.pk for d in domain_orders])
        == [DomainOrderState.IN_PROGRESS] * 3
    )


# --- statements do not grow with the orders -------------------------------------------


def _queries_to_run_first_tasks(count: int, actor) -> int:
    domain_orders = _orders(count, actor)
    task_ids = [_task(d, "provision").pk for d in domain_orders]
    with CaptureQueriesContext(connection) as queries:
        outcomes = order_tasks_run(task_ids=task_ids, actor=actor)
    assert set(outcomes.values()) == {TaskRunOutcome.COMPLETED}
    return len(queries.captured_queries)


def _queries_to_complete_orders(count: int, actor) -> int:
    domain_orders = _orders(count, actor)
    task_ids = [_task(d, "provision").pk for d in domain_orders]
    with CaptureQueriesContext(connection) as queries:
        outcomes = order_tasks_run(task_ids=task_ids, actor=actor)
    assert set(outcomes.values()) == {TaskRunOutcome.COMPLETED}
    assert set(
        CustomerOrder.objects.filter(
            pk__in=[d.order_id for d in domain_orders]
        ).values_list("state", flat=True)
    ) == {CustomerOrderState.COMPLETED}
    return len(queries.captured_queries)


# django-fsm's ConcurrentTransitionMixin reads every state field in __init__: a queryset
# of an FSM model that defers `state` would load it back with one SELECT per row, so
# these counts also guard the `.only(...)` lists of the engine and its receivers.


def test_run_query_count_does_not_grow_with_the_orders(job_actor):
    # given a plan whose first task releases a second one, and warm caches
    plan(
        "chain",
        automated("provision"),
        automated("bill", "provision"),
        default_for_kind="product",
    )
    _queries_to_run_first_tasks(1, job_actor)

    # when the first task of one order, then of four, is run
    one = _queries_to_run_first_tasks(1, job_actor)
    four = _queries_to_run_first_tasks(4, job_actor)

    # then the same statements ran
    assert four == one


def test_completing_orders_query_count_does_not_grow_with_the_orders(job_actor):
    # given a one-task plan: its task's completion rolls the whole order up
    plan("single", automated("provision"), default_for_kind="product")
    _queries_to_complete_orders(1, job_actor)

    # when one order, then four, are completed by one run
    one = _queries_to_complete_orders(1, job_actor)
    four = _queries_to_complete_orders(4, job_actor)

    # then the same statements ran, roll-up and hook receivers included
    assert four == one


# --- a task taken over meanwhile ------------------------------------------------------


@dataclass
class TakeOverAdapter:
    """Another run takes `victim` over (a new run token) while this run polls."""

    inner: Any
    victim: int
    code: str = "network_provisioning"

    def start(self, **kwargs: Any) -> dict[str, Any]:
        return self.inner.start(**kwargs)

    def poll(self, *, ref: dict[str, Any], now: Any) -> AdapterPoll:
        task = OrderTask.objects.get(pk=self.victim)
        if task.data.get("run_token") != "other-run":
            OrderTask.objects.filter(pk=self.victim).update(
                data={**task.data, "run_token": "other-run"}
            )
        return self.inner.poll(ref=ref, now=now)

    def compensate(self, **kwargs: Any) -> dict[str, Any]:
        return self.inner.compensate(**kwargs)


def test_task_taken_over_meanwhile_is_left_alone_and_the_others_complete(
    job_actor, hook_log, monkeypatch
):
    # given the single tasks of three orders, the middle one to be taken over mid-run
    plan("single", automated("provision"), default_for_kind="product")
    first, taken, last = _orders(3, job_actor)
    task_ids = [_task(d, "provision").pk for d in (first, taken, last)]
    victim = task_ids[1]
    monkeypatch.setitem(
        ADAPTERS,
        "network_provisioning",
        TakeOverAdapter(inner=ADAPTERS["network_provisioning"], victim=victim),
    )

    # when one run takes all three and the adapters finish
    outcomes = order_tasks_run(task_ids=task_ids, actor=job_actor)

    # then the taken-over task is left to the other run
    assert outcomes == {
        task_ids[0]: TaskRunOutcome.COMPLETED,
        victim: TaskRunOutcome.NOTHING_TO_DO,
        task_ids[2]: TaskRunOutcome.COMPLETED,
    }
    task = OrderTask.objects.get(pk=victim)
    assert task.state == OrderTaskState.IN_PROGRESS
    assert task.data["run_token"] == "other-run"
    assert task.completed_at is None
    assert not AuditEvent.objects.filter(
        action=AuditAction.TASK_COMPLETED, subject_id=str(victim)
    ).exists()
    assert _states(DomainOrder, [taken.pk]) == [DomainOrderState.IN_PROGRESS]
    # and the others completed and rolled up without it
    assert _states(CustomerOrder, [first.order_id, taken.order_id, last.order_id]) == [
        CustomerOrderState.COMPLETED,
        CustomerOrderState.IN_PROGRESS,
        CustomerOrderState.COMPLETED,
    ]
    assert sorted(hook_log.batches) == [
        ("domain_orders_closed", 2),
        ("order_lines_done", 2),
        ("orders_done", 2),
    ]


# --- a manual task refuses the batch --------------------------------------------------


def test_batch_with_a_manual_task_is_refused_and_changes_nothing(job_actor):
    # given two orders whose plan opens an automated and a manual task
    plan(
        "mixed",
        automated("provision"),
        manual("survey", group=WorkGroupFactory().code),
        default_for_kind="product",
    )
    one, two = _orders(2, job_actor)
    task_ids = [
        _task(one, "provision").pk,
        _task(two, "provision").pk,
        _task(one, "survey").pk,
    ]
    before = (
        list(OrderTask.objects.order_by("pk").values("state", "attempts", "data")),
        _states(DomainOrder, [one.pk, two.pk]),
        AuditEvent.objects.count(),
    )

    # when one run is asked to take them all
    with pytest.raises(TaskNotAutomated):
        order_tasks_run(task_ids=task_ids, actor=job_actor)

    # then nothing was taken or started
    assert before[1] == [DomainOrderState.QUALIFIED] * 2
    assert (
        list(OrderTask.objects.order_by("pk").values("state", "attempts", "data")),
        _states(DomainOrder, [one.pk, two.pk]),
        AuditEvent.objects.count(),
    ) == before
    assert set(_states(OrderTask, task_ids)) == {OrderTaskState.OPEN}
