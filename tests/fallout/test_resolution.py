"""Each resolution action closes the fallout and frees its task; the order carries on to
Completed, or rolls up to Partial / Failed when a line is canceled."""

from __future__ import annotations

import pytest
from django.utils import timezone

from decomposition.models import DomainOrder, DomainOrderState
from fallout.audit import AuditAction
from fallout.models import FalloutRecord, FalloutResolution, FalloutState
from fallout.services import (
    fallout_assign,
    fallout_await_information,
    fallout_cancel,
    fallout_cancel_line,
    fallout_complete_task_by_hand,
    fallout_correct_and_retry,
    fallout_hold,
    fallout_resume,
    fallout_retry,
    fallout_skip_task,
    fallouts_bulk_retry,
)
from orchestration.models import OrderTask, OrderTaskState, TaskType
from orchestration.services import order_task_run
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.models import AuditEvent
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineState,
)
from tests.fallout.conftest import order_with_failed_task
from tests.orchestration.factories import DomainOrderFactory

pytestmark = pytest.mark.django_db


def _run_open(actor) -> None:
    """Run open automated tasks until none is left (the worker, synchronously)."""
    while True:
        task = (
            OrderTask.objects.filter(
                state=OrderTaskState.OPEN, task_type=TaskType.AUTOMATED
            )
            .order_by("pk")
            .first()
        )
        if task is None:
            return
        order_task_run(task_id=task.pk, actor=actor)


def _fallout(fallout) -> FalloutRecord:
    return FalloutRecord.objects.get(pk=fallout.pk)


def _order_state(order) -> str:
    return CustomerOrder.objects.get(pk=order.pk).state


def _actions(fallout) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            subject_type__model="falloutrecord", subject_id=str(fallout.pk)
        ).values_list("action", flat=True)
    )


def test_take_puts_the_fallout_in_progress_with_its_assignee(
    failed, agent_actor, fallout_agent
):
    fallout = fallout_assign(fallout_id=failed.fallout.pk, actor=agent_actor)

    assert fallout.state == FalloutState.IN_PROGRESS
    assert _fallout(fallout).assignee_id == fallout_agent.pk
    assert _actions(fallout)[-1] == AuditAction.FALLOUT_ASSIGNED


def test_retry_closes_the_fallout_and_the_order_completes(
    failed, agent_actor, job_actor
):
    # when
    fallout = fallout_retry(fallout_id=failed.fallout.pk, actor=agent_actor)

    # then the task is open again with fresh attempts
    task = failed.task("activate")
    assert task.state == OrderTaskState.OPEN
    assert task.attempts == 0
    fallout = _fallout(fallout)
    assert fallout.state == FalloutState.CLOSED_COMPLETE
    assert fallout.resolution == FalloutResolution.RETRIED
    assert fallout.resolved_at is not None
    assert fallout.closed_at is not None
    assert _actions(fallout)[-2:] == [
        AuditAction.FALLOUT_RESOLVED,
        AuditAction.FALLOUT_CLOSED,
    ]
    # and the order completes once the worker ran the tasks
    _run_open(job_actor)
    assert failed.task("activate").state == OrderTaskState.CLOSED_COMPLETE
    assert _order_state(failed.order) == CustomerOrderState.COMPLETED


