"""Lines written in one UPDATE: updated_at, the state guard, and the order row's own guard."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from ordermgmt.audit import audit_history
from ordermgmt.models import AuditEvent
from orders.audit import AuditAction
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineState,
)
from orders.selectors import order_lines_for_update
from orders.services import order_approve, order_draft_cancel, order_reject
from orders.services.line_writes import lines_save_transitioned
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory

pytestmark = pytest.mark.django_db


def order_with_lines(*, order_state, line_states):
    order = CustomerOrderFactory(state=order_state)
    for number, state in enumerate(line_states, start=1):
        CustomerOrderLineFactory(order=order, line_number=number, state=state)
    CustomerOrderLine.objects.filter(order=order).update(
        updated_at=timezone.now() - timedelta(days=1)
    )
    return order


def lines_read_then(change):
    """Patch approval's line lock so that `change(order_id)` runs right after the read."""

    def read_then_change(*, order_id):
        lines = order_lines_for_update(order_id=order_id)
        change(order_id)
        return lines

    return mock.patch(
        "orders.services.approval.order_lines_for_update", read_then_change
    )


def test_order_approve_stamps_every_line_with_the_approval_time(job_actor):
    order = order_with_lines(
        order_state=CustomerOrderState.NEW, line_states=[LineState.NEW] * 3
    )

    approved = order_approve(order_id=order.pk, actor=job_actor)

    assert set(order.lines.values_list("updated_at", flat=True)) == {
        approved.approved_at
    }


def test_order_draft_cancel_writes_canceled_at_and_audits_each_line_once(actor):
    order = order_with_lines(
        order_state=CustomerOrderState.DRAFT, line_states=[LineState.DRAFT] * 3
    )

    canceled = order_draft_cancel(order_id=order.pk, actor=actor, reason="duplicate")

    for line in order.lines.all():
        assert line.canceled_at == canceled.canceled_at
        event = audit_history(subject=line).get()
        assert (
            event.action,
            event.from_state,
            event.to_state,
            event.reason,
            event.occurred_at,
        ) == (
            AuditAction.LINE_CANCELED,
            LineState.DRAFT,
            LineState.CANCELED,
            "duplicate",
            canceled.canceled_at,
        )


def test_order_reject_audits_each_line_from_its_own_state(job_actor):
    order = order_with_lines(
        order_state=CustomerOrderState.ENRICHMENT_IN_PROGRESS,
        line_states=[LineState.ENRICHMENT_IN_PROGRESS, LineState.ENRICHMENT_ON_HOLD],
    )

    order_reject(order_id=order.pk, actor=job_actor, reason="no capacity")

    first, second = order.lines.order_by("pk")
    assert {first.state, second.state} == {LineState.REJECTED}
    assert [
        (event.from_state, event.to_state, event.reason)
        for line in (first, second)
        for event in audit_history(subject=line)
    ] == [
        (LineState.ENRICHMENT_IN_PROGRESS, LineState.REJECTED, "no capacity"),
        (LineState.ENRICHMENT_ON_HOLD, LineState.REJECTED, "no capacity"),
    ]


def test_order_approve_refuses_a_line_whose_state_moved_after_it_was_read(job_actor):
    # given a line that someone moves between the read and the write of the lines
    order = order_with_lines(
        order_state=CustomerOrderState.NEW, line_states=[LineState.NEW] * 3
    )
    moved = order.lines.order_by("pk").last()

    def move_a_line(order_id):
        CustomerOrderLine.objects.filter(pk=moved.pk).update(state=LineState.REJECTED)

    # when
    with lines_read_then(move_a_line), pytest.raises(ConcurrentTransition):
        order_approve(order_id=order.pk, actor=job_actor)

    # then the whole approval is rolled back, the moved line included
    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    assert set(order.lines.values_list("state", flat=True)) == {LineState.NEW}
    assert not AuditEvent.objects.exists()


def test_order_approve_keeps_the_order_rows_own_state_guard(job_actor):
    # given an order row that someone moves after it was read
    order = order_with_lines(
        order_state=CustomerOrderState.NEW, line_states=[LineState.NEW]
    )

    def move_the_order(order_id):
        CustomerOrder.objects.filter(pk=order_id).update(
            state=CustomerOrderState.REJECTED
        )

    # when
    with lines_read_then(move_the_order), pytest.raises(ConcurrentTransition):
        order_approve(order_id=order.pk, actor=job_actor)

    # then
    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    assert set(order.lines.values_list("state", flat=True)) == {LineState.NEW}
    assert not AuditEvent.objects.exists()


def test_lines_save_transitioned_leaves_lines_that_can_be_saved_again():
    order = order_with_lines(
        order_state=CustomerOrderState.DRAFT, line_states=[LineState.DRAFT] * 2
    )
    now = timezone.now()

    with transaction.atomic():
        lines = order_lines_for_update(order_id=order.pk)
        from_states = [line.state for line in lines]
        for line in lines:
            line.submit()
        lines_save_transitioned(
            lines=lines, from_states=from_states, fields=["state"], at=now
        )
        # a later save() must guard on the state just written, not the one first read
        lines[0].start_enrichment()
        lines[0].save(update_fields=["state", "updated_at"])

    assert list(order.lines.order_by("pk").values_list("state", flat=True)) == [
        LineState.ENRICHMENT_IN_PROGRESS,
        LineState.SUBMITTED,
    ]


def test_lines_save_transitioned_writes_nothing_for_no_lines(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        lines_save_transitioned(
            lines=[], from_states=[], fields=["state"], at=timezone.now()
        )
