"""The inventory admin: items show state read-only with their tree and contracts;
contracts are read-only with their entitlements inline, terminated by an action."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from inventory.audit import AuditAction
from inventory.models import ContractState, EntitlementState, InventoryItemKind
from ordermgmt.audit import audit_history
from tests.inventory.factories import (
    ContractFactory,
    EntitlementFactory,
    InventoryItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("root", "root@example.com", "pw-root")
    )
    return client


def test_admin_inventory_item_page_shows_state_read_only(admin_client):
    item = InventoryItemFactory()

    response = admin_client.get(
        reverse("admin:inventory_inventoryitem_change", args=[item.pk])
    )

    assert response.status_code == 200
    assert 'name="state"' not in response.content.decode()


def test_admin_inventory_item_page_shows_its_tree_and_contract(admin_client):
    product = InventoryItemFactory()
    service = InventoryItemFactory(
        account=product.account, kind=InventoryItemKind.SERVICE, parent=product
    )
    entitlement = EntitlementFactory(inventory_item=product)

    response = admin_client.get(
        reverse("admin:inventory_inventoryitem_change", args=[product.pk])
    )

    page = response.content.decode()
    assert reverse("admin:inventory_inventoryitem_change", args=[service.pk]) in page
    assert service.number in page
    assert entitlement.contract.number in page
    assert (
        reverse("admin:inventory_contract_change", args=[entitlement.contract_id])
        in page
    )


def test_admin_contract_page_is_read_only_with_entitlements_inline(admin_client):
    entitlement = EntitlementFactory(name="Fiber 1000")
    contract = entitlement.contract

    response = admin_client.get(
        reverse("admin:inventory_contract_change", args=[contract.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Fiber 1000" in page
    assert 'name="state"' not in page
    assert 'name="end_date"' not in page
    assert 'name="_save"' not in page


def test_admin_contract_cannot_be_added_or_deleted(admin_client):
    contract = ContractFactory()

    add = admin_client.get(reverse("admin:inventory_contract_add"))
    delete = admin_client.get(
        reverse("admin:inventory_contract_delete", args=[contract.pk])
    )

    assert add.status_code == 403
    assert delete.status_code == 403


def test_admin_contract_post_changes_nothing(admin_client):
    contract = ContractFactory()

    response = admin_client.post(
        reverse("admin:inventory_contract_change", args=[contract.pk]),
        {"state": ContractState.TERMINATED, "order_number": "HACKED"},
    )

    contract.refresh_from_db()
    assert response.status_code == 403
    assert (contract.state, contract.order_number) == (ContractState.ACTIVE, "")


def test_admin_contract_terminate_action_goes_through_the_service(admin_client):
    entitlement = EntitlementFactory()
    contract = entitlement.contract
    ended = ContractFactory(terminated=True)

    response = admin_client.post(
        reverse("admin:inventory_contract_changelist"),
        {
            "action": "terminate_contracts",
            "_selected_action": [contract.pk, ended.pk],
        },
        follow=True,
    )

    contract.refresh_from_db()
    entitlement.refresh_from_db()
    assert response.status_code == 200
    assert contract.state == ContractState.TERMINATED
    assert entitlement.state == EntitlementState.TERMINATED
    assert (
        audit_history(subject=contract).get().action == AuditAction.CONTRACT_TERMINATED
    )
    messages = [str(message) for message in response.context["messages"]]
    assert any("cannot terminate" in message for message in messages)


def test_admin_contract_terminate_action_needs_the_change_permission(client, make_user):
    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_contract"))
    client.force_login(viewer)
    contract = ContractFactory()

    listing = client.get(reverse("admin:inventory_contract_changelist"))
    client.post(
        reverse("admin:inventory_contract_changelist"),
        {"action": "terminate_contracts", "_selected_action": [contract.pk]},
    )

    contract.refresh_from_db()
    assert listing.status_code == 200
    assert "terminate_contracts" not in listing.content.decode()
    assert contract.state == ContractState.ACTIVE
