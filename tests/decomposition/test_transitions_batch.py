"""Set-based start and close of domain orders: all or none, audit rows, children rule,
and a statement count that does not grow with the number of domain orders."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decomposition.audit import AuditAction
from decomposition.exceptions import DomainOrderChildrenOpen
from decomposition.models import DomainOrder, DomainOrderState
from decomposition.services import domain_orders_close, domain_orders_start
from ordermgmt.actor import Actor
from ordermgmt.exceptions import InvalidTransition, NotFound
from ordermgmt.models import AuditEvent
from tests.decomposition.factories import DomainOrderFactory

pytestmark = pytest.mark.django_db

ACTOR = Actor.job("batch-transition-test")
_S = DomainOrderState


def _events(domain_order: DomainOrder) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(subject_id=str(domain_order.pk))
        .order_by("pk")
        .values_list("action", "from_state", "to_state")
    )


def _state(domain_order: DomainOrder) -> str:
    return DomainOrder.objects.get(pk=domain_order.pk).state


def _two_orders(count: int, state: str) -> list[DomainOrder]:
    """`count` domain orders in `state`, spread over two customer orders."""
    domain_orders = [DomainOrderFactory(state=state) for _ in range(min(count, 2))]
    for index in range(count - len(domain_orders)):
        sibling = domain_orders[index % 2]
        domain_orders.append(
            DomainOrderFactory(state=state, order=sibling.order, line=sibling.line)
        )
    return domain_orders


def test_start_of_domain_orders_across_two_orders_records_one_event_each():
    domain_orders = _two_orders(4, _S.QUALIFIED)
    scheduled = DomainOrderFactory(state=_S.SCHEDULED, order=domain_orders[0].order)
    ids = [d.pk for d in [*domain_orders, scheduled]]

    started = domain_orders_start(domain_order_ids=reversed(ids), actor=ACTOR)

    assert [d.pk for d in started] == sorted(ids)
    assert len({d.order_id for d in started}) == 2
    for domain_order in started:
        stored = DomainOrder.objects.get(pk=domain_order.pk)
        assert stored.state == domain_order.state == _S.IN_PROGRESS
        assert stored.started_at is not None
    for domain_order in domain_orders:
        assert _events(domain_order) == [
            (AuditAction.DOMAIN_ORDER_STARTED, _S.QUALIFIED, _S.IN_PROGRESS)
        ]
    assert _events(scheduled) == [
        (AuditAction.DOMAIN_ORDER_STARTED, _S.SCHEDULED, _S.IN_PROGRESS)
    ]


def test_close_of_domain_orders_across_two_orders_records_one_event_each():
    domain_orders = _two_orders(4, _S.IN_PROGRESS)

    closed = domain_orders_close(
        domain_order_ids=[d.pk for d in domain_orders], actor=ACTOR
    )

    assert len({d.order_id for d in closed}) == 2
    for domain_order in domain_orders:
        stored = DomainOrder.objects.get(pk=domain_order.pk)
        assert stored.state == _S.CLOSED_COMPLETE
        assert stored.completed_at is not None
        assert _events(domain_order) == [
            (AuditAction.DOMAIN_ORDER_CLOSED, _S.IN_PROGRESS, _S.CLOSED_COMPLETE)
        ]


def test_no_ids_is_nothing_to_do_and_no_query():
    with CaptureQueriesContext(connection) as context:
        assert domain_orders_start(domain_order_ids=[], actor=ACTOR) == []
        assert domain_orders_close(domain_order_ids=[], actor=ACTOR) == []

    assert context.captured_queries == []


def test_one_domain_order_that_cannot_start_refuses_the_whole_set():
    startable = DomainOrderFactory(state=_S.QUALIFIED)
    held = DomainOrderFactory(state=_S.ON_HOLD, order=startable.order)

    with pytest.raises(InvalidTransition):
        domain_orders_start(domain_order_ids=[startable.pk, held.pk], actor=ACTOR)

    assert _state(startable) == _S.QUALIFIED
    assert not AuditEvent.objects.filter(subject_id=str(startable.pk)).exists()


def test_a_missing_id_is_not_found_and_nothing_is_written():
    domain_order = DomainOrderFactory(state=_S.IN_PROGRESS)

    with pytest.raises(NotFound):
        domain_orders_close(domain_order_ids=[domain_order.pk, 999_999], actor=ACTOR)

    assert _state(domain_order) == _S.IN_PROGRESS


def test_a_parent_and_its_child_close_together():
    parent = DomainOrderFactory(state=_S.IN_PROGRESS)
    child = DomainOrderFactory(
        state=_S.IN_PROGRESS, parent=parent, order=parent.order, line=parent.line
    )
    DomainOrderFactory(
        state=_S.CANCELED, parent=parent, order=parent.order, line=parent.line
    )

    domain_orders_close(domain_order_ids=[parent.pk, child.pk], actor=ACTOR)

    assert _state(parent) == _state(child) == _S.CLOSED_COMPLETE


def test_a_parent_with_an_open_child_outside_the_set_refuses_the_whole_set():
    parent = DomainOrderFactory(state=_S.IN_PROGRESS)
    closing_child = DomainOrderFactory(
        state=_S.IN_PROGRESS, parent=parent, order=parent.order, line=parent.line
    )
    DomainOrderFactory(
        state=_S.IN_PROGRESS, parent=parent, order=parent.order, line=parent.line
    )
    other = DomainOrderFactory(state=_S.IN_PROGRESS)
    ids = [parent.pk, closing_child.pk, other.pk]

    with pytest.raises(DomainOrderChildrenOpen) as refused:
        domain_orders_close(domain_order_ids=ids, actor=ACTOR)

    assert refused.value.details["open_children"] == 1
    assert refused.value.details["domain_order_ids"] == [parent.pk]
    for domain_order in (parent, closing_child, other):
        assert _state(domain_order) == _S.IN_PROGRESS
    assert not AuditEvent.objects.filter(subject_id__in=map(str, ids)).exists()


def test_a_qualified_domain_order_is_started_then_closed():
    qualified = DomainOrderFactory(state=_S.QUALIFIED)
    in_progress = DomainOrderFactory(state=_S.IN_PROGRESS, order=qualified.order)

    closed = domain_orders_close(
        domain_order_ids=[qualified.pk, in_progress.pk], actor=ACTOR
    )

    assert {d.state for d in closed} == {_S.CLOSED_COMPLETE}
    stored = DomainOrder.objects.get(pk=qualified.pk)
    assert stored.state == _S.CLOSED_COMPLETE
    assert stored.started_at is not None
    assert stored.completed_at is not None
    assert _events(qualified) == [
        (AuditAction.DOMAIN_ORDER_STARTED, _S.QUALIFIED, _S.IN_PROGRESS),
        (AuditAction.DOMAIN_ORDER_CLOSED, _S.IN_PROGRESS, _S.CLOSED_COMPLETE),
    ]
    assert _events(in_progress) == [
        (AuditAction.DOMAIN_ORDER_CLOSED, _S.IN_PROGRESS, _S.CLOSED_COMPLETE)
    ]


def _statements(service, state: str, count: int) -> int:
    """Statements of one call on `count` domain orders over up to two orders; beyond the
    first two, each is a child of the one before, closing with it."""
    domain_orders = _two_orders(min(count, 2), state)
    while len(domain_orders) < count:
        parent = domain_orders[-1]
        domain_orders.append(
            DomainOrderFactory(
                state=state, parent=parent, order=parent.order, line=parent.line
            )
        )
    with CaptureQueriesContext(connection) as context:
        service(domain_order_ids=[d.pk for d in domain_orders], actor=ACTOR)
    for domain_order in domain_orders:
        assert _state(domain_order) != state
    return len(context.captured_queries)


@pytest.mark.parametrize(
    ("service", "state"),
    [
        pytest.param(domain_orders_start, _S.QUALIFIED, id="start"),
        pytest.param(domain_orders_close, _S.IN_PROGRESS, id="close"),
        pytest.param(domain_orders_close, _S.SCHEDULED, id="start-and-close"),
    ],
)
def test_statement_count_does_not_grow_with_the_number_of_domain_orders(service, state):
    _statements(service, state, 1)  # content types cached, as in a running process

    assert _statements(service, state, 6) == _statements(service, state, 1)
