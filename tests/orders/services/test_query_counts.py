"""Services that move every line of an order run a fixed number of queries: 1 line or 20.

The counts include the SAVEPOINT / RELEASE pair of the service's atomic() inside the test's
transaction, and assume cached content types (as in a running process).
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from ordermgmt.exceptions import ValidationFailed
from ordermgmt.models import AuditEvent
from orders.audit import AuditAction
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineAction,
    LineState,
)
from orders.services import (
    order_approve,
    order_draft_cancel,
    order_reject,
    order_submit,
)
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import (
    CustomerOrderFactory,
    CustomerOrderLineFactory,
    published_offering,
)

pytestmark = pytest.mark.django_db

LINE_COUNTS = [1, 20]

# savepoint, lock order (with its account), lock lines, offerings, characteristics,
# compatibility rules, enrichment policy, approval policy, approval group, update order,
# update lines, every audit event (submit, enrichment finished, approval queued: one
# insert), release. No table is published here, so both policies are one lookup each;
# a published table adds nothing per line. Catalog rows and the policies' published
# versions are read on every call here (the tests' cache TTLs are 0); a running process
# keeps them (tests/tmf/test_query_counts.py).
SUBMIT_ADD_LINES_QUERIES = 13
# The same plus the inventory items the change lines act on.
SUBMIT_CHANGE_LINES_QUERIES = 14
SUBMIT_MIXED_LINES_QUERIES = 14
SUBMIT_REFUSED_QUERIES = 8
# savepoint, lock order, lock lines, update order, update lines, audit (order and lines
# in one insert), release.
APPROVE_QUERIES = 7
REJECT_QUERIES = 8
DRAFT_CANCEL_QUERIES = 8


@pytest.fixture(autouse=True)
def content_types_cached():
    ContentType.objects.get_for_models(
        CustomerOrder, CustomerOrderLine, for_concrete_models=False
    )


def _add_lines(order, *, count, first_number=1):
    # Every line has its own offering and specification, so a per-line read would show.
    for number in range(first_number, first_number + count):
        offering = published_offering(code=f"ADD-{order.pk}-{number}")
        CustomerOrderLineFactory(
            order=order,
            line_number=number,
            offering=offering,
            specification=offering.product_specification,
            characteristics={"speed": "100"},
        )


def _change_lines(order, *, count, first_number=1):
    for number in range(first_number, first_number + count):
        offering = published_offering(code=f"CHG-{order.pk}-{number}")
        item = InventoryItemFactory(
            account=order.account,
            offering=offering,
            specification=offering.product_specification,
            characteristics={"speed": "100"},
        )
        CustomerOrderLineFactory(
            order=order,
            line_number=number,
            action=LineAction.CHANGE,
            offering=offering,
            specification=offering.product_specification,
            inventory_item=item,
            characteristics={"speed": "1000"},
        )


def _order_with_lines(*, count, order_state, line_state):
    order = CustomerOrderFactory(state=order_state)
    for number in range(1, count + 1):
        CustomerOrderLineFactory(order=order, line_number=number, state=line_state)
    return order


def _line_events(order, action):
    return AuditEvent.objects.filter(
        subject_type=ContentType.objects.get_for_model(CustomerOrderLine),
        subject_id__in=[str(pk) for pk in order.lines.values_list("pk", flat=True)],
        action=action,
    )


@pytest.mark.parametrize("line_count", LINE_COUNTS)
def test_order_submit_of_add_lines_runs_fixed_queries(
    line_count, actor, django_assert_num_queries
):
    order = CustomerOrderFactory()
    _add_lines(order, count=line_count)

    with django_assert_num_queries(SUBMIT_ADD_LINES_QUERIES):
        order_submit(order_id=order.pk, actor=actor)

    assert set(order.lines.values_list("state", flat=True)) == {LineState.NEW}
    assert _line_events(order, AuditAction.LINE_SUBMITTED).count() == line_count


@pytest.mark.parametrize("line_count", LINE_COUNTS)
def test_order_submit_of_change_lines_runs_fixed_queries(
    line_count, actor, django_assert_num_queries
):
    order = CustomerOrderFactory()
    _change_lines(order, count=line_count)

    with django_assert_num_queries(SUBMIT_CHANGE_LINES_QUERIES):
        order_submit(order_id=order.pk, actor=actor)

    assert set(order.lines.values_list("state", flat=True)) == {LineState.NEW}
    assert _line_events(order, AuditAction.LINE_SUBMITTED).count() == line_count


@pytest.mark.parametrize("lines_per_kind", [1, 10])
def test_order_submit_of_mixed_lines_runs_fixed_queries(
    lines_per_kind, actor, django_assert_num_queries
):
    order = CustomerOrderFactory()
    _add_lines(order, count=lines_per_kind)
    _change_lines(order, count=lines_per_kind, first_number=lines_per_kind + 1)

    with django_assert_num_queries(SUBMIT_MIXED_LINES_QUERIES):
        order_submit(order_id=order.pk, actor=actor)

    assert _line_events(order, AuditAction.LINE_SUBMITTED).count() == 2 * lines_per_kind


@pytest.mark.parametrize("line_count", LINE_COUNTS)
def test_order_submit_revalidation_failure_runs_fixed_queries(
    line_count, actor, django_assert_num_queries
):
    order = CustomerOrderFactory()
    _add_lines(order, count=line_count)
    order.lines.update(characteristics={"speed": "42"})

    # savepoint, lock order (with its account), lock lines, offerings, characteristics,
    # compatibility rules, rollback to savepoint, release.
    with (
        django_assert_num_queries(SUBMIT_REFUSED_QUERIES),
        pytest.raises(ValidationFailed) as caught,
    ):
        order_submit(order_id=order.pk, actor=actor)

    assert len(caught.value.errors) == line_count

    assert set(order.lines.values_list("state", flat=True)) == {LineState.DRAFT}


@pytest.mark.parametrize("line_count", LINE_COUNTS)
def test_order_approve_runs_fixed_queries(
    line_count, job_actor, django_assert_num_queries
):
    order = _order_with_lines(
        count=line_count, order_state=CustomerOrderState.NEW, line_state=LineState.NEW
    )

    with django_assert_num_queries(APPROVE_QUERIES):
        order_approve(order_id=order.pk, actor=job_actor)

    assert set(order.lines.values_list("state", flat=True)) == {LineState.ACKNOWLEDGED}
    assert _line_events(order, AuditAction.LINE_ACKNOWLEDGED).count() == line_count


@pytest.mark.parametrize("line_count", LINE_COUNTS)
def test_order_reject_runs_fixed_queries(
    line_count, job_actor, django_assert_num_queries
):
    order = _order_with_lines(
        count=line_count, order_state=CustomerOrderState.NEW, line_state=LineState.NEW
    )

    with django_assert_num_queries(REJECT_QUERIES):
        order_reject(order_id=order.pk, actor=job_actor, reason="credit check")

    assert set(order.lines.values_list("state", flat=True)) == {LineState.REJECTED}
    assert _line_events(order, AuditAction.LINE_REJECTED).count() == line_count


@pytest.mark.parametrize("line_count", LINE_COUNTS)
def test_order_draft_cancel_runs_fixed_queries(
    line_count, actor, django_assert_num_queries
):
    order = _order_with_lines(
        count=line_count,
        order_state=CustomerOrderState.DRAFT,
        line_state=LineState.DRAFT,
    )

    with django_assert_num_queries(DRAFT_CANCEL_QUERIES):
        order_draft_cancel(order_id=order.pk, actor=actor, reason="duplicate")

    assert set(order.lines.values_list("state", flat=True)) == {LineState.CANCELED}
    assert _line_events(order, AuditAction.LINE_CANCELED).count() == line_count