def test_retry_queues_the_automated_task_after_commit(
    failed, agent_actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fallout_retry(fallout_id=failed.fallout.pk, actor=agent_actor)

    # Q_CLUSTER sync: the queued run happened at commit.
    assert failed.task("activate").state == OrderTaskState.CLOSED_COMPLETE


def test_correct_and_retry_changes_the_domain_order_values(
    failed, agent_actor, job_actor
):
    fallout_correct_and_retry(
        fallout_id=failed.fallout.pk,
        values={"billing_account": "BA-42"},
        actor=agent_actor,
        reason="Billing account was mistyped.",
    )

    domain_order = DomainOrder.objects.get(pk=failed.domain_order.pk)
    assert domain_order.characteristics["billing_account"] == "BA-42"
    fallout = _fallout(failed.fallout)
    assert fallout.resolution == FalloutResolution.CORRECTED_AND_RETRIED
    assert AuditAction.FALLOUT_CHARACTERISTICS_CORRECTED in _actions(fallout)
    _run_open(job_actor)
    assert _order_state(failed.order) == CustomerOrderState.COMPLETED


def test_correct_needs_a_value(failed, agent_actor):
    with pytest.raises(ValidationFailed):
        fallout_correct_and_retry(
            fallout_id=failed.fallout.pk, values={}, actor=agent_actor
        )

    assert _fallout(failed.fallout).state == FalloutState.OPEN
    assert failed.task("activate").state == OrderTaskState.ON_HOLD


def test_skip_task_opens_what_waited_and_the_order_completes(
    failed, agent_actor, job_actor
):
    fallout_skip_task(
        fallout_id=failed.fallout.pk, actor=agent_actor, reason="Billing done offline."
    )

    assert failed.task("activate").state == OrderTaskState.SKIPPED
    assert failed.task("notify").state in (
        OrderTaskState.OPEN,
        OrderTaskState.CLOSED_COMPLETE,
    )
    assert _fallout(failed.fallout).resolution == FalloutResolution.SKIPPED
    _run_open(job_actor)
    assert _order_state(failed.order) == CustomerOrderState.COMPLETED


def test_skip_needs_a_reason_and_changes_nothing_without_one(failed, agent_actor):
    with pytest.raises(ValidationFailed):
        fallout_skip_task(fallout_id=failed.fallout.pk, actor=agent_actor, reason=" ")

    assert _fallout(failed.fallout).state == FalloutState.OPEN
    assert failed.task("activate").state == OrderTaskState.ON_HOLD


def test_complete_by_hand_closes_the_task_with_its_data(failed, agent_actor, job_actor):
    fallout_complete_task_by_hand(
        fallout_id=failed.fallout.pk,
        actor=agent_actor,
        reason="Activated in the billing console.",
        data={"billing_reference": "BIL-MANUAL-1"},
    )

    task = failed.task("activate")
    assert task.state == OrderTaskState.CLOSED_COMPLETE
    assert task.data["billing_reference"] == "BIL-MANUAL-1"
    assert task.data["completed_by_hand"].endswith("Activated in the billing console.")
    assert _fallout(failed.fallout).resolution == FalloutResolution.COMPLETED_BY_HAND
    _run_open(job_actor)
    assert _order_state(failed.order) == CustomerOrderState.COMPLETED


def test_cancel_line_of_a_one_line_order_fails_the_order(failed, agent_actor):
    fallout_cancel_line(
        fallout_id=failed.fallout.pk, actor=agent_actor, reason="Customer withdrew."
    )

    assert failed.task("activate").state == OrderTaskState.CANCELED
    assert failed.task("notify").state == OrderTaskState.CANCELED
    assert (
        DomainOrder.objects.get(pk=failed.domain_order.pk).state
        == DomainOrderState.CANCELED
    )
    line = CustomerOrderLine.objects.get(pk=failed.domain_order.line_id)
    assert line.state == LineState.FAILED
    assert _order_state(failed.order) == CustomerOrderState.FAILED
    assert _fallout(failed.fallout).resolution == FalloutResolution.LINE_CANCELED


def test_cancel_line_with_another_line_completed_makes_the_order_partial(
    settings, job_actor, agent_actor
):
    # given an order with a second line whose work completes
    failed = order_with_failed_task(settings, job_actor)
    order = failed.order
    from orchestration.services import order_orchestrate

    other = DomainOrderFactory(order=order)
    order_orchestrate(order_id=order.pk, actor=job_actor)
    _run_open(job_actor)
    assert (
        DomainOrder.objects.get(pk=other.pk).state == DomainOrderState.CLOSED_COMPLETE
    )
    assert _order_state(order) == CustomerOrderState.IN_PROGRESS

    # when
    fallout_cancel_line(
        fallout_id=failed.fallout.pk, actor=agent_actor, reason="Cannot bill."
    )

    # then
    assert _order_state(order) == CustomerOrderState.PARTIAL


def test_cancel_fallout_resumes_the_task(failed, agent_actor):
    fallout_cancel(
        fallout_id=failed.fallout.pk, actor=agent_actor, reason="Reported by mistake."
    )

    fallout = _fallout(failed.fallout)
    assert fallout.state == FalloutState.CANCELED
    assert fallout.resolution == FalloutResolution.NO_FAULT
    assert failed.task("activate").state in (
        OrderTaskState.OPEN,
        OrderTaskState.CLOSED_COMPLETE,
    )


def test_a_closed_fallout_cannot_be_resolved_again(failed, agent_actor):
    fallout_retry(fallout_id=failed.fallout.pk, actor=agent_actor)

    with pytest.raises(InvalidTransition):
        fallout_skip_task(fallout_id=failed.fallout.pk, actor=agent_actor, reason="x")


def test_hold_await_and_resume(failed, agent_actor):
    fallout_assign(fallout_id=failed.fallout.pk, actor=agent_actor)
    assert (
        fallout_await_information(
            fallout_id=failed.fallout.pk, actor=agent_actor, reason="Asked the bank."
        ).state
        == FalloutState.AWAITING_INFORMATION
    )
    assert (
        fallout_resume(fallout_id=failed.fallout.pk, actor=agent_actor).state
        == FalloutState.IN_PROGRESS
    )
    assert (
        fallout_hold(
            fallout_id=failed.fallout.pk, actor=agent_actor, reason="Outage"
        ).state
        == FalloutState.ON_HOLD
    )
    assert failed.task("activate").state == OrderTaskState.ON_HOLD


def test_a_new_failure_after_a_retry_opens_a_new_fallout(
    failed, agent_actor, job_actor, settings
):
    fallout_retry(fallout_id=failed.fallout.pk, actor=agent_actor)
    settings.ORCHESTRATION_ADAPTERS = {"billing_activation": {"failure_rate": 1.0}}

    for _ in range(3):
        order_task_run(task_id=failed.tasks["activate"].pk, actor=job_actor)

    fallouts = FalloutRecord.objects.filter(task_id=failed.tasks["activate"].pk)
    assert sorted(fallouts.values_list("state", flat=True)) == sorted(
        [FalloutState.CLOSED_COMPLETE, FalloutState.OPEN]
    )


def test_bulk_retry_retries_every_open_fallout_of_the_type(
    settings, job_actor, agent_actor
):
    # given two billing fallouts and a provisioning one
    first = order_with_failed_task(settings, job_actor)
    second_do = DomainOrderFactory(characteristics={})
    from orchestration.services import order_orchestrate, tasks_open_ready

    order_orchestrate(order_id=second_do.order_id, actor=job_actor)
    tasks_open_ready(actor=job_actor, order_id=second_do.order_id)
    settings.ORCHESTRATION_ADAPTERS = {
        "billing_activation": {"failure_rate": 1.0},
        "network_provisioning": {"failure_rate": 1.0},
    }
    second_task = OrderTask.objects.get(domain_order=second_do, code="activate")
    for _ in range(3):
        order_task_run(task_id=second_task.pk, actor=job_actor)
    settings.ORCHESTRATION_ADAPTERS = {}
    billing = first.fallout.fallout_type
    assert (
        FalloutRecord.objects.filter(
            fallout_type=billing, state=FalloutState.OPEN
        ).count()
        == 2
    )
    started = timezone.now()

    # when
    retried = fallouts_bulk_retry(
        fallout_type_id=billing.pk, actor=agent_actor, reason="Billing is back."
    )

    # then
    assert len(retried) == 2
    assert not FalloutRecord.objects.filter(
        fallout_type=billing, state=FalloutState.OPEN
    ).exists()
    _run_open(job_actor)
    for order_id in (first.order.pk, second_do.order_id):
        assert (
            CustomerOrder.objects.get(pk=order_id).state == CustomerOrderState.COMPLETED
        )
    assert FalloutRecord.objects.filter(closed_at__gte=started).count() == 2
