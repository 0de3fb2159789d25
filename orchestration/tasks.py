"""django-q2 entry points of the task engine; each calls one service and is safe to run
twice. Jobs that open automated tasks run them on in the same job
(`order_work_run_on`) rather than queueing one job per task; acknowledged orders are
begun by the fulfillment pump (docs/adr/0018)."""

from __future__ import annotations

import logging

from orchestration.services import (
    order_task_run,
    order_tasks_due_enqueue,
    order_work_run_on,
)
from orchestration.services.pump import (
    fulfillment_requests_sweep,
    orders_fulfillment_pump,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError

logger = logging.getLogger(__name__)

ENGINE = Actor.job("task_engine")
FULFILLMENT = Actor.job("fulfillment")


def orders_fulfillment_pump_task() -> int:
    """Begin acknowledged orders in batches and run their tasks; returns the number of
    orders claimed."""
    return orders_fulfillment_pump(actor=FULFILLMENT, engine_actor=ENGINE)


def fulfillment_requests_sweep_task() -> bool:
    """Wake the fulfillment pump for requests nobody picked up (periodic)."""
    return fulfillment_requests_sweep()


def order_task_run_task(task_id: int) -> str:
    """Run one automated task through its adapter as far as it goes now."""
    try:
        return str(
            order_work_run_on(
                work=lambda: order_task_run(task_id=task_id, actor=ENGINE),
                actor=ENGINE,
            )
        )
    except DomainError as exc:
        # A refusal is final: retrying the job would be refused again.
        logger.warning("Order task %s not run: %s", task_id, exc.message)
        return exc.code


def order_tasks_due_run_task() -> int:
    """Queue the automated tasks whose poll or retry is due (periodic)."""
    return len(order_tasks_due_enqueue())
