"""Completion roll-up: domain order → line → order, PONR, announced through the hooks."""

from __future__ import annotations

import pytest

from decomposition.models import DomainOrder, DomainOrderKind, DomainOrderState
from orchestration.models import OrderTask, OrderTaskState, TaskType
from orchestration.rules import LineOutcome, OrderOutcome
from orchestration.services import (
    order_line_outcomes,
    order_orchestrate,
    order_task_run,
)
from orders.models import CustomerOrderState, LineState
from tests.orchestration.factories import (
    DomainOrderFactory,
    automated,
    default_plans,
    domain_order_child,
    plan,
)
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory

pytestmark = pytest.mark.django_db


def _run_until_quiet(actor) -> list[int]:
    """Run open automated tasks, oldest first, until none is left; return the order."""
    ran: list[int] = []
    while True:
        task = (
            OrderTask.objects.filter(
                state=OrderTaskState.OPEN, task_type=TaskType.AUTOMATED
            )
            .order_by("pk")
            .first()
        )
        if task is None:
            return ran
        order_task_run(task_id=task.pk, actor=actor)
        ran.append(task.pk)


@pytest.fixture
def two_lines():
    order = CustomerOrderFactory(state=CustomerOrderState.IN_PROGRESS)
    product = DomainOrderFactory(
        order=order, line=CustomerOrderLineFactory(order=order, state="in_progress")
    )
    service = domain_order_child(product, kind=DomainOrderKind.SERVICE)
    other = DomainOrderFactory(
        order=order, line=CustomerOrderLineFactory(order=order, state="in_progress")
    )
    return order, product, service, other


def test_whole_order_rolls_up_exactly_once(job_actor, hook_log, two_lines):
    # given
    default_plans()
    order, product, service, other = two_lines
    order_orchestrate(order_id=order.pk, actor=job_actor)

    # when
    _run_until_quiet(job_actor)

    # then every domain order closed, children before their parent
    closed = [kw["domain_order_id"] for kw in hook_log.of("domain_order_closed")]
    assert sorted(closed) == sorted([product.pk, service.pk, other.pk])
    assert closed.index(service.pk) < closed.index(product.pk)
    assert set(
        DomainOrder.objects.filter(order=order).values_list("state", flat=True)
    ) == {DomainOrderState.CLOSED_COMPLETE}
    assert sorted(
        (kw["line_id"], kw["outcome"]) for kw in hook_log.of("order_line_done")
    ) == sorted(
        [
            (product.line_id, LineOutcome.COMPLETED),
            (other.line_id, LineOutcome.COMPLETED),
        ]
    )
    assert [(kw["order_id"], kw["outcome"]) for kw in hook_log.of("order_done")] == [
        (order.pk, OrderOutcome.COMPLETED)
    ]
    # the order is decided after its last line
    names = [name for name, _ in hook_log.sent]
    assert names.index("order_done") > max(
        i for i, name in enumerate(names) if name == "order_line_done"
    )


def test_line_is_not_done_while_one_of_its_domain_orders_is_open(
    job_actor, hook_log, two_lines
):
    default_plans()
    order, product, service, other = two_lines
    order_orchestrate(order_id=order.pk, actor=job_actor)

    service_task = OrderTask.objects.get(domain_order=service)
    order_task_run(task_id=service_task.pk, actor=job_actor)

    assert [kw["domain_order_id"] for kw in hook_log.of("domain_order_closed")] == [
        service.pk
    ]
    assert hook_log.of("order_line_done") == []
    assert OrderTask.objects.get(domain_order=product).state == OrderTaskState.OPEN


def test_domain_order_stays_open_while_a_sibling_task_failed(
    job_actor, hook_log, settings
):
    plan(
        "p",
        automated("net"),
        automated("port", adapter="number_porting"),
        default_for_kind="product",
    )
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    settings.ORCHESTRATION_ADAPTERS = {"number_porting": {"failure_rate": 1.0}}
    settings.ORCHESTRATION_MAX_ATTEMPTS = 1

    _run_until_quiet(job_actor)

    domain_order.refresh_from_db()
    assert domain_order.state == DomainOrderState.IN_PROGRESS
    assert hook_log.of("domain_order_closed") == []
    assert len(hook_log.of("order_task_failed")) == 1


def test_line_with_a_canceled_domain_order_ends_partial(job_actor, hook_log):
    default_plans()
    kept = DomainOrderFactory()
    DomainOrderFactory(
        order=kept.order, line=kept.line, state=DomainOrderState.CANCELED
    )
    order_orchestrate(order_id=kept.order_id, actor=job_actor)

    _run_until_quiet(job_actor)

    assert [kw["outcome"] for kw in hook_log.of("order_line_done")] == [
        LineOutcome.PARTIAL
    ]
    assert [kw["outcome"] for kw in hook_log.of("order_done")] == [OrderOutcome.PARTIAL]


def test_order_with_a_failed_line_ends_partial(job_actor, hook_log):
    default_plans()
    done = DomainOrderFactory()
    failed_line = CustomerOrderLineFactory(order=done.order, state=LineState.FAILED)
    DomainOrderFactory(
        order=done.order, line=failed_line, state=DomainOrderState.ON_HOLD
    )
    order_orchestrate(order_id=done.order_id, actor=job_actor)

    _run_until_quiet(job_actor)

    assert [kw["outcome"] for kw in hook_log.of("order_done")] == [OrderOutcome.PARTIAL]


def test_order_line_outcomes_reads_lines_and_domain_orders(job_actor):
    open_do = DomainOrderFactory()
    done_do = DomainOrderFactory(
        order=open_do.order,
        line=CustomerOrderLineFactory(order=open_do.order),
        state=DomainOrderState.CLOSED_COMPLETE,
    )
    nothing = CustomerOrderLineFactory(order=open_do.order, state=LineState.NEW)
    failed = CustomerOrderLineFactory(order=open_do.order, state=LineState.FAILED)

    outcomes = order_line_outcomes(order_id=open_do.order_id)

    assert outcomes == {
        open_do.line_id: None,
        done_do.line_id: LineOutcome.COMPLETED,
        failed.pk: LineState.FAILED,
    }
    assert nothing.pk not in outcomes


def test_first_ponr_task_marks_its_line_once(job_actor, hook_log):
    plan(
        "p",
        automated("reserve", ponr=True),
        automated("activate", "reserve", ponr=True),
        default_for_kind="product",
    )
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    reserve = OrderTask.objects.get(code="reserve")

    _run_until_quiet(job_actor)

    assert [
        (kw["line_id"], kw["task_id"]) for kw in hook_log.of("order_line_ponr")
    ] == [(domain_order.line_id, reserve.pk)]


def test_hook_receivers_run_in_the_completing_transaction(job_actor):
    from orchestration import hooks

    def refuse(**kwargs):
        raise RuntimeError("orders refused the line")

    default_plans()
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    task = OrderTask.objects.get(domain_order=domain_order)
    hooks.ORDER_LINES_DONE.connect(refuse)
    try:
        with pytest.raises(RuntimeError):
            order_task_run(task_id=task.pk, actor=job_actor)
    finally:
        hooks.ORDER_LINES_DONE.disconnect(refuse)

    # nothing of the completion stayed behind
    task.refresh_from_db()
    domain_order.refresh_from_db()
    assert task.state == OrderTaskState.IN_PROGRESS
    assert domain_order.state == DomainOrderState.IN_PROGRESS
