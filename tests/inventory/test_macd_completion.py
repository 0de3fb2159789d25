"""The set-based MACD services: item trees begin a change, are disconnected, suspended
and resumed with their entitlements, idempotently, refusing a wrong state as a whole."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.audit import AuditAction
from inventory.models import (
    ContractState,
    EntitlementState,
    InventoryItem,
    InventoryItemKind,
    InventoryItemState,
)
from inventory.services import (
    inventory_items_change_begin,
    inventory_items_disconnect,
    inventory_items_resume,
    inventory_items_suspend,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import InvalidTransition
from ordermgmt.models import AuditEvent
from tests.inventory.factories import (
    ContractFactory,
    EntitlementFactory,
    InventoryItemFactory,
)

pytestmark = pytest.mark.django_db

ACTOR = Actor.job("macd-test")
_S = InventoryItemState


def _tree(**state) -> tuple[InventoryItem, InventoryItem, InventoryItem]:
    product = InventoryItemFactory(**state)
    service = InventoryItemFactory(
        account=product.account, parent=product, kind=InventoryItemKind.SERVICE, **state
    )
    resource = InventoryItemFactory(
        account=product.account,
        parent=service,
        kind=InventoryItemKind.RESOURCE,
        **state,
    )
    return product, service, resource


def _states(*items: InventoryItem) -> list[str]:
    return [InventoryItem.objects.get(pk=item.pk).state for item in items]


def test_change_begin_puts_only_the_named_items_in_change_pending():
    product, service, resource = _tree()

    inventory_items_change_begin(item_ids=[product.pk, service.pk], actor=ACTOR)

    assert _states(product, service, resource) == [
        _S.CHANGE_PENDING,
        _S.CHANGE_PENDING,
        _S.ACTIVE,
    ]
    assert AuditEvent.objects.filter(action=AuditAction.ITEM_CHANGE_BEGUN).count() == 2


def test_change_begin_twice_changes_nothing_the_second_time():
    product, _service, _resource = _tree()
    inventory_items_change_begin(item_ids=[product.pk], actor=ACTOR)

    inventory_items_change_begin(item_ids=[product.pk], actor=ACTOR)

    assert _states(product) == [_S.CHANGE_PENDING]
    assert AuditEvent.objects.filter(action=AuditAction.ITEM_CHANGE_BEGUN).count() == 1


def test_change_begin_refuses_the_whole_set_when_one_item_is_suspended():
    active = InventoryItemFactory()
    suspended = InventoryItemFactory(suspended=True, account=active.account)

    with pytest.raises(InvalidTransition):
        inventory_items_change_begin(item_ids=[active.pk, suspended.pk], actor=ACTOR)

    assert _states(active, suspended) == [_S.ACTIVE, _S.SUSPENDED]


def test_suspend_moves_the_tree_and_its_entitlements_then_resume_undoes_it():
    product, service, resource = _tree()
    entitlement = EntitlementFactory(inventory_item=product)

    inventory_items_suspend(item_ids=[product.pk], actor=ACTOR)
    assert _states(product, service, resource) == [_S.SUSPENDED] * 3
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.SUSPENDED

    inventory_items_resume(item_ids=[product.pk], actor=ACTOR)
    assert _states(product, service, resource) == [_S.ACTIVE] * 3
    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.ACTIVE
    assert AuditEvent.objects.filter(action=AuditAction.ITEM_RESUMED).count() == 3


def test_suspend_of_a_suspended_tree_changes_nothing():
    product, service, resource = _tree(state=_S.SUSPENDED)

    inventory_items_suspend(item_ids=[product.pk], actor=ACTOR)

    assert _states(product, service, resource) == [_S.SUSPENDED] * 3
    assert not AuditEvent.objects.filter(action=AuditAction.ITEM_SUSPENDED).exists()


def test_resume_refuses_an_item_pending_installation_beneath_and_writes_nothing():
    product, service, _resource = _tree(state=_S.SUSPENDED)
    InventoryItemFactory(account=product.account, parent=service, pending=True)

    with pytest.raises(InvalidTransition):
        inventory_items_resume(item_ids=[product.pk], actor=ACTOR)

    assert _states(product, service) == [_S.SUSPENDED] * 2


def test_disconnect_ends_the_contract_when_none_of_its_items_is_left():
    product, service, resource = _tree()
    contract = ContractFactory(account=product.account)
    on_product = EntitlementFactory(contract=contract, inventory_item=product)
    on_service = EntitlementFactory(contract=contract, inventory_item=service)

    inventory_items_disconnect(item_ids=[product.pk], actor=ACTOR, reason="PO1")

    assert _states(product, service, resource) == [_S.INACTIVE] * 3
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    for entitlement in (on_product, on_service):
        entitlement.refresh_from_db()
        assert entitlement.state == EntitlementState.TERMINATED
    assert AuditEvent.objects.filter(
        action=AuditAction.CONTRACT_TERMINATED, subject_id=str(contract.pk)
    ).exists()


def test_disconnect_keeps_the_contract_of_an_item_still_owned():
    kept = InventoryItemFactory()
    gone = InventoryItemFactory(account=kept.account)
    contract = ContractFactory(account=kept.account)
    on_kept = EntitlementFactory(contract=contract, inventory_item=kept)
    on_gone = EntitlementFactory(contract=contract, inventory_item=gone)

    inventory_items_disconnect(item_ids=[gone.pk], actor=ACTOR)

    contract.refresh_from_db()
    on_kept.refresh_from_db()
    on_gone.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert on_kept.state == EntitlementState.ACTIVE
    assert on_gone.state == EntitlementState.TERMINATED


def test_disconnect_leaves_items_disconnected_earlier_alone():
    product, service, _resource = _tree()
    old = InventoryItemFactory(account=product.account, parent=product, inactive=True)

    inventory_items_disconnect(item_ids=[product.pk], actor=ACTOR)
    inventory_items_disconnect(item_ids=[product.pk], actor=ACTOR)

    assert _states(product, service, old) == [_S.INACTIVE] * 3
    assert AuditEvent.objects.filter(action=AuditAction.ITEM_DISCONNECTED).count() == 3


def test_suspend_query_count_does_not_grow_with_the_number_of_items():
    def queries(trees: int) -> int:
        products = [_tree()[0] for _ in range(trees)]
        for product in products:
            EntitlementFactory(inventory_item=product)
        with CaptureQueriesContext(connection) as captured:
            inventory_items_suspend(item_ids=[p.pk for p in products], actor=ACTOR)
        return len(captured)

    queries(1)  # warm the content-type cache the audit uses
    assert queries(1) == queries(5)
