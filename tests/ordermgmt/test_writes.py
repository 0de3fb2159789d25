"""Guarded set saves: rows whose state moved since they were read are not overwritten."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_fsm import ConcurrentTransition

from inventory.models import InventoryItem, InventoryItemState
from ordermgmt.writes import rows_save_transitioned
from tests.inventory.factories import InventoryItemFactory

pytestmark = pytest.mark.django_db

S = InventoryItemState


def test_rows_save_transitioned_writes_every_row_in_its_new_state():
    items = InventoryItemFactory.create_batch(3, pending=True)
    at = timezone.now()
    for item in items:
        item.activate(at=at)

    rows_save_transitioned(
        rows=items,
        from_states=[S.INSTALLATION_PENDING] * 3,
        fields=["state", "activated_at"],
        at=at,
    )

    assert set(
        InventoryItem.objects.values_list("state", "activated_at", "updated_at")
    ) == {(S.ACTIVE, at, at)}
    # the instances may go through another transition and be saved again
    items[0].suspend(at=at)
    items[0].save()


def test_rows_save_transitioned_refuses_rows_moved_since_they_were_read():
    first, second = InventoryItemFactory.create_batch(2, pending=True)
    at = timezone.now()
    first.activate(at=at)
    second.activate(at=at)
    # someone else disconnects the second item meanwhile
    InventoryItem.objects.filter(pk=second.pk).update(state=S.INACTIVE)

    with pytest.raises(ConcurrentTransition):
        rows_save_transitioned(
            rows=[first, second],
            from_states=[S.INSTALLATION_PENDING] * 2,
            fields=["state", "activated_at"],
            at=at,
        )


def test_rows_save_transitioned_of_no_rows_does_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        rows_save_transitioned(
            rows=[], from_states=[], fields=["state"], at=timezone.now()
        )
