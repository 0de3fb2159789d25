"""The task engine: opening ready tasks, running automated tasks through adapters,
retries with backoff, failure, idempotency and the due-task sweep."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from decomposition.models import DomainOrderState
from orchestration.adapters.demo import NETWORK_PROVISIONING
from orchestration.audit import AuditAction
from orchestration.exceptions import TaskNotAutomated
from orchestration.models import OrderTask, OrderTaskState
from orchestration.services import (
    InterventionAuditAction,
    TaskRunOutcome,
    order_orchestrate,
    order_task_run,
    order_tasks_due_enqueue,
    tasks_open_ready,
)
from orchestration.tasks import order_task_run_task
from ordermgmt.models import AuditEvent
from tests.orchestration.factories import (
    DomainOrderFactory,
    WorkGroupFactory,
    automated,
    manual,
    plan,
)

pytestmark = pytest.mark.django_db


def _orchestrated(job_actor, *tasks, **domain_order_fields):
    plan("product", *tasks, default_for_kind="product")
    domain_order = DomainOrderFactory(**domain_order_fields)
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    return domain_order, {
        t.code: t for t in OrderTask.objects.filter(domain_order=domain_order)
    }


def _state(task) -> str:
    return OrderTask.objects.get(pk=task.pk).state


def _fresh(task) -> OrderTask:
    return OrderTask.objects.get(pk=task.pk)


def _audit_actions(task) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            subject_type__model="ordertask", subject_id=str(task.pk)
        ).values_list("action", flat=True)
    )


def test_automated_task_completes_and_opens_what_waited(job_actor):
    domain_order, tasks = _orchestrated(
        job_actor, automated("provision"), automated("bill", "provision")
    )

    outcome = order_task_run(
        task_id=tasks["provision"].pk, actor=job_actor, rng=random.Random(1)
    )

    assert outcome == TaskRunOutcome.COMPLETED
    provision = _fresh(tasks["provision"])
    assert provision.state == OrderTaskState.CLOSED_COMPLETE
    assert provision.attempts == 1
    assert provision.completed_at is not None
    assert provision.data["circuit_id"].startswith("CKT-")
    assert "run_token" not in provision.data
    assert _state(tasks["bill"]) == OrderTaskState.OPEN
    assert _audit_actions(provision) == [
        AuditAction.TASK_OPENED,
        AuditAction.TASK_STARTED,
        AuditAction.TASK_COMPLETED,
    ]
    domain_order.refresh_from_db()
    assert domain_order.state == DomainOrderState.IN_PROGRESS


def test_running_a_task_twice_changes_nothing_the_second_time(job_actor):
    _, tasks = _orchestrated(job_actor, automated("provision"))
    order_task_run(task_id=tasks["provision"].pk, actor=job_actor)
    before = (_fresh(tasks["provision"]).data, AuditEvent.objects.count())

    outcome = order_task_run(task_id=tasks["provision"].pk, actor=job_actor)

    assert outcome == TaskRunOutcome.NOTHING_TO_DO
    assert (_fresh(tasks["provision"]).data, AuditEvent.objects.count()) == before


def test_a_draft_task_is_not_run(job_actor):
    _, tasks = _orchestrated(job_actor, automated("a"), automated("b", "a"))

    assert (
        order_task_run(task_id=tasks["b"].pk, actor=job_actor)
        == TaskRunOutcome.NOTHING_TO_DO
    )
    assert _state(tasks["b"]) == OrderTaskState.DRAFT


def test_a_task_leased_to_another_run_is_left_alone(job_actor):
    _, tasks = _orchestrated(job_actor, automated("a"))
    OrderTask.objects.filter(pk=tasks["a"].pk).update(
        state=OrderTaskState.IN_PROGRESS,
        next_attempt_at=timezone.now() + timedelta(minutes=5),
        data={"run_token": "other"},
    )

    assert (
        order_task_run(task_id=tasks["a"].pk, actor=job_actor)
        == TaskRunOutcome.NOTHING_TO_DO
    )
    assert _fresh(tasks["a"]).data == {"run_token": "other"}


def test_failed_call_is_retried_with_exponential_backoff(job_actor, settings):
    settings.ORCHESTRATION_ADAPTERS = {"network_provisioning": {"failure_rate": 1.0}}
    _, tasks = _orchestrated(job_actor, automated("provision"))
    task_id = tasks["provision"].pk

    # first failure: retry after the base delay
    started = timezone.now()
    assert order_task_run(task_id=task_id, actor=job_actor) == (
        TaskRunOutcome.RETRY_SCHEDULED
    )
    task = _fresh(tasks["provision"])
    assert task.state == OrderTaskState.IN_PROGRESS
    assert task.attempts == 1
    assert task.last_error_code == "NET-503"
    assert "unavailable" in task.last_error
    delay = task.next_attempt_at - started
    assert timedelta(seconds=29) < delay < timedelta(seconds=32)

    # not due yet: nothing happens
    assert (
        order_task_run(task_id=task_id, actor=job_actor) == TaskRunOutcome.NOTHING_TO_DO
    )
    assert _fresh(tasks["provision"]).attempts == 1

    # second failure: the delay doubles
    OrderTask.objects.filter(pk=task_id).update(next_attempt_at=timezone.now())
    started = timezone.now()
    assert order_task_run(task_id=task_id, actor=job_actor) == (
        TaskRunOutcome.RETRY_SCHEDULED
    )
    task = _fresh(tasks["provision"])
    assert task.attempts == 2
    assert (
        timedelta(seconds=59) < task.next_attempt_at - started < timedelta(seconds=62)
    )


def test_task_fails_when_retries_are_used_up(job_actor, settings, hook_log):
    settings.ORCHESTRATION_ADAPTERS = {"number_porting": {"failure_rate": 1.0}}
    settings.ORCHESTRATION_RETRY_BASE_SECONDS = 0
    _, tasks = _orchestrated(
        job_actor, automated("port", adapter="number_porting"), automated("b", "port")
    )
    task_id = tasks["port"].pk

    outcomes = [order_task_run(task_id=task_id, actor=job_actor) for _ in range(4)]

    assert outcomes == [
        TaskRunOutcome.RETRY_SCHEDULED,
        TaskRunOutcome.RETRY_SCHEDULED,
        TaskRunOutcome.FAILED,
        TaskRunOutcome.NOTHING_TO_DO,
    ]
    task = _fresh(tasks["port"])
    # The fallout app's receiver of order_task_failed holds the failed task.
    assert task.state == OrderTaskState.ON_HOLD
    assert task.attempts == 3
    assert task.last_error_code == "PORT-409"
    assert task.next_attempt_at is None
    assert _state(tasks["b"]) == OrderTaskState.DRAFT
    assert _audit_actions(task).count(AuditAction.TASK_RETRY_SCHEDULED) == 2
    assert _audit_actions(task)[-2:] == [
        AuditAction.TASK_FAILED,
        InterventionAuditAction.TASK_HELD,
    ]
    assert hook_log.of("order_task_failed") == [
        {
            "order_id": task.order_id,
            "task_id": task.pk,
            "error_code": "PORT-409",
            "error": task.last_error,
            "actor": job_actor,
            "at": hook_log.of("order_task_failed")[0]["at"],
        }
    ]


def test_seeded_failure_rate_is_deterministic(job_actor, settings):
    settings.ORCHESTRATION_ADAPTERS = {"shipping": {"failure_rate": 0.5}}

    def outcomes(seed):
        rng = random.Random(seed)
        results = []
        for _ in range(8):
            try:
                from orchestration.adapters import AdapterRequest, adapter_get

                adapter_get(code="shipping").start(
                    request=AdapterRequest(1, "ship", 1, "PO1", "X", "add"),
                    now=timezone.now(),
                    rng=rng,
                )
                results.append("ok")
            except Exception as exc:  # noqa: BLE001
                results.append(exc.code)
        return results

    first = outcomes(42)
    assert first == outcomes(42)
    assert "SHIP-502" in first
    assert "ok" in first


def test_slow_adapter_hands_the_task_back_with_a_poll_time(job_actor, settings):
    settings.ORCHESTRATION_ADAPTERS = {"network_provisioning": {"latency": 120}}
    _, tasks = _orchestrated(job_actor, automated("provision"))

    outcome = order_task_run(task_id=tasks["provision"].pk, actor=job_actor)

    assert outcome == TaskRunOutcome.WAITING
    task = _fresh(tasks["provision"])
    assert task.state == OrderTaskState.IN_PROGRESS
    assert task.data["adapter_ref"]["reference"].startswith("CKT-")
    assert "run_token" not in task.data
    assert (
        timedelta(seconds=110)
        < task.next_attempt_at - timezone.now()
        < timedelta(seconds=121)
    )
    # when the job is done, the next run polls it (no new call) and completes
    settings.ORCHESTRATION_ADAPTERS = {}
    ref = task.data["adapter_ref"]
    OrderTask.objects.filter(pk=task.pk).update(
        next_attempt_at=timezone.now(),
        data={"adapter_ref": {**ref, "ready_at": timezone.now().isoformat()}},
    )
    assert order_task_run(task_id=task.pk, actor=job_actor) == TaskRunOutcome.COMPLETED
    task = _fresh(task)
    assert task.attempts == 1
    assert task.data["circuit_id"] == ref["reference"]


def test_short_latency_is_waited_for_inline(job_actor, settings):
    settings.ORCHESTRATION_ADAPTERS = {"network_provisioning": {"latency": 0.2}}
    settings.ORCHESTRATION_INLINE_WAIT_SECONDS = 2
    _, tasks = _orchestrated(job_actor, automated("provision"))

    assert (
        order_task_run(task_id=tasks["provision"].pk, actor=job_actor)
        == TaskRunOutcome.COMPLETED
    )


def test_engine_refuses_manual_tasks(job_actor):
    group = WorkGroupFactory(code="field")
    _, tasks = _orchestrated(job_actor, manual("survey", group=group.code))

    with pytest.raises(TaskNotAutomated):
        order_task_run(task_id=tasks["survey"].pk, actor=job_actor)
    assert order_task_run_task(tasks["survey"].pk) == "task_not_automated"


def test_open_task_of_a_held_domain_order_does_not_start(job_actor):
    domain_order, tasks = _orchestrated(job_actor, automated("provision"))
    type(domain_order).objects.filter(pk=domain_order.pk).update(
        state=DomainOrderState.ON_HOLD
    )

    assert (
        order_task_run(task_id=tasks["provision"].pk, actor=job_actor)
        == TaskRunOutcome.NOTHING_TO_DO
    )
    assert _state(tasks["provision"]) == OrderTaskState.OPEN


def test_tasks_open_ready_opens_released_domain_orders(job_actor):
    domain_order, tasks = _orchestrated(
        job_actor, automated("a"), awaiting_information=True
    )
    assert _state(tasks["a"]) == OrderTaskState.DRAFT
    type(domain_order).objects.filter(pk=domain_order.pk).update(
        state=DomainOrderState.QUALIFIED
    )

    opened = tasks_open_ready(domain_order_ids=[domain_order.pk], actor=job_actor)

    assert opened == [tasks["a"].pk]
    assert _state(tasks["a"]) == OrderTaskState.OPEN
    assert tasks_open_ready(order_id=domain_order.order_id, actor=job_actor) == []


def _jobs_recorded(monkeypatch) -> list[tuple[str, int]]:
    """Record the jobs the engine queues; they still run (in-line under pytest)."""
    from django_q.tasks import async_task

    jobs: list[tuple[str, int]] = []

    def record(func: str, *args, **kwargs):
        jobs.append((func.rsplit(".", 1)[-1], args[0]))
        return async_task(func, *args, **kwargs)

    monkeypatch.setattr("orchestration.services.completion.async_task", record)
    monkeypatch.setattr("orchestration.services.engine.async_task", record)
    return jobs


def test_opened_automated_tasks_are_queued_after_commit_and_run_on_in_one_job(
    job_actor, django_capture_on_commit_callbacks, monkeypatch
):
    plan("product", automated("a"), automated("b", "a"), default_for_kind="product")
    domain_order = DomainOrderFactory()
    jobs = _jobs_recorded(monkeypatch)

    # the worker runs in-line in tests (Q_CLUSTER sync): each queued job runs at once
    with django_capture_on_commit_callbacks(execute=True):
        order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
        assert jobs == []

    a, b = (
        OrderTask.objects.filter(domain_order=domain_order)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    # "a" was queued on commit; "b", opened by a's completion, ran on in a's job
    assert jobs == [("order_task_run_task", a)]
    assert set(
        OrderTask.objects.filter(pk__in=[a, b]).values_list("state", flat=True)
    ) == {OrderTaskState.CLOSED_COMPLETE}
    domain_order.refresh_from_db()
    assert domain_order.state == DomainOrderState.CLOSED_COMPLETE


def test_without_run_on_budget_each_opened_task_is_a_job_of_its_own(
    job_actor, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.ORCHESTRATION_RUN_ON_SECONDS = 0
    plan("product", automated("a"), automated("b", "a"), default_for_kind="product")
    domain_order = DomainOrderFactory()
    jobs = _jobs_recorded(monkeypatch)

    with django_capture_on_commit_callbacks(execute=True):
        order_orchestrate(order_id=domain_order.order_id, actor=job_actor)

    a, b = (
        OrderTask.objects.filter(domain_order=domain_order)
        .order_by("code")
        .values_list("pk", flat=True)
    )
    assert jobs == [("order_task_run_task", a), ("order_task_run_task", b)]
    assert _state(OrderTask.objects.get(pk=b)) == OrderTaskState.CLOSED_COMPLETE


def test_due_sweep_queues_due_retries_and_lost_jobs_only(job_actor, monkeypatch):
    _, tasks = _orchestrated(
        job_actor,
        automated("due_retry"),
        automated("later_retry"),
        automated("fresh"),
        automated("lost"),
    )
    now = timezone.now()
    OrderTask.objects.filter(pk=tasks["due_retry"].pk).update(
        state=OrderTaskState.IN_PROGRESS, next_attempt_at=now - timedelta(seconds=1)
    )
    OrderTask.objects.filter(pk=tasks["later_retry"].pk).update(
        state=OrderTaskState.IN_PROGRESS, next_attempt_at=now + timedelta(minutes=5)
    )
    OrderTask.objects.filter(pk=tasks["lost"].pk).update(
        opened_at=now - timedelta(minutes=10)
    )
    queued: list[tuple[str, int]] = []
    monkeypatch.setattr(
        "orchestration.services.engine.async_task",
        lambda func, task_id: queued.append((func, task_id)),
    )

    task_ids = order_tasks_due_enqueue()

    assert sorted(task_ids) == sorted([tasks["due_retry"].pk, tasks["lost"].pk])
    assert queued == [("orchestration.tasks.order_task_run_task", i) for i in task_ids]


def test_demo_adapters_cover_every_adapter_code():
    from orchestration.adapters import ADAPTERS, AdapterCode

    assert set(ADAPTERS) == set(AdapterCode.values)
    assert NETWORK_PROVISIONING.error_code == "NET-503"
