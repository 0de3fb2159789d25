"""Set-based finishing and point of no return: many orders' lines in a fixed number of
statements, all or none, with one audit event per row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ordermgmt.exceptions import InvalidTransition, NotFound
from ordermgmt.models import AuditEvent
from orders.audit import AuditAction
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineState,
)
from orders.services.fulfillment import (
    LineFinish,
    OrderFinish,
    order_lines_finish,
    order_lines_ponr_mark,
    orders_finish,
)
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory

pytestmark = pytest.mark.django_db

OUTCOME_STATES = {
    "completed": LineState.COMPLETED,
    "partial": LineState.PARTIAL,
    "failed": LineState.FAILED,
}


def orders_in_progress(*, count: int, lines_each: int = 3) -> list[CustomerOrder]:
    orders = []
    for _ in range(count):
        order = CustomerOrderFactory(in_progress=True)
        for number in range(1, lines_each + 1):
            CustomerOrderLineFactory(
                order=order, line_number=number, state=LineState.IN_PROGRESS
            )
        orders.append(order)
    return orders


def mixed_finishes(orders: list[CustomerOrder]) -> list[LineFinish]:
    """Each order's lines get completed, partial, failed in turn."""
    outcomes = list(OUTCOME_STATES)
    return [
        LineFinish(order_id=order.pk, line_id=line.pk, outcome=outcomes[i % 3])
        for order in orders
        for i, line in enumerate(order.lines.order_by("pk"))
    ]


def events_for(model, *, action):
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(model), action=action
    )


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_order_lines_finish_moves_lines_of_several_orders_and_audits_each(job_actor):
    # given
    orders = orders_in_progress(count=3)
    finishes = mixed_finishes(orders)
    at = timezone.now() - timedelta(minutes=5)

    # when
    lines = order_lines_finish(finishes=finishes, actor=job_actor, at=at)

    # then
    assert [line.pk for line in lines] == [finish.line_id for finish in finishes]
    for finish in finishes:
        line = CustomerOrderLine.objects.get(pk=finish.line_id)
        assert line.state == OUTCOME_STATES[finish.outcome]
        assert line.completed_at == at
        assert line.updated_at > at
    for action, outcome in (
        (AuditAction.LINE_COMPLETED, "completed"),
        (AuditAction.LINE_COMPLETED_PARTIALLY, "partial"),
        (AuditAction.LINE_FAILED, "failed"),
    ):
        events = events_for(CustomerOrderLine, action=action)
        assert sorted(int(event.subject_id) for event in events) == sorted(
            finish.line_id for finish in finishes if finish.outcome == outcome
        )
        assert {(e.from_state, e.to_state, e.occurred_at) for e in events} == {
            (LineState.IN_PROGRESS, OUTCOME_STATES[outcome], at)
        }
    assert CustomerOrder.objects.filter(
        pk__in=[order.pk for order in orders], state=CustomerOrderState.IN_PROGRESS
    ).count() == len(orders)


def test_order_lines_finish_refuses_the_whole_set_when_one_line_cannot(job_actor):
    # given
    orders = orders_in_progress(count=2)
    finishes = mixed_finishes(orders)
    CustomerOrderLine.objects.filter(pk=finishes[-1].line_id).update(
        state=LineState.COMPLETED
    )

    # when
    with pytest.raises(InvalidTransition):
        order_lines_finish(finishes=finishes, actor=job_actor)

    # then
    assert list(
        CustomerOrderLine.objects.filter(
            pk__in=[finish.line_id for finish in finishes[:-1]]
        ).values_list("state", flat=True)
    ) == [LineState.IN_PROGRESS] * (len(finishes) - 1)
    assert not AuditEvent.objects.exists()


def test_order_lines_finish_refuses_a_line_named_with_another_order(job_actor):
    first, second = orders_in_progress(count=2, lines_each=1)
    line = first.lines.get()

    with pytest.raises(NotFound):
        order_lines_finish(
            finishes=[
                LineFinish(order_id=second.pk, line_id=line.pk, outcome="completed")
            ],
            actor=job_actor,
        )

    line.refresh_from_db()
    assert line.state == LineState.IN_PROGRESS


def test_orders_finish_moves_several_orders_and_audits_each(job_actor):
    # given
    orders = orders_in_progress(count=3, lines_each=0)
    finishes = [
        OrderFinish(order_id=order.pk, outcome=outcome)
        for order, outcome in zip(orders, OUTCOME_STATES, strict=True)
    ]

    # when
    finished = orders_finish(finishes=finishes, actor=job_actor)

    # then
    assert [order.pk for order in finished] == [order.pk for order in orders]
    states = dict(CustomerOrder.objects.values_list("pk", "state"))
    assert [states[order.pk] for order in orders] == [
        CustomerOrderState.COMPLETED,
        CustomerOrderState.PARTIAL,
        CustomerOrderState.FAILED,
    ]
    for order, action in zip(
        orders,
        (
            AuditAction.ORDER_COMPLETED,
            AuditAction.ORDER_COMPLETED_PARTIALLY,
            AuditAction.ORDER_FAILED,
        ),
        strict=True,
    ):
        (event,) = events_for(CustomerOrder, action=action)
        assert event.subject_id == str(order.pk)
        assert event.from_state == CustomerOrderState.IN_PROGRESS


