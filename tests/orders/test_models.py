"""The order and line state machines (pure transitions; services come with their issues)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineAction,
    LineState,
)
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory

S = CustomerOrderState


def test_every_design_state_is_declared():
    assert set(S.values) == {
        "draft",
        "submitted",
        "enrichment_in_progress",
        "enrichment_on_hold",
        "new",
        "acknowledged",
        "rejected",
        "in_progress",
        "completed",
        "partial",
        "failed",
        "awaiting_information",
        "on_hold",
        "revision_in_progress",
        "assessing_cancellation",
        "cancellation_in_progress",
        "canceled",
    }
    assert set(LineState.values) == set(S.values) | {"scheduled"}


def test_order_happy_path_through_every_main_state():
    order = CustomerOrder(state=S.DRAFT)
    now = timezone.now()

    order.submit(at=now)
    order.start_enrichment()
    order.hold_enrichment()
    order.resume_enrichment()
    order.finish_enrichment()
    order.approve(at=now, by_user_id=None)
    order.start(at=now)
    order.await_information()
    order.receive_information()
    order.complete(at=now)

    assert order.state == S.COMPLETED
    assert order.submitted_at == order.approved_at == order.completed_at == now


@pytest.mark.parametrize("resumable", [S.ACKNOWLEDGED, S.IN_PROGRESS])
def test_order_hold_resumes_to_where_it_was(resumable):
    order = CustomerOrder(state=resumable)

    order.hold()
    assert order.state == S.ON_HOLD
    order.resume()

    assert order.state == resumable
    assert order.interrupted_state == ""


def test_order_revision_makes_a_new_version_and_returns():
    order = CustomerOrder(state=S.IN_PROGRESS, version=1)

    order.start_revision()
    assert (order.state, order.version) == (S.REVISION_IN_PROGRESS, 2)
    order.finish_revision()

    assert order.state == S.IN_PROGRESS


def test_order_refused_cancellation_returns_to_where_it_was():
    order = CustomerOrder(state=S.NEW)

    order.request_cancellation(at=timezone.now(), reason="changed mind")
    assert order.state == S.ASSESSING_CANCELLATION
    order.refuse_cancellation()

    assert order.state == S.NEW
    assert order.cancellation_requested_at is None


def test_order_accepted_cancellation_ends_canceled():
    order = CustomerOrder(state=S.IN_PROGRESS)
    now = timezone.now()

    order.request_cancellation(at=now, reason="moved")
    order.accept_cancellation()
    order.cancel(at=now)

    assert order.state == S.CANCELED
    assert order.canceled_at == now


@pytest.mark.parametrize(
    "final", [S.COMPLETED, S.PARTIAL, S.FAILED, S.CANCELED, S.REJECTED]
)
def test_order_final_states_cannot_be_canceled(final):
    order = CustomerOrder(state=final)

    with pytest.raises(TransitionNotAllowed):
        order.request_cancellation(at=timezone.now(), reason="")


def test_order_state_cannot_be_assigned_directly():
    order = CustomerOrder(state=S.DRAFT)

    with pytest.raises(AttributeError):
        order.state = S.COMPLETED


def test_line_can_be_scheduled_before_it_starts():
    line = CustomerOrderLine(state=LineState.ACKNOWLEDGED)
    now = timezone.now()

    line.schedule(start_at=now)
    line.hold()
    line.resume()
    line.start(at=now)

    assert line.state == LineState.IN_PROGRESS
    assert line.scheduled_for == now


@pytest.mark.django_db
def test_line_macd_action_without_item_is_refused_by_the_database():
    order = CustomerOrderFactory()

    with pytest.raises(IntegrityError):
        CustomerOrderLineFactory(order=order, action=LineAction.DELETE)


@pytest.mark.django_db
def test_line_macd_action_with_item_is_accepted_by_the_database():
    order = CustomerOrderFactory()
    item = InventoryItemFactory(account=order.account)

    line = CustomerOrderLineFactory(
        order=order, action=LineAction.DELETE, inventory_item=item
    )

    assert line.pk is not None


@pytest.mark.django_db
def test_line_quantity_zero_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        CustomerOrderLineFactory(quantity=0)


@pytest.mark.django_db
def test_line_numbers_are_unique_per_order():
    order = CustomerOrderFactory()
    CustomerOrderLineFactory(order=order, line_number=1)

    with pytest.raises(IntegrityError):
        CustomerOrderLineFactory(order=order, line_number=1)
