"""Approval services: approve (four eyes) and reject."""

from __future__ import annotations

from unittest import mock

import pytest

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import DomainError, InvalidTransition, ValidationFailed
from ordermgmt.models import AuditEvent
from ordermgmt.roles import Role
from orders.audit import AuditAction
from orders.exceptions import SelfApprovalForbidden
from orders.models import CustomerOrderState, LineState
from orders.services import order_approve, order_reject, order_submit
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory

pytestmark = pytest.mark.django_db

REJECTABLE = [
    CustomerOrderState.SUBMITTED,
    CustomerOrderState.ENRICHMENT_IN_PROGRESS,
    CustomerOrderState.ENRICHMENT_ON_HOLD,
    CustomerOrderState.NEW,
]


@pytest.fixture
def approver(make_user):
    return Actor.for_user(make_user("approver1", Role.ORDER_APPROVER))


def new_order(*, captured_by=None, lines=2):
    order = CustomerOrderFactory(new=True, captured_by=captured_by)
    for number in range(1, lines + 1):
        CustomerOrderLineFactory(order=order, line_number=number, state=LineState.NEW)
    return order


# --- approve ----------------------------------------------------------------------------


def test_order_approve_acknowledges_order_and_lines(approver, agent_user):
    order = new_order(captured_by=agent_user)

    approved = order_approve(order_id=order.pk, actor=approver, reason="looks fine")

    order.refresh_from_db()
    assert approved.state == order.state == CustomerOrderState.ACKNOWLEDGED
    assert order.approved_at is not None
    assert order.approved_by_id == approver.user_id
    assert set(order.lines.values_list("state", flat=True)) == {LineState.ACKNOWLEDGED}
    event = audit_history(subject=order).get()
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        AuditAction.ORDER_APPROVED,
        "new",
        "acknowledged",
        "looks fine",
    )
    for line in order.lines.all():
        assert audit_history(subject=line).get().action == AuditAction.LINE_ACKNOWLEDGED


def test_order_approve_refuses_the_user_who_captured_the_order(agent_user, actor):
    order = new_order(captured_by=agent_user)

    with pytest.raises(SelfApprovalForbidden) as caught:
        order_approve(order_id=order.pk, actor=actor)

    assert caught.value.code == "self_approval"
    assert isinstance(caught.value, DomainError)
    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    assert not AuditEvent.objects.exists()


def test_order_approve_by_a_job_is_allowed_for_a_captured_order(agent_user, job_actor):
    order = new_order(captured_by=agent_user)

    order_approve(order_id=order.pk, actor=job_actor)

    order.refresh_from_db()
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    assert order.approved_by is None


@pytest.mark.parametrize(
    "state", [s for s in CustomerOrderState if s != CustomerOrderState.NEW]
)
def test_order_approve_refuses_every_state_but_new(approver, state):
    order = CustomerOrderFactory(state=state)

    with pytest.raises(InvalidTransition):
        order_approve(order_id=order.pk, actor=approver)

    order.refresh_from_db()
    assert order.state == state
    assert not AuditEvent.objects.exists()


def test_order_approve_refuses_when_a_line_is_not_new(approver):
    order = new_order()
    CustomerOrderLineFactory(order=order, line_number=9, state=LineState.DRAFT)

    with pytest.raises(InvalidTransition):
        order_approve(order_id=order.pk, actor=approver)

    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    assert not AuditEvent.objects.exists()


