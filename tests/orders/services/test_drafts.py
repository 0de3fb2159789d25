"""order_update (header fields) and order_discount_set (manual discount of a draft)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ordermgmt.audit import audit_history
from ordermgmt.exceptions import ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import DuplicateExternalId, OrderNotEditable
from orders.models import CustomerOrderState, OrderPriority
from orders.services import order_discount_set, order_update
from tests.orders.factories import CustomerOrderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "state", [CustomerOrderState.DRAFT, CustomerOrderState.ACKNOWLEDGED]
)
def test_order_update_changes_header_fields_and_audits(actor, state):
    order = CustomerOrderFactory(state=state)

    updated = order_update(
        order_id=order.pk,
        changes={
            "description": "new text",
            "notes": "call first",
            "priority": OrderPriority.HIGH,
            "external_id": "PO-9",
            "requested_start_date": "2026-12-01T08:00:00Z",
            "extra": {"@baseType": "ProductOrder"},
        },
        actor=actor,
    )

    updated.refresh_from_db()
    assert updated.description == "new text"
    assert updated.priority == OrderPriority.HIGH
    assert updated.requested_start_date == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert updated.extra == {"@baseType": "ProductOrder"}
    event = audit_history(subject=order).get()
    assert event.action == AuditAction.ORDER_UPDATED
    assert event.data["after"]["external_id"] == "PO-9"


def test_order_update_refuses_server_owned_and_malformed_fields(actor):
    order = CustomerOrderFactory()

    with pytest.raises(ValidationFailed) as caught:
        order_update(
            order_id=order.pk,
            changes={"state": "completed", "priority": 9, "requested_start_date": "x"},
            actor=actor,
        )

    assert set(caught.value.errors) == {"state", "priority", "requested_start_date"}
    order.refresh_from_db()
    assert order.state == CustomerOrderState.DRAFT


@pytest.mark.parametrize(
    "state",
    [
        CustomerOrderState.SUBMITTED,
        CustomerOrderState.NEW,
        CustomerOrderState.IN_PROGRESS,
    ],
)
def test_order_update_refuses_orders_in_flight(actor, state):
    order = CustomerOrderFactory(state=state)

    with pytest.raises(OrderNotEditable):
        order_update(order_id=order.pk, changes={"notes": "x"}, actor=actor)


def test_order_update_refuses_completion_before_start(actor):
    order = CustomerOrderFactory()

    with pytest.raises(ValidationFailed):
        order_update(
            order_id=order.pk,
            changes={
                "requested_start_date": "2026-12-02T00:00:00Z",
                "requested_completion_date": "2026-12-01T00:00:00Z",
            },
            actor=actor,
        )


def test_order_update_refuses_an_external_id_the_customer_used(actor):
    first = CustomerOrderFactory(external_id="PO-1")
    second = CustomerOrderFactory(account=first.account)

    with pytest.raises(DuplicateExternalId):
        order_update(order_id=second.pk, changes={"external_id": "PO-1"}, actor=actor)


def test_order_discount_set_on_a_draft_with_reason(actor):
    order = CustomerOrderFactory()

    updated = order_discount_set(
        order_id=order.pk, percent="12.5", reason="loyal customer", actor=actor
    )

    updated.refresh_from_db()
    assert updated.discount_percent == Decimal("12.5")
    assert updated.discount_reason == "loyal customer"
    assert audit_history(subject=order).get().action == AuditAction.ORDER_DISCOUNT_SET


@pytest.mark.parametrize(
    ("percent", "reason", "field"),
    [
        ("-1", "x", "percent"),
        ("101", "x", "percent"),
        ("abc", "x", "percent"),
        ("5", " ", "reason"),
    ],
)
def test_order_discount_set_refuses_bad_input(actor, percent, reason, field):
    order = CustomerOrderFactory()

    with pytest.raises(ValidationFailed) as caught:
        order_discount_set(
            order_id=order.pk, percent=percent, reason=reason, actor=actor
        )

    assert set(caught.value.errors) == {field}


def test_order_discount_set_only_on_drafts(actor):
    order = CustomerOrderFactory(state=CustomerOrderState.SUBMITTED)

    with pytest.raises(OrderNotEditable):
        order_discount_set(order_id=order.pk, percent=5, reason="x", actor=actor)
