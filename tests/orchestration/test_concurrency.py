"""Two workers finishing sibling tasks at the same moment roll up exactly once
(PostgreSQL row locks; skipped on SQLite)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection

from decomposition.audit import AuditAction as DecompositionAuditAction
from decomposition.models import DomainOrder, DomainOrderKind, DomainOrderState
from orchestration.adapters import ADAPTERS, AdapterPoll
from orchestration.audit import AuditAction
from orchestration.models import OrderTask, OrderTaskState
from orchestration.services import TaskRunOutcome, order_orchestrate, order_task_run
from ordermgmt.actor import Actor
from ordermgmt.models import AuditEvent
from tests.orchestration.factories import (
    DomainOrderFactory,
    automated,
    default_plans,
    domain_order_child,
    plan,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch) -> list[int]:
    # Without a test transaction on_commit fires, and the in-line worker (Q_CLUSTER
    # sync) would run the tasks before the two threads get them.
    queued: list[int] = []
    monkeypatch.setattr(
        "orchestration.services.completion.async_task",
        lambda func, task_id: queued.append(task_id),
    )
    return queued


@dataclass
class BarrierAdapter:
    """Lets both workers finish their adapter job before either records it."""

    inner: Any
    barrier: threading.Barrier
    code: str = "network_provisioning"

    def start(self, **kwargs: Any) -> dict[str, Any]:
        return self.inner.start(**kwargs)

    def poll(self, *, ref: dict[str, Any], now: Any) -> AdapterPoll:
        self.barrier.wait(timeout=10)
        return self.inner.poll(ref=ref, now=now)

    def compensate(self, **kwargs: Any) -> dict[str, Any]:
        return self.inner.compensate(**kwargs)


def _run_both_at_once(monkeypatch, task_ids: list[int]) -> list[TaskRunOutcome]:
    barrier = threading.Barrier(len(task_ids))
    monkeypatch.setitem(
        ADAPTERS,
        "network_provisioning",
        BarrierAdapter(inner=ADAPTERS["network_provisioning"], barrier=barrier),
    )
    outcomes: dict[int, TaskRunOutcome] = {}
    errors: list[BaseException] = []

    def work(task_id: int) -> None:
        try:
            outcomes[task_id] = order_task_run(
                task_id=task_id, actor=Actor.job(f"worker-{task_id}")
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in task_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return [outcomes[pk] for pk in task_ids]


def test_sibling_tasks_finishing_together_close_the_domain_order_once(
    monkeypatch, hook_log
):
    # given a domain order whose plan has two independent tasks, both open
    actor = Actor.job("test")
    plan(
        "parallel",
        automated("left"),
        automated("right"),
        default_for_kind="product",
    )
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=actor)
    task_ids = list(
        OrderTask.objects.filter(domain_order=domain_order)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    # when two workers complete them at the same moment
    outcomes = _run_both_at_once(monkeypatch, task_ids)

    # then both completed, and the domain order, line and order rolled up once
    assert outcomes == [TaskRunOutcome.COMPLETED, TaskRunOutcome.COMPLETED]
    domain_order.refresh_from_db()
    assert domain_order.state == DomainOrderState.CLOSED_COMPLETE
    assert (
        AuditEvent.objects.filter(
            action=DecompositionAuditAction.DOMAIN_ORDER_CLOSED,
            subject_id=str(domain_order.pk),
        ).count()
        == 1
    )
    assert len(hook_log.of("domain_order_closed")) == 1
    assert len(hook_log.of("order_line_done")) == 1
    assert len(hook_log.of("order_done")) == 1


def test_sibling_children_finishing_together_open_their_parent_once(
    monkeypatch, hook_log
):
    # given a parent whose first task waits for two child domain orders
    actor = Actor.job("test")
    default_plans()
    parent = DomainOrderFactory()
    children = [
        domain_order_child(parent, kind=DomainOrderKind.SERVICE) for _ in range(2)
    ]
    order_orchestrate(order_id=parent.order_id, actor=actor)
    child_tasks = [OrderTask.objects.get(domain_order=child).pk for child in children]
    parent_task = OrderTask.objects.get(domain_order=parent)
    assert parent_task.state == OrderTaskState.DRAFT

    # when both children's last tasks complete at the same moment
    _run_both_at_once(monkeypatch, child_tasks)

    # then the parent's task was opened, once
    parent_task.refresh_from_db()
    assert parent_task.state == OrderTaskState.OPEN
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.TASK_OPENED, subject_id=str(parent_task.pk)
        ).count()
        == 1
    )
    assert set(
        DomainOrder.objects.filter(pk__in=[c.pk for c in children]).values_list(
            "state", flat=True
        )
    ) == {DomainOrderState.CLOSED_COMPLETE}
    assert hook_log.of("order_line_done") == []
