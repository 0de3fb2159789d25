"""One service per domain order transition: happy path, forbidden states, audit rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from decomposition.audit import AuditAction
from decomposition.exceptions import DomainOrderChildrenOpen
from decomposition.models import DomainOrder, DomainOrderState
from decomposition.services import (
    domain_order_cancel,
    domain_order_cancellation_start,
    domain_order_close,
    domain_order_hold,
    domain_order_resume,
    domain_order_schedule,
    domain_order_start,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import InvalidTransition, NotFound
from ordermgmt.models import AuditEvent
from tests.decomposition.factories import DomainOrderFactory

pytestmark = pytest.mark.django_db

ACTOR = Actor.job("transition-test")
_S = DomainOrderState
ALL_STATES = list(_S)


def _audit(domain_order: DomainOrder, action: str) -> AuditEvent:
    return AuditEvent.objects.get(subject_id=str(domain_order.pk), action=action)


def _refused_in(states, allowed):
    return [state for state in states if state not in allowed]


def _start(pk):
    return domain_order_start(domain_order_id=pk, actor=ACTOR)


def _schedule(pk):
    return domain_order_schedule(
        domain_order_id=pk, start_at=timezone.now() + timedelta(days=1), actor=ACTOR
    )


def _close(pk):
    return domain_order_close(domain_order_id=pk, actor=ACTOR)


def _hold(pk):
    return domain_order_hold(domain_order_id=pk, actor=ACTOR, reason="waiting")


def _resume(pk):
    return domain_order_resume(domain_order_id=pk, actor=ACTOR)


def _cancellation_start(pk):
    return domain_order_cancellation_start(domain_order_id=pk, actor=ACTOR)


def _cancel(pk):
    return domain_order_cancel(domain_order_id=pk, actor=ACTOR, reason="customer")


SERVICES = [
    # service, allowed source states, audit action
    (_schedule, [_S.QUALIFIED], AuditAction.DOMAIN_ORDER_SCHEDULED),
    (_start, [_S.QUALIFIED, _S.SCHEDULED], AuditAction.DOMAIN_ORDER_STARTED),
    (_close, [_S.IN_PROGRESS], AuditAction.DOMAIN_ORDER_CLOSED),
    (
        _hold,
        [_S.QUALIFIED, _S.SCHEDULED, _S.IN_PROGRESS, _S.AWAITING_INFORMATION],
        AuditAction.DOMAIN_ORDER_HELD,
    ),
    (_resume, [_S.ON_HOLD], AuditAction.DOMAIN_ORDER_RESUMED),
    (
        _cancellation_start,
        [
            _S.DRAFT,
            _S.QUALIFIED,
            _S.SCHEDULED,
            _S.AWAITING_INFORMATION,
            _S.ON_HOLD,
            _S.IN_PROGRESS,
        ],
        AuditAction.DOMAIN_ORDER_CANCELLATION_STARTED,
    ),
    (
        _cancel,
        [
            _S.DRAFT,
            _S.QUALIFIED,
            _S.SCHEDULED,
            _S.AWAITING_INFORMATION,
            _S.ON_HOLD,
            _S.CANCELLATION_IN_PROGRESS,
        ],
        AuditAction.DOMAIN_ORDER_CANCELED,
    ),
]

_REFUSALS = [
    pytest.param(service, state, id=f"{service.__name__[1:]}-{state}")
    for service, allowed, _ in SERVICES
    for state in _refused_in(ALL_STATES, allowed)
]
_ALLOWED = [
    pytest.param(service, state, action, id=f"{service.__name__[1:]}-{state}")
    for service, allowed, action in SERVICES
    for state in allowed
]


@pytest.mark.parametrize(("service", "state", "action"), _ALLOWED)
def test_each_transition_moves_the_domain_order_and_records_an_audit_row(
    service, state, action
):
    domain_order = DomainOrderFactory(state=state, interrupted_state="")
    if state == _S.ON_HOLD:
        DomainOrder.objects.filter(pk=domain_order.pk).update(
            interrupted_state=_S.SCHEDULED
        )

    result = service(domain_order.pk)

    stored = DomainOrder.objects.get(pk=domain_order.pk)
    assert stored.state == result.state != state
    audit = _audit(domain_order, action)
    assert (audit.from_state, audit.to_state) == (state, stored.state)
    assert audit.actor_label == ACTOR.label


@pytest.mark.parametrize(("service", "state"), _REFUSALS)
def test_each_transition_is_refused_from_other_states(service, state):
    domain_order = DomainOrderFactory(state=state)

    with pytest.raises(InvalidTransition):
        service(domain_order.pk)

    assert DomainOrder.objects.get(pk=domain_order.pk).state == state
    assert not AuditEvent.objects.filter(subject_id=str(domain_order.pk)).exists()


def test_start_records_when_work_started():
    domain_order = DomainOrderFactory(state=_S.SCHEDULED)

    result = _start(domain_order.pk)

    assert result.state == _S.IN_PROGRESS
    assert DomainOrder.objects.get(pk=domain_order.pk).started_at is not None


def test_schedule_records_the_planned_start():
    domain_order = DomainOrderFactory(state=_S.QUALIFIED)
    start_at = timezone.now() + timedelta(hours=5)

    domain_order_schedule(
        domain_order_id=domain_order.pk, start_at=start_at, actor=ACTOR
    )

    assert DomainOrder.objects.get(pk=domain_order.pk).scheduled_for == start_at


def test_resume_returns_the_domain_order_to_the_state_it_was_held_in():
    domain_order = DomainOrderFactory(state=_S.IN_PROGRESS)
    _hold(domain_order.pk)

    result = _resume(domain_order.pk)

    assert result.state == _S.IN_PROGRESS
    assert DomainOrder.objects.get(pk=domain_order.pk).interrupted_state == ""


def test_hold_records_its_reason():
    domain_order = DomainOrderFactory(state=_S.QUALIFIED)

    _hold(domain_order.pk)

    assert _audit(domain_order, AuditAction.DOMAIN_ORDER_HELD).reason == "waiting"


def test_a_parent_closes_only_after_its_children():
    parent = DomainOrderFactory(state=_S.IN_PROGRESS)
    child = DomainOrderFactory(
        state=_S.IN_PROGRESS, parent=parent, order=parent.order, line=parent.line
    )
    DomainOrderFactory(
        state=_S.CANCELED, parent=parent, order=parent.order, line=parent.line
    )

    with pytest.raises(DomainOrderChildrenOpen) as refused:
        _close(parent.pk)

    assert refused.value.details["open_children"] == 1
    assert DomainOrder.objects.get(pk=parent.pk).state == _S.IN_PROGRESS
    _close(child.pk)
    assert _close(parent.pk).state == _S.CLOSED_COMPLETE
    assert DomainOrder.objects.get(pk=parent.pk).completed_at is not None


def test_cancel_after_cancellation_in_progress_ends_canceled():
    domain_order = DomainOrderFactory(state=_S.IN_PROGRESS)
    _cancellation_start(domain_order.pk)

    result = _cancel(domain_order.pk)

    assert result.state == _S.CANCELED
    assert DomainOrder.objects.get(pk=domain_order.pk).canceled_at is not None


def test_an_unknown_domain_order_is_not_found():
    with pytest.raises(NotFound):
        _start(999_999)
