"""Running automated tasks through their adapters, with retries and backoff.

A run takes a set of tasks (one, or the ready tasks of many orders) in short
transactions and holds no lock while the adapters work: take (lock orders then tasks,
Open → In progress, lease each task to this run), call the adapters outside any
transaction (`start`, then `poll` while the job finishes within the inline wait), and
record (lock again; completion and roll-up of every task done in a poll round in one
transaction, a later poll, a retry with exponential backoff, or Failed when the
attempts are used up). A run that finds
the task done, leased to another run or not yet due changes nothing, so the worker may
run a task twice. Polls and retries that are not due yet wait for the due-task sweep
(`order_tasks_due_enqueue`, a periodic job in ordermgmt/schedules.py).
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.utils import timezone
from django_q.tasks import async_task

from decomposition.models import DomainOrderState
from decomposition.services.transitions import domain_orders_start
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
    order_tasks_lock_chain,
)
from orchestration.services.completion import (
    DOMAIN_ORDER_WORKABLE_STATES,
    RUN_TASK,
    TASKS_RUN_ON,
    tasks_completed_rollup,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_batched, audit_record, audit_record_many
from ordermgmt.exceptions import DomainError
from ordermgmt.transactions import service_atomic
from ordermgmt.writes import rows_save_transitioned

logger = logging.getLogger(__name__)
T = TypeVar("T")

ADAPTER_UNKNOWN_ERROR = "ADAPTER-404"
# A job that says "ask again at once" is still polled no faster than this.
MIN_POLL_SECONDS = 0.05
_DOMAIN_ORDER_STARTABLE = (DomainOrderState.QUALIFIED, DomainOrderState.SCHEDULED)


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
    return order_tasks_run(task_ids=[task_id], actor=actor, rng=rng)[task_id]


def order_tasks_run(
    *, task_ids: Sequence[int], actor: Actor, rng: random.Random | None = None
) -> dict[int, TaskRunOutcome]:
    """Run automated tasks (of one order or many) through their adapters as far as they
    go now; return each task's outcome.

    Set-based: the tasks are taken in one transaction and the ones whose adapters are
    done are completed, with their roll-up, in one transaction per poll round, so the
    statements do not grow with the number of tasks (docs/adr/0018). Adapter calls run
    outside any transaction. Waits and failures are recorded task by task.
    """
    outcomes = dict.fromkeys(task_ids, TaskRunOutcome.NOTHING_TO_DO)
    tickets = _run_take(task_ids=task_ids, actor=actor)
    if not tickets:
        return outcomes
    rng = rng or random.Random()
    deadline = time.monotonic() + engine_settings().inline_wait_seconds
    # (ticket, adapter, ref, when to poll next)
    polling: list[tuple[_RunTicket, TaskAdapter, dict[str, Any], float]] = []
    failed: list[tuple[_RunTicket, AdapterError]] = []
    for ticket in tickets:
        try:
            adapter = _adapter(code=ticket.adapter_code)
            ref = ticket.ref
            if ref is None:
                ref = adapter.start(request=ticket.request, now=timezone.now(), rng=rng)
            polling.append((ticket, adapter, ref, 0.0))
        except AdapterError as error:
            failed.append((ticket, error))
    while polling:
        done: list[tuple[_RunTicket, dict[str, Any], dict[str, Any]]] = []
        later: list[tuple[_RunTicket, TaskAdapter, dict[str, Any], float]] = []
        for ticket, adapter, ref, due in polling:
            if due > time.monotonic():
                later.append((ticket, adapter, ref, due))
                continue
            try:
                poll = adapter.poll(ref=ref, now=timezone.now())
            except AdapterError as error:
                failed.append((ticket, error))
                continue
            if poll.done:
                done.append((ticket, ref, poll.data))
            else:
                wait = max(poll.retry_after_seconds, MIN_POLL_SECONDS)
                later.append((ticket, adapter, ref, time.monotonic() + wait))
        outcomes.update(_run_complete(done=done, actor=actor))
        polling = later
        if not polling:
            break
        soonest = min(due for *_, due in polling)
        if soonest > deadline:
            for ticket, _, ref, due in polling:
                outcomes[ticket.task_id] = _run_wait(
                    ticket=ticket, ref=ref, seconds=max(due - time.monotonic(), 0.0)
                )
            break
        time.sleep(max(0.0, soonest - time.monotonic()))
    for ticket, error in failed:
        outcomes[ticket.task_id] = _run_fail(ticket=ticket, error=error, actor=actor)
    return outcomes


def _adapter(*, code: str) -> TaskAdapter:
    try:
        return adapter_get(code=code)
    except AdapterUnknown as exc:
        raise AdapterError(
            exc.message, code=ADAPTER_UNKNOWN_ERROR, retryable=False
        ) from exc


def _run_take(*, task_ids: Sequence[int], actor: Actor) -> list[_RunTicket]:
    """Lock the tasks (orders first), start the open ones (and their domain orders)
    and lease every task that may run now to this run."""
    now = timezone.now()
    with service_atomic(), audit_batched():
        tasks = order_tasks_lock_chain(task_ids=task_ids)
        manual = [task for task in tasks if task.task_type != TaskType.AUTOMATED]
        if manual:
            raise TaskNotAutomated(
                f"Task {manual[0]} is manual; a member of its work group completes it."
            )
        taken = [
            task
            for task in tasks
            if (
                task.state == OrderTaskState.IN_PROGRESS
                or (
                    task.state == OrderTaskState.OPEN
                    and task.domain_order.state in DOMAIN_ORDER_WORKABLE_STATES
                )
            )
            and (task.next_attempt_at is None or task.next_attempt_at <= now)
        ]
        if not taken:
            return []
        starting = [task for task in taken if task.state == OrderTaskState.OPEN]
        to_start = sorted(
            {
                task.domain_order_id
                for task in starting
                if task.domain_order.state in _DOMAIN_ORDER_STARTABLE
            }
        )
        if to_start:
            started = {
                d.pk: d
                for d in domain_orders_start(
                    domain_order_ids=to_start, actor=actor, at=now
                )
            }
            for task in starting:
                task.domain_order = started.get(task.domain_order_id, task.domain_order)
        from_states = [task.state for task in taken]
        lease = now + timedelta(seconds=engine_settings().lease_seconds)
        tickets = []
        for task in taken:
            if task.state == OrderTaskState.OPEN:
                task.start(at=now)
            ref = (task.data or {}).get("adapter_ref") or None
            if ref is None:
                task.attempts += 1
            token = uuid.uuid4().hex
            task.data = {**(task.data or {}), "run_token": token}
            task.next_attempt_at = lease
            tickets.append(_ticket(task=task, token=token, ref=ref))
        rows_save_transitioned(
            rows=taken,
            from_states=from_states,
            fields=["state", "started_at", "data", "attempts", "next_attempt_at"],
            at=now,
        )
        audit_record_many(
            subjects=starting,
            action=AuditAction.TASK_STARTED,
            actor=actor,
            from_states=[OrderTaskState.OPEN] * len(starting),
            to_state=OrderTaskState.IN_PROGRESS,
            at=now,
        )
    return tickets


def _ticket(*, task: OrderTask, token: str, ref: dict[str, Any] | None) -> _RunTicket:
    domain_order = task.domain_order
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
    *,
    done: Sequence[tuple[_RunTicket, dict[str, Any], dict[str, Any]]],
    actor: Actor,
) -> dict[int, TaskRunOutcome]:
    """Complete the tasks whose adapters are done (ticket, ref, result) and roll them
    up, in one transaction; a task another run or a person moved on meanwhile is left
    alone (NOTHING_TO_DO)."""
    if not done:
        return {}
    results = {ticket.task_id: (ticket, ref, data) for ticket, ref, data in done}
    with service_atomic(), audit_batched():
        tasks = order_tasks_lock_chain(task_ids=sorted(results))
        ours = [
            task for task in tasks if _still_ours(task=task, ticket=results[task.pk][0])
        ]
        if not ours:
            return {}
        now = timezone.now()
        for task in ours:
            _, ref, data = results[task.pk]
            task.data = _data_without_run(task)
            task.complete(data={**data, "adapter_ref": ref}, at=now)
            audit_record(
                subject=task,
                action=AuditAction.TASK_COMPLETED,
                actor=actor,
                from_state=OrderTaskState.IN_PROGRESS,
                to_state=task.state,
                data={"result": data},
                at=now,
            )
        rows_save_transitioned(
            rows=ours,
            from_states=[OrderTaskState.IN_PROGRESS] * len(ours),
            fields=["state", "data", "completed_at", "next_attempt_at"],
            at=now,
        )
        tasks_completed_rollup(tasks=ours, actor=actor, at=now)
    return {task.pk: TaskRunOutcome.COMPLETED for task in ours}


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
            batch = sorted(set(ready))
            ready.clear()
            _tasks_run_logged(task_ids=batch, actor=actor)
    finally:
        TASKS_RUN_ON.reset(token)
    for task_id in ready:
        async_task(RUN_TASK, task_id)
    return result


def _tasks_run_logged(*, task_ids: list[int], actor: Actor) -> None:
    """Run a batch; when the batch is refused as a whole (one task's order moved on in
    a way the engine may not touch), run its tasks one by one so the others go on."""
    try:
        order_tasks_run(task_ids=task_ids, actor=actor)
        return
    except DomainError as exc:
        if len(task_ids) == 1:
            logger.warning("Order task %s not run: %s", task_ids[0], exc.message)
            return
    for task_id in task_ids:
        try:
            order_task_run(task_id=task_id, actor=actor)
        except DomainError as exc:
            logger.warning("Order task %s not run: %s", task_id, exc.message)


def order_tasks_due_enqueue(*, limit: int = 500) -> list[int]:
    """Queue the automated tasks whose poll or retry is due (the periodic sweep)."""
    task_ids = order_tasks_due_ids(now=timezone.now(), limit=limit)
    for task_id in task_ids:
        async_task(RUN_TASK, task_id)
    return task_ids
