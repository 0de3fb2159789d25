"""Running automated tasks through their adapters, with retries and backoff.

One run of a task is up to three short transactions and no lock is held while the
adapter works: take (lock, Open → In progress, lease the task to this run), call the
adapter outside any transaction (`start`, then `poll` while the job finishes within the
inline wait), and record (lock again; completion and roll-up, a later poll, a retry
with exponential backoff, or Failed when the attempts are used up). A run that finds
the task done, leased to another run or not yet due changes nothing, so the worker may
run a task twice. Polls and retries that are not due yet wait for the due-task sweep
(`order_tasks_due_enqueue`, a periodic job in ordermgmt/schedules.py).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.utils import timezone
from django_q.tasks import async_task

from orchestration import hooks
from orchestration.adapters import (
    AdapterError,
    AdapterRequest,
    TaskAdapter,
    adapter_get,
)
from orchestration.audit import AuditAction
from orchestration.conf import engine_settings
from orchestration.exceptions import AdapterUnknown, TaskNotAutomated
from orchestration.models import OrderTask, OrderTaskState, TaskType
from orchestration.rules import retry_backoff_seconds, retry_decide
from orchestration.selectors import (
    order_task_get_for_update,
    order_task_lock_chain,
    order_tasks_due_ids,
)
from orchestration.services.completion import (
    DOMAIN_ORDER_WORKABLE_STATES,
    RUN_TASK,
    TASKS_RUN_ON,
    domain_order_ensure_started,
    task_completed_rollup,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_batched, audit_record
from ordermgmt.exceptions import DomainError
from ordermgmt.transactions import service_atomic

logger = logging.getLogger(__name__)
T = TypeVar("T")

ADAPTER_UNKNOWN_ERROR = "ADAPTER-404"
# A job that says "ask again at once" is still polled no faster than this.
MIN_POLL_SECONDS = 0.05


class TaskRunOutcome(StrEnum):
    NOTHING_TO_DO = "nothing_to_do"
    COMPLETED = "completed"
    WAITING = "waiting"
    RETRY_SCHEDULED = "retry_scheduled"
    FAILED = "failed"


@dataclass(frozen=True)
class _RunTicket:
    """What a run took from the task in its first transaction."""

    task_id: int
    token: str
    adapter_code: str
    request: AdapterRequest
    ref: dict[str, Any] | None


def order_task_run(
    *, task_id: int, actor: Actor, rng: random.Random | None = None
) -> TaskRunOutcome:
    """Run one automated task through its adapter as far as it goes now."""
    ticket = _run_take(task_id=task_id, actor=actor)
    if ticket is None:
        return TaskRunOutcome.NOTHING_TO_DO
    settings = engine_settings()
    deadline = time.monotonic() + settings.inline_wait_seconds
    try:
        adapter = _adapter(code=ticket.adapter_code)
        ref = ticket.ref
        if ref is None:
            ref = adapter.start(
                request=ticket.request, now=timezone.now(), rng=rng or random.Random()
            )
        while True:
            poll = adapter.poll(ref=ref, now=timezone.now())
            if poll.done:
                return _run_complete(
                    ticket=ticket, ref=ref, data=poll.data, actor=actor
                )
            wait = max(poll.retry_after_seconds, MIN_POLL_SECONDS)
            if time.monotonic() + wait > deadline:
                return _run_wait(ticket=ticket, ref=ref, seconds=wait)
            time.sleep(wait)
    except AdapterError as error:
        return _run_fail(ticket=ticket, error=error, actor=actor)


def _adapter(*, code: str) -> TaskAdapter:
    try:
        return adapter_get(code=code)
    except AdapterUnknown as exc:
        raise AdapterError(
            exc.message, code=ADAPTER_UNKNOWN_ERROR, retryable=False
        ) from exc


def _run_take(*, task_id: int, actor: Actor) -> _RunTicket | None:
    now = timezone.now()
    with service_atomic(), audit_batched():
        _, domain_order, task = order_task_lock_chain(task_id=task_id)
        if task.task_type != TaskType.AUTOMATED:
            raise TaskNotAutomated(
                f"Task {task} is manual; a member of its work group completes it."
            )
        if task.state not in (OrderTaskState.OPEN, OrderTaskState.IN_PROGRESS):
            return None
        if task.next_attempt_at is not None and task.next_attempt_at > now:
            return None
        fields = ["data", "attempts", "next_attempt_at", "updated_at"]
        if task.state == OrderTaskState.OPEN:
            if domain_order.state not in DOMAIN_ORDER_WORKABLE_STATES:
                return None
            domain_order = domain_order_ensure_started(
                domain_order=domain_order, actor=actor
            )
            task.start(at=now)
            fields += ["state", "started_at"]
            audit_record(
                subject=task,
                action=AuditAction.TASK_STARTED,
                actor=actor,
                from_state=OrderTaskState.OPEN,
                to_state=task.state,
                at=now,
            )
        ref = (task.data or {}).get("adapter_ref") or None
        if ref is None:
            task.attempts += 1
        token = uuid.uuid4().hex
        task.data = {**(task.data or {}), "run_token": token}
        task.next_attempt_at = now + timedelta(seconds=engine_settings().lease_seconds)
        task.save(update_fields=fields)
    return _RunTicket(
        task_id=task.pk,
        token=token,
        adapter_code=task.adapter,
        request=AdapterRequest(
            task_id=task.pk,
            task_code=task.code,
            domain_order_id=domain_order.pk,
            domain_order_number=domain_order.number or "",
            specification_code=domain_order.specification.code,
            action=domain_order.action,
            characteristics=dict(domain_order.characteristics or {}),
        ),
        ref=ref,
    )


def _still_ours(*, task: OrderTask, ticket: _RunTicket) -> bool:
    # Another run took the task over after our lease ran out, or someone else (fallout,
    # cancellation) moved it on: our result no longer applies.
    return (
        task.state == OrderTaskState.IN_PROGRESS
        and (task.data or {}).get("run_token") == ticket.token
    )


def _data_without_run(task: OrderTask, *drop: str) -> dict[str, Any]:
    return {
        key: value
        for key, value in (task.data or {}).items()
        if key not in ("run_token", *drop)
    }


def _run_complete(
    *, ticket: _RunTicket, ref: dict[str, Any], data: dict[str, Any], actor: Actor
) -> TaskRunOutcome:
    with service_atomic(), audit_batched():
        _, domain_order, task = order_task_lock_chain(task_id=ticket.task_id)
        if not _still_ours(task=task, ticket=ticket):
            return TaskRunOutcome.NOTHING_TO_DO
        now = timezone.now()
        task.data = _data_without_run(task)
        task.complete(data={**data, "adapter_ref": ref}, at=now)
        task.save(
            update_fields=[
                "state",
                "data",
                "completed_at",
                "next_attempt_at",
                "updated_at",
            ]
        )
        audit_record(
            subject=task,
            action=AuditAction.TASK_COMPLETED,
            actor=actor,
            from_state=OrderTaskState.IN_PROGRESS,
            to_state=task.state,
            data={"result": data},
            at=now,
        )
        task_completed_rollup(task=task, domain_order=domain_order, actor=actor, at=now)
    return TaskRunOutcome.COMPLETED


def _run_wait(
    *, ticket: _RunTicket, ref: dict[str, Any], seconds: float
) -> TaskRunOutcome:
    with service_atomic():
        task = order_task_get_for_update(task_id=ticket.task_id)
        if not _still_ours(task=task, ticket=ticket):
            return TaskRunOutcome.NOTHING_TO_DO
        task.data = {**_data_without_run(task), "adapter_ref": ref}
        task.next_attempt_at = timezone.now() + timedelta(seconds=seconds)
        task.save(update_fields=["data", "next_attempt_at", "updated_at"])
    return TaskRunOutcome.WAITING


def _run_fail(
    *, ticket: _RunTicket, error: AdapterError, actor: Actor
) -> TaskRunOutcome:
    settings = engine_settings()
    with service_atomic():
        _, _, task = order_task_lock_chain(task_id=ticket.task_id)
        if not _still_ours(task=task, ticket=ticket):
            return TaskRunOutcome.NOTHING_TO_DO
        now = timezone.now()
        task.data = _data_without_run(task, "adapter_ref")
        if error.retryable and retry_decide(
            attempts=task.attempts, max_attempts=settings.max_attempts
        ):
            delay = retry_backoff_seconds(
                attempts=task.attempts,
                base_seconds=settings.retry_base_seconds,
                max_seconds=settings.retry_max_seconds,
            )
            task.last_error_code = error.code
            task.last_error = error.message
            task.next_attempt_at = now + timedelta(seconds=delay)
            task.save(
                update_fields=[
                    "data",
                    "last_error_code",
                    "last_error",
                    "next_attempt_at",
                    "updated_at",
                ]
            )
            audit_record(
                subject=task,
                action=AuditAction.TASK_RETRY_SCHEDULED,
                actor=actor,
                reason=error.message,
                data={
                    "error_code": error.code,
                    "attempts": task.attempts,
                    "retry_in_seconds": delay,
                },
                at=now,
            )
            return TaskRunOutcome.RETRY_SCHEDULED
        task.fail(error_code=error.code, error=error.message, at=now)
        task.save(
            update_fields=[
                "state",
                "data",
                "last_error_code",
                "last_error",
                "next_attempt_at",
                "updated_at",
            ]
        )
        audit_record(
            subject=task,
            action=AuditAction.TASK_FAILED,
            actor=actor,
            from_state=OrderTaskState.IN_PROGRESS,
            to_state=task.state,
            reason=error.message,
            data={"error_code": error.code, "attempts": task.attempts},
            at=now,
        )
        hooks.ORDER_TASK_FAILED.send(
            order_id=task.order_id,
            task_id=task.pk,
            error_code=error.code,
            error=error.message,
            actor=actor,
            at=now,
        )
    return TaskRunOutcome.FAILED


def order_work_run_on(*, work: Callable[[], T], actor: Actor) -> T:
    """Do `work` (one worker job), then run the automated tasks it made ready, and the
    ones those make ready, in this job while its run-on budget lasts; queue the rest.

    An order of fast automated tasks is so fulfilled by one job instead of one job per
    task, which saves the broker round trips. Each task still runs through
    `order_task_run` in its own transactions, so locks, leases and idempotency are the
    same as for a queued run; a task that was queued or taken meanwhile by another
    worker is left alone by whichever run comes second.
    """
    ready: list[int] = []
    token = TASKS_RUN_ON.set(ready)
    try:
        result = work()
        deadline = time.monotonic() + engine_settings().run_on_seconds
        while ready and time.monotonic() < deadline:
            task_id = ready.pop(0)
            try:
                order_task_run(task_id=task_id, actor=actor)
            except DomainError as exc:
                logger.warning("Order task %s not run: %s", task_id, exc.message)
    finally:
        TASKS_RUN_ON.reset(token)
    for task_id in ready:
        async_task(RUN_TASK, task_id)
    return result


def order_tasks_due_enqueue(*, limit: int = 500) -> list[int]:
    """Queue the automated tasks whose poll or retry is due (the periodic sweep)."""
    task_ids = order_tasks_due_ids(now=timezone.now(), limit=limit)
    for task_id in task_ids:
        async_task(RUN_TASK, task_id)
    return task_ids
