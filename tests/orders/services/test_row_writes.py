"""rows_insert writes new rows of one model in one statement, as bulk_create would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from orders.models import CustomerOrder, CustomerOrderLine, LineState
from orders.services.row_writes import rows_insert
from tests.orders.factories import AccountFactory, published_offering

pytestmark = pytest.mark.django_db


def test_rows_insert_writes_every_field_and_sets_keys_in_order(
    django_assert_num_queries,
):
    account = AccountFactory()
    offering = published_offering(code="ROWS")
    order = CustomerOrder(account=account, currency="EUR", extra={"a": [1, "b"]})
    with transaction.atomic():
        rows_insert([order])
    lines = [
        CustomerOrderLine(
            order=order,
            line_number=number,
            item_ref=f"ref-{number}",
            offering=offering,
            quantity=number,
            characteristics={"speed": "100", "n": number},
            one_time_amount=Decimal("12.3456"),
            adjustments=[{"percent": "10"}],
        )
        for number in (1, 2, 3)
    ]

    with transaction.atomic(), django_assert_num_queries(1):
        rows_insert(lines)

    assert order.pk is not None
    assert not order._state.adding
    stored = list(CustomerOrderLine.objects.filter(order=order).order_by("pk"))
    assert [line.pk for line in stored] == [line.pk for line in lines]
    for line, row in zip(lines, stored, strict=True):
        assert row.item_ref == line.item_ref
        assert row.quantity == line.quantity
        assert row.offering_id == offering.pk
        assert row.characteristics == line.characteristics
        assert row.one_time_amount == Decimal("12.3456")
        assert row.adjustments == [{"percent": "10"}]
        assert row.state == LineState.DRAFT
        assert row.created_at == line.created_at is not None
    assert CustomerOrder.objects.get(pk=order.pk).extra == {"a": [1, "b"]}


def test_rows_insert_takes_parent_ids_from_parents_saved_before():
    order = CustomerOrder(account=AccountFactory(), currency="EUR")
    parent = CustomerOrderLine(order=order, line_number=1)
    child = CustomerOrderLine(order=order, line_number=2, parent_line=parent)
    with transaction.atomic():
        rows_insert([order])
        rows_insert([parent])
        rows_insert([child])

    assert CustomerOrderLine.objects.get(pk=child.pk).parent_line_id == parent.pk


def test_rows_insert_refuses_values_json_cannot_hold_and_writes_nothing():
    order = CustomerOrder(account=AccountFactory(), currency="EUR")
    with transaction.atomic():
        rows_insert([order])
    line = CustomerOrderLine(
        order=order, line_number=1, characteristics={"price": Decimal("1.5")}
    )
    with pytest.raises(TypeError), transaction.atomic():
        rows_insert([line])
    assert not CustomerOrderLine.objects.exists()