def test_order_approve_leaves_nothing_behind_when_the_audit_fails(approver):
    order = new_order()

    with (
        mock.patch(
            "orders.services.audit_buffer.audit_record_batch",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        order_approve(order_id=order.pk, actor=approver)

    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    assert order.approved_at is None
    assert set(order.lines.values_list("state", flat=True)) == {LineState.NEW}


# --- reject -----------------------------------------------------------------------------


def test_order_reject_rejects_order_and_lines_with_the_reason(approver):
    order = new_order()

    rejected = order_reject(order_id=order.pk, actor=approver, reason="credit check")

    order.refresh_from_db()
    assert rejected.state == order.state == CustomerOrderState.REJECTED
    assert order.rejected_at is not None
    assert order.rejection_reason == "credit check"
    assert set(order.lines.values_list("state", flat=True)) == {LineState.REJECTED}
    event = audit_history(subject=order).get()
    assert (event.action, event.to_state, event.reason) == (
        AuditAction.ORDER_REJECTED,
        "rejected",
        "credit check",
    )


@pytest.mark.parametrize("state", REJECTABLE)
def test_order_reject_is_possible_before_acknowledgement(approver, state):
    order = CustomerOrderFactory(state=state)

    order_reject(order_id=order.pk, actor=approver, reason="no")

    order.refresh_from_db()
    assert order.state == CustomerOrderState.REJECTED


@pytest.mark.parametrize(
    "state", [s for s in CustomerOrderState if s not in REJECTABLE]
)
def test_order_reject_refuses_other_states(approver, state):
    order = CustomerOrderFactory(state=state)

    with pytest.raises(InvalidTransition):
        order_reject(order_id=order.pk, actor=approver, reason="no")

    order.refresh_from_db()
    assert order.state == state
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_order_reject_requires_a_reason(approver, reason):
    order = new_order()

    with pytest.raises(ValidationFailed) as caught:
        order_reject(order_id=order.pk, actor=approver, reason=reason)

    assert "reason" in caught.value.errors
    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW


# --- the approval policy and the approval group ------------------------------------------


@pytest.fixture
def offering():
    from tests.orders.factories import published_offering

    return published_offering()


def _captured(actor, offering, *, submit=True, **kwargs):
    from orders.models import OrderChannel
    from orders.services import LineInput, order_capture
    from tests.orders.factories import AccountFactory

    return order_capture(
        account_id=AccountFactory().pk,
        actor=actor,
        channel=OrderChannel.AGENT,
        lines=[
            LineInput(
                ref="1", offering_id=offering.pk, characteristics={"speed": "100"}
            )
        ],
        submit=submit,
        **kwargs,
    )


def test_approval_policy_approve_acknowledges_at_once_as_the_policy_job(
    actor, offering
):
    from orders.models import ApprovalStatus
    from tests.orders.policy_tables import approve_all_but_big_discounts

    approve_all_but_big_discounts()

    order = _captured(actor, offering)

    order.refresh_from_db()
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    assert order.approval_status == ApprovalStatus.NOT_REQUIRED
    assert order.approval_reason == "Within policy"
    assert order.price_frozen_at is not None
    assert order.approved_by_id is None
    event = audit_history(subject=order).get(action=AuditAction.ORDER_APPROVED)
    assert event.actor_label == "job:approval_policy"


def test_approval_policy_queue_leaves_the_order_new_for_the_group(
    actor, offering, make_user
):
    from orders.models import ApprovalStatus
    from orders.services import order_discount_set
    from tests.orders.policy_tables import approve_all_but_big_discounts, work_group

    group = work_group("approvers", make_user("ann", Role.ORDER_APPROVER))
    approve_all_but_big_discounts()
    draft = _captured(actor, offering, submit=False)
    order_discount_set(order_id=draft.pk, percent="25", reason="loyal", actor=actor)

    order = order_submit(order_id=draft.pk, actor=actor)

    assert order.state == CustomerOrderState.NEW
    assert order.approval_status == ApprovalStatus.PENDING
    assert order.approval_reason == "Discount above 20 %"
    assert order.approval_group_id == group.pk
    assert order.price_frozen_at is None


def test_without_an_approval_policy_the_order_waits_for_an_approver(actor, offering):
    from orders.models import ApprovalStatus

    order = _captured(actor, offering)

    assert order.state == CustomerOrderState.NEW
    assert order.approval_status == ApprovalStatus.PENDING


@pytest.fixture
def queued(actor, offering, make_user):
    from tests.orders.policy_tables import approval_policy_publish, work_group

    member = make_user("ann", Role.ORDER_APPROVER)
    work_group("approvers", member)
    approval_policy_publish([(["-", "-", "-", "-", "-"], ["queue", "all", ""])])
    return _captured(actor, offering), member


def test_order_approve_by_a_group_member_freezes_prices(queued):
    from orders.models import ApprovalStatus

    order, member = queued

    approved = order_approve(order_id=order.pk, actor=Actor.for_user(member))

    assert approved.state == CustomerOrderState.ACKNOWLEDGED
    assert approved.approval_status == ApprovalStatus.APPROVED
    assert approved.price_frozen_at is not None
    assert approved.approved_by_id == member.pk


def test_order_approve_refuses_an_approver_outside_the_group(queued, make_user):
    from orders.exceptions import NotAnApprover

    order, _ = queued
    outsider = make_user("bob", Role.ORDER_APPROVER)

    with pytest.raises(NotAnApprover):
        order_approve(order_id=order.pk, actor=Actor.for_user(outsider))
    with pytest.raises(NotAnApprover):
        order_reject(order_id=order.pk, actor=Actor.for_user(outsider), reason="no")

    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW


def test_order_approve_by_a_superuser_or_order_manager_outside_the_group(
    queued, make_user
):
    order, _ = queued
    boss = make_user("boss", is_superuser=True)

    approved = order_approve(order_id=order.pk, actor=Actor.for_user(boss))

    assert approved.state == CustomerOrderState.ACKNOWLEDGED


def test_order_approve_refuses_the_capturing_agent_even_in_the_group(
    queued, agent_user, actor
):
    order, _ = queued
    order.approval_group.members.add(agent_user)

    with pytest.raises(SelfApprovalForbidden):
        order_approve(order_id=order.pk, actor=actor)


def test_order_reject_by_the_group_sets_the_approval_status(queued):
    from orders.models import ApprovalStatus

    order, member = queued

    rejected = order_reject(
        order_id=order.pk, actor=Actor.for_user(member), reason="credit"
    )

    assert rejected.state == CustomerOrderState.REJECTED
    assert rejected.approval_status == ApprovalStatus.REJECTED
    assert rejected.rejection_reason == "credit"


def test_frozen_prices_refuse_repricing(queued):
    from orders.pricing import PricesFrozen
    from orders.services.pricing_link import draft_reprice

    order, member = queued
    approved = order_approve(order_id=order.pk, actor=Actor.for_user(member))

    with pytest.raises(PricesFrozen):
        draft_reprice(
            order=approved, lines=list(approved.lines.all()), at=approved.approved_at
        )
