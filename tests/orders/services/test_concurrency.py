"""Two callers at once on the same order: the row lock lets exactly one through."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import InvalidTransition
from ordermgmt.roles import Role
from orders.audit import AuditAction
from orders.models import CustomerOrderState, LineAction, LineState
from orders.services import (
    order_approve,
    order_draft_create,
    order_line_add,
    order_submit,
)
from tests.orders.factories import (
    AccountFactory,
    CustomerOrderFactory,
    CustomerOrderLineFactory,
    published_offering,
)


def _race(calls):
    """Run the callables at the same time in threads; return (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_order_submit_by_two_callers_at_once_succeeds_once(make_user):
    user = make_user("agent-race")
    actor = Actor.for_user(user)
    order = order_draft_create(account_id=AccountFactory().pk, actor=actor)
    order_line_add(
        order_id=order.pk,
        offering_id=published_offering().pk,
        quantity=1,
        characteristics={"speed": "100"},
        action=LineAction.ADD,
        actor=actor,
    )

    results, errors = _race([lambda: order_submit(order_id=order.pk, actor=actor)] * 2)

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], InvalidTransition)
    order.refresh_from_db()
    # no policies published: nothing to enrich, the order waits for an approver
    assert order.state == CustomerOrderState.NEW
    assert (
        audit_history(subject=order).filter(action=AuditAction.ORDER_SUBMITTED).count()
        == 1
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_order_approve_by_two_approvers_at_once_succeeds_once(make_user):
    first = Actor.for_user(make_user("approver-a", Role.ORDER_APPROVER))
    second = Actor.for_user(make_user("approver-b", Role.ORDER_APPROVER))
    order = CustomerOrderFactory(new=True)
    CustomerOrderLineFactory(order=order, line_number=1, state=LineState.NEW)

    results, errors = _race(
        [
            lambda: order_approve(order_id=order.pk, actor=first),
            lambda: order_approve(order_id=order.pk, actor=second),
        ]
    )

    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], InvalidTransition)
    order.refresh_from_db()
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    assert (
        audit_history(subject=order).filter(action=AuditAction.ORDER_APPROVED).count()
        == 1
    )
