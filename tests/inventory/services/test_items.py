"""Single-item inventory services: create pending, activate, suspend, resume, change, disconnect."""

from __future__ import annotations

import re
from unittest import mock

import pytest

from inventory.audit import AuditAction
from inventory.models import InventoryItem, InventoryItemKind, InventoryItemState
from inventory.selectors import inventory_items_for_account
from inventory.services import (
    inventory_item_activate,
    inventory_item_change_begin,
    inventory_item_change_finish,
    inventory_item_create_pending,
    inventory_item_disconnect,
    inventory_item_resume,
    inventory_item_suspend,
)
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.models import AuditEvent
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db

S = InventoryItemState


def test_inventory_item_create_pending_numbers_and_audits(actor):
    account = AccountFactory()

    item = inventory_item_create_pending(
        account_id=account.pk,
        actor=actor,
        kind=InventoryItemKind.SERVICE,
        characteristics={"speed": "100"},
        quantity=2,
    )

    assert re.fullmatch(r"INV\d{7}", item.number)
    assert item.state == S.INSTALLATION_PENDING
    assert list(inventory_items_for_account(account_id=account.pk)) == [item]
    event = audit_history(subject=item).get()
    assert (event.action, event.to_state) == (
        AuditAction.ITEM_CREATED,
        S.INSTALLATION_PENDING,
    )


def test_inventory_item_create_pending_refuses_an_unknown_account(actor):
    with pytest.raises(NotFound):
        inventory_item_create_pending(account_id=999_999, actor=actor)

    assert not InventoryItem.objects.exists()


def test_inventory_item_create_pending_refuses_a_parent_of_another_account(actor):
    parent = InventoryItemFactory()

    with pytest.raises(ValidationFailed) as caught:
        inventory_item_create_pending(
            account_id=AccountFactory().pk, actor=actor, parent_id=parent.pk
        )

    assert "parent_id" in caught.value.errors
    assert InventoryItem.objects.count() == 1


def test_inventory_item_create_pending_refuses_quantity_zero(actor):
    with pytest.raises(ValidationFailed):
        inventory_item_create_pending(
            account_id=AccountFactory().pk, actor=actor, quantity=0
        )


def test_inventory_item_create_pending_leaves_nothing_when_the_audit_fails(actor):
    with (
        mock.patch(
            "inventory.services.items.audit_record", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        inventory_item_create_pending(account_id=AccountFactory().pk, actor=actor)

    assert not InventoryItem.objects.exists()


# (service, allowed source states, target state, timestamp field set or cleared)
TRANSITIONS = [
    (inventory_item_activate, {S.INSTALLATION_PENDING}, S.ACTIVE, "activated_at"),
    (inventory_item_suspend, {S.ACTIVE}, S.SUSPENDED, "suspended_at"),
    (inventory_item_resume, {S.SUSPENDED}, S.ACTIVE, None),
    (inventory_item_change_begin, {S.ACTIVE}, S.CHANGE_PENDING, "change_pending_at"),
    (inventory_item_change_finish, {S.CHANGE_PENDING}, S.ACTIVE, None),
    (
        inventory_item_disconnect,
        {S.INSTALLATION_PENDING, S.ACTIVE, S.SUSPENDED},
        S.INACTIVE,
        "terminated_at",
    ),
]
ALLOWED = [
    pytest.param(service, source, target, field, id=f"{service.__name__}-{source}")
    for service, sources, target, field in TRANSITIONS
    for source in sorted(sources)
]
FORBIDDEN = [
    pytest.param(service, source, id=f"{service.__name__}-{source}")
    for service, sources, _target, _field in TRANSITIONS
    for source in sorted(set(S) - sources)
]
AUDIT_ACTIONS = {
    inventory_item_activate: AuditAction.ITEM_ACTIVATED,
    inventory_item_suspend: AuditAction.ITEM_SUSPENDED,
    inventory_item_resume: AuditAction.ITEM_RESUMED,
    inventory_item_change_begin: AuditAction.ITEM_CHANGE_BEGUN,
    inventory_item_change_finish: AuditAction.ITEM_CHANGE_FINISHED,
    inventory_item_disconnect: AuditAction.ITEM_DISCONNECTED,
}


@pytest.mark.parametrize(("service", "source", "target", "field"), ALLOWED)
def test_inventory_item_transition_moves_and_audits(
    actor, service, source, target, field
):
    item = InventoryItemFactory(state=source)

    result = service(item_id=item.pk, actor=actor)

    item.refresh_from_db()
    assert result.state == item.state == target
    if field:
        assert getattr(item, field) is not None
    event = audit_history(subject=item).get()
    assert (event.action, event.from_state, event.to_state) == (
        AUDIT_ACTIONS[service],
        source,
        target,
    )


@pytest.mark.parametrize(("service", "source"), FORBIDDEN)
def test_inventory_item_transition_refuses_other_states(actor, service, source):
    item = InventoryItemFactory(state=source)

    with pytest.raises(InvalidTransition):
        service(item_id=item.pk, actor=actor)

    item.refresh_from_db()
    assert item.state == source
    assert not AuditEvent.objects.exists()


def test_inventory_item_resume_clears_the_suspension_time(actor):
    item = InventoryItemFactory()
    inventory_item_suspend(item_id=item.pk, actor=actor)

    inventory_item_resume(item_id=item.pk, actor=actor)

    item.refresh_from_db()
    assert item.suspended_at is None


def test_inventory_item_change_finish_applies_the_new_values(actor):
    item = InventoryItemFactory(change_pending=True, characteristics={"speed": "100"})

    inventory_item_change_finish(
        item_id=item.pk, actor=actor, characteristics={"speed": "1000"}, quantity=3
    )

    item.refresh_from_db()
    assert (item.characteristics, item.quantity) == ({"speed": "1000"}, 3)
    event = audit_history(subject=item).get()
    assert event.data["before"] == {"characteristics": {"speed": "100"}, "quantity": 1}


def test_inventory_item_service_on_unknown_item_is_not_found(actor):
    with pytest.raises(NotFound):
        inventory_item_activate(item_id=999_999, actor=actor)


def test_inventory_item_suspend_leaves_nothing_when_the_audit_fails(actor):
    item = InventoryItemFactory()

    with (
        mock.patch(
            "inventory.services.items.audit_record", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        inventory_item_suspend(item_id=item.pk, actor=actor)

    item.refresh_from_db()
    assert item.state == S.ACTIVE
    assert item.suspended_at is None