def test_orders_finish_refuses_the_whole_set_when_one_order_cannot(job_actor):
    orders = orders_in_progress(count=2, lines_each=0)
    CustomerOrder.objects.filter(pk=orders[1].pk).update(
        state=CustomerOrderState.ACKNOWLEDGED
    )

    with pytest.raises(InvalidTransition):
        orders_finish(
            finishes=[OrderFinish(order_id=o.pk, outcome="completed") for o in orders],
            actor=job_actor,
        )

    assert CustomerOrder.objects.get(pk=orders[0].pk).state == (
        CustomerOrderState.IN_PROGRESS
    )
    assert not AuditEvent.objects.exists()


def test_order_lines_ponr_mark_marks_lines_and_orders_once(job_actor):
    # given: one line of the first order was marked before
    first, second = orders_in_progress(count=2, lines_each=2)
    earlier = timezone.now() - timedelta(hours=1)
    marked_before = first.lines.order_by("pk").first()
    CustomerOrderLine.objects.filter(pk=marked_before.pk).update(ponr_at=earlier)
    CustomerOrder.objects.filter(pk=first.pk).update(ponr_at=earlier)
    marks = [
        (order.pk, line.pk) for order in (first, second) for line in order.lines.all()
    ]
    at = timezone.now()

    # when
    lines = order_lines_ponr_mark(marks=marks, actor=job_actor, at=at)
    again = order_lines_ponr_mark(marks=marks, actor=job_actor, at=at + timedelta(1))

    # then
    assert [line.pk for line in lines] == [line_id for _, line_id in marks]
    ponr = dict(CustomerOrderLine.objects.values_list("pk", "ponr_at"))
    assert {line_id: ponr[line_id] for _, line_id in marks} == {
        line_id: earlier if line_id == marked_before.pk else at for _, line_id in marks
    }
    assert [line.ponr_at for line in again] == [ponr[line_id] for _, line_id in marks]
    assert CustomerOrder.objects.get(pk=first.pk).ponr_at == earlier
    assert CustomerOrder.objects.get(pk=second.pk).ponr_at == at
    events = events_for(CustomerOrderLine, action=AuditAction.LINE_PONR_REACHED)
    assert sorted(int(event.subject_id) for event in events) == sorted(
        line_id for _, line_id in marks if line_id != marked_before.pk
    )


@pytest.fixture
def content_types_cached():
    # As in a running process, where the audit's content types are cached.
    ContentType.objects.get_for_models(CustomerOrder, CustomerOrderLine)


@pytest.mark.usefixtures("content_types_cached")
def test_order_lines_finish_runs_as_many_queries_for_one_order_as_for_five(job_actor):
    one, five = (
        mixed_finishes(orders_in_progress(count=1)),
        mixed_finishes(orders_in_progress(count=5)),
    )

    counts = [
        queries_of(lambda f=finishes: order_lines_finish(finishes=f, actor=job_actor))
        for finishes in (one, five)
    ]

    # savepoint, lock orders, lock lines, one UPDATE, one insert per outcome, release
    assert counts == [8, 8]


@pytest.mark.usefixtures("content_types_cached")
def test_orders_finish_runs_as_many_queries_for_one_order_as_for_five(job_actor):
    one, five = (
        [
            OrderFinish(order_id=order.pk, outcome="completed")
            for order in orders_in_progress(count=count, lines_each=0)
        ]
        for count in (1, 5)
    )

    counts = [
        queries_of(lambda f=finishes: orders_finish(finishes=f, actor=job_actor))
        for finishes in (one, five)
    ]

    # savepoint, lock orders, one UPDATE, one insert, release
    assert counts == [5, 5]


@pytest.mark.usefixtures("content_types_cached")
def test_order_lines_ponr_mark_runs_as_many_queries_for_one_order_as_for_five(
    job_actor,
):
    one, five = (
        [
            (order.pk, line.pk)
            for order in orders_in_progress(count=count)
            for line in order.lines.all()
        ]
        for count in (1, 5)
    )

    counts = [
        queries_of(lambda m=marks: order_lines_ponr_mark(marks=m, actor=job_actor))
        for marks in (one, five)
    ]

    # savepoint, lock orders, lock lines, UPDATE lines, UPDATE orders, insert, release
    assert counts == [7, 7]
