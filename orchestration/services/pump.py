"""The fulfillment pump: acknowledged orders are begun in batches and their automated
tasks run together, so the worker's statements per order shrink with the batch
(docs/adr/0018).

Acknowledging an order writes a FulfillmentRequest (the orders hook is sent when the
approval commits) and wakes the pump: a pump job is queued unless `pump_jobs` are queued
already. A pump job claims up to `pump_batch_orders` due requests (FOR UPDATE SKIP
LOCKED, so two workers never claim the same), begins their orders in one transaction
and runs the tasks that opened on (engine.order_work_run_on), then claims the next
batch until none is due or its run-on budget is spent, when it wakes a successor. An
order whose beginning is refused keeps its request, with the error, for a later try;
the periodic sweep writes the requests of acknowledged orders that have none (a process
stopped between the approval's commit and its hook) and wakes the pump for requests
nobody picked up.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django_q.tasks import async_task

from orchestration.audit import AuditAction
from orchestration.conf import engine_settings
from orchestration.models import FulfillmentPump, FulfillmentRequest
from orchestration.services.completion import TASKS_RUN_ON
from orchestration.services.engine import order_work_run_on
from orchestration.services.fulfillment import order_fulfillment_begin
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_batched, audit_record
from ordermgmt.exceptions import DomainError
from ordermgmt.transactions import service_atomic
from orders.models import CustomerOrder, CustomerOrderState

logger = logging.getLogger(__name__)

PUMP_TASK = "orchestration.tasks.orders_fulfillment_pump_task"
_PUMP_ROW = 1
# A refused beginning (a plan gap a person must fix) is tried again this much later.
REFUSED_RETRY = timedelta(minutes=10)
# Requests due for longer than this had no pump: the sweep wakes one afresh.
STALE_AFTER = timedelta(minutes=1)


def fulfillment_request(*, order_id: int) -> None:
    """Record that an acknowledged order waits for its fulfillment to begin, and wake
    the pump once the caller's transaction (if any) commits."""
    now = timezone.now()
    FulfillmentRequest.objects.get_or_create(
        order_id=order_id, defaults={"requested_at": now, "retry_at": now}
    )
    transaction.on_commit(fulfillment_pump_wake)


def fulfillment_pump_wake() -> bool:
    """Queue a pump job unless `pump_jobs` are queued and not started; return whether
    one was queued."""
    limit = engine_settings().pump_jobs
    woken = FulfillmentPump.objects.filter(pk=_PUMP_ROW, jobs_queued__lt=limit).update(
        jobs_queued=F("jobs_queued") + 1
    )
    if not woken:
        _, created = FulfillmentPump.objects.get_or_create(
            pk=_PUMP_ROW, defaults={"jobs_queued": 1}
        )
        if not created:
            return False
    async_task(PUMP_TASK, task_name="fulfillment-pump")
    return True


def orders_fulfillment_pump(*, actor: Actor, engine_actor: Actor) -> int:
    """One pump job: begin batches of due requests and run their tasks on until none is
    due or the run-on budget is spent; return the number of requests claimed."""
    FulfillmentPump.objects.filter(pk=_PUMP_ROW, jobs_queued__gt=0).update(
        jobs_queued=F("jobs_queued") - 1
    )
    settings = engine_settings()
    deadline = time.monotonic() + settings.run_on_seconds
    claimed = 0
    while True:
        batch = order_work_run_on(
            work=lambda: _requests_begin(limit=settings.pump_batch_orders, actor=actor),
            actor=engine_actor,
        )
        claimed += len(batch)
        if len(batch) < settings.pump_batch_orders:
            return claimed
        if time.monotonic() >= deadline:
            fulfillment_pump_wake()
            return claimed


def fulfillment_requests_sweep() -> bool:
    """Wake the pump afresh when requests have been due for a while (a pump job was
    lost, or the queue count drifted), after writing the requests of acknowledged
    orders that have none (the process stopped between the approval's commit and its
    hook); return whether it woke the pump."""
    stale_before = timezone.now() - STALE_AFTER
    recovered = _requests_recover(approved_before=stale_before)
    stale = FulfillmentRequest.objects.filter(retry_at__lte=stale_before).exists()
    if not (stale or recovered):
        return False
    FulfillmentPump.objects.filter(pk=_PUMP_ROW).update(jobs_queued=0)
    return fulfillment_pump_wake()


def _requests_recover(*, approved_before: datetime, limit: int = 1000) -> int:
    lost = list(
        CustomerOrder.objects.filter(
            state=CustomerOrderState.ACKNOWLEDGED, approved_at__lte=approved_before
        )
        .exclude(Exists(FulfillmentRequest.objects.filter(order_id=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not lost:
        return 0
    logger.warning("Acknowledged orders without a fulfillment request: %s", lost)
    now = timezone.now()
    FulfillmentRequest.objects.bulk_create(
        [
            FulfillmentRequest(order_id=pk, requested_at=now, retry_at=now)
            for pk in lost
        ],
        ignore_conflicts=True,
    )
    return len(lost)


def _requests_begin(*, limit: int, actor: Actor) -> list[int]:
    """Claim up to `limit` due requests and begin their orders in one transaction;
    return the claimed orders' ids. When one order refuses to begin, the batch rolls
    back and its orders are begun one by one, so the others go on."""
    run_on = TASKS_RUN_ON.get()
    mark = len(run_on) if run_on is not None else 0
    order_ids: list[int] = []
    try:
        with service_atomic(), audit_batched():
            requests = list(
                FulfillmentRequest.objects.select_for_update(skip_locked=True)
                .filter(retry_at__lte=timezone.now())
                .order_by("retry_at", "pk")[:limit]
            )
            order_ids = [request.order_id for request in requests]
            for order_id in order_ids:
                order_fulfillment_begin(order_id=order_id, actor=actor)
            FulfillmentRequest.objects.filter(
                pk__in=[request.pk for request in requests]
            ).delete()
        return order_ids
    except DomainError:
        if not order_ids:
            raise
    # The rolled-back batch's tasks do not exist: forget them before trying again.
    if run_on is not None:
        del run_on[mark:]
    for order_id in order_ids:
        _request_begin_one(order_id=order_id, actor=actor)
    return order_ids


def _request_begin_one(*, order_id: int, actor: Actor) -> None:
    try:
        with service_atomic():
            request = (
                FulfillmentRequest.objects.select_for_update(skip_locked=True)
                .filter(order_id=order_id)
                .first()
            )
            if request is None:
                return
            order_fulfillment_begin(order_id=order_id, actor=actor)
            request.delete()
    except DomainError as exc:
        # Typically a catalog or plan gap (no plan for a domain order): a person must act.
        logger.warning("Fulfillment of order %s not started: %s", order_id, exc.message)
        _request_set_aside(order_id=order_id, error=exc.message, actor=actor)


def _request_set_aside(*, order_id: int, error: str, actor: Actor) -> None:
    now = timezone.now()
    with service_atomic():
        request = (
            FulfillmentRequest.objects.select_for_update()
            .filter(order_id=order_id)
            .first()
        )
        if request is None:
            return
        request.attempts += 1
        request.last_error = error
        request.retry_at = now + REFUSED_RETRY
        request.save(update_fields=["attempts", "last_error", "retry_at"])
        audit_record(
            subject=CustomerOrder.objects.only("pk", "state").get(pk=order_id),
            action=AuditAction.FULFILLMENT_REFUSED,
            actor=actor,
            reason=error,
            data={"attempts": request.attempts},
            at=now,
        )
