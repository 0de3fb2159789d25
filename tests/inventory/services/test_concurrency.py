"""Two callers at once on the same inventory rows: the row locks let the work happen once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from inventory.audit import AuditAction
from inventory.models import ContractState, InventoryItemState
from inventory.services import contract_terminate, inventory_items_activate
from ordermgmt.actor import Actor
from ordermgmt.exceptions import InvalidTransition
from ordermgmt.models import AuditEvent
from tests.inventory.factories import (
    ContractFactory,
    EntitlementFactory,
    InventoryItemFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ACTOR = Actor.job("race")


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


def test_inventory_items_activate_by_two_callers_at_once_activates_once():
    items = InventoryItemFactory.create_batch(5, pending=True)
    ids = [item.pk for item in items]

    results, errors = _race(
        [lambda: inventory_items_activate(item_ids=ids, actor=ACTOR)] * 2
    )

    assert (len(results), errors) == (2, [])
    for item in items:
        item.refresh_from_db()
        assert item.state == InventoryItemState.ACTIVE
    assert AuditEvent.objects.filter(action=AuditAction.ITEM_ACTIVATED).count() == 5


def test_contract_terminate_by_two_callers_at_once_terminates_once():
    contract = ContractFactory()
    EntitlementFactory.create_batch(3, contract=contract)

    results, errors = _race(
        [lambda: contract_terminate(contract_id=contract.pk, actor=ACTOR)] * 2
    )

    assert len(results) == 1
    assert [type(error) for error in errors] == [InvalidTransition]
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    assert (
        AuditEvent.objects.filter(action=AuditAction.ENTITLEMENT_TERMINATED).count()
        == 3
    )
