"""Issue 4, MACD completion: change, disconnect, suspend and resume orders placed on a
Fiber Broadband Self-Install product that an add order installed go to Completed with no
human action, and leave the product, its service and its resource in the right state,
with the right values, contracts and entitlements."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fixtures.demo.load import demo_load
from inventory.audit import AuditAction
from inventory.models import (
    Contract,
    ContractState,
    EntitlementState,
    InventoryItem,
    InventoryItemKind,
    InventoryItemState,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import ValidationFailed
from ordermgmt.models import AuditEvent
from orders.models import Account, CustomerOrder, CustomerOrderState, LineAction
from orders.services import order_capture
from orders.services.capture_input import LineInput

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS_URL = "/tmf-api/productOrderingManagement/v4/productOrder"
_S = InventoryItemState


@pytest.fixture
def integrator() -> User:
    demo_load()
    return User.objects.get(username="integrator")


@pytest.fixture
def client(integrator) -> APIClient:
    client = APIClient()
    token = Token.objects.create(user=integrator)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def account(integrator) -> Account:
    return Account.objects.get(name="Jane Doe")


def _tmf_order(client: APIClient, account: Account, item: dict) -> CustomerOrder:
    response = client.post(
        ORDERS_URL,
        {
            "relatedParty": [{"id": account.number, "@referredType": "Customer"}],
            "productOrderItem": [{"id": "1", **item}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return CustomerOrder.objects.get(number=response.json()["id"])


def _installed(client: APIClient, account: Account, quantity: int = 1) -> list[int]:
    """Order the self-install product (bandwidth 300); return its product item ids."""
    order = _tmf_order(
        client,
        account,
        {
            "action": "add",
            "quantity": quantity,
            "productOffering": {"id": "OFF_FIBER_SELF_INSTALL"},
            "product": {"productCharacteristic": [{"name": "bandwidth", "value": 300}]},
        },
    )
    assert order.state == CustomerOrderState.COMPLETED
    return list(
        InventoryItem.objects.filter(
            source_order_id=order.pk, kind=InventoryItemKind.PRODUCT
        ).values_list("pk", flat=True)
    )


def _macd(integrator: User, account: Account, action: str, item_id: int):
    """Capture a suspend or resume line (TMF622 v4 has no such action) as the API would."""
    return order_capture(
        account_id=account.pk,
        actor=Actor.for_user(integrator),
        channel="api",
        lines=[LineInput(ref="1", action=action, inventory_item_id=item_id)],
    )


def _tree(product_id: int) -> dict[str, InventoryItem]:
    product = InventoryItem.objects.get(pk=product_id)
    service = InventoryItem.objects.get(parent=product)
    resource = InventoryItem.objects.get(parent=service)
    return {"product": product, "service": service, "resource": resource}


def _states(product_id: int) -> dict[str, str]:
    return {kind: item.state for kind, item in _tree(product_id).items()}


def _completed(order) -> None:
    order = CustomerOrder.objects.get(pk=order.pk)
    assert order.state == CustomerOrderState.COMPLETED
    assert set(order.lines.values_list("state", flat=True)) == {"completed"}


def test_change_order_completes_with_the_new_values_on_the_same_items(client, account):
    # given a self-install product of 300 Mbps and its contract
    [product_id] = _installed(client, account)
    contract = Contract.objects.get(account=account)
    before = set(InventoryItem.objects.values_list("pk", flat=True))

    # when the integrator modifies it to 500 Mbps through TMF622
    order = _tmf_order(
        client,
        account,
        {
            "action": "modify",
            "product": {
                "id": InventoryItem.objects.get(pk=product_id).number,
                "productCharacteristic": [{"name": "bandwidth", "value": 500}],
            },
        },
    )

    # then the order completed and the same items carry the new values
    _completed(order)
    assert set(InventoryItem.objects.values_list("pk", flat=True)) == before
    tree = _tree(product_id)
    assert _states(product_id) == {
        "product": _S.ACTIVE,
        "service": _S.ACTIVE,
        "resource": _S.ACTIVE,
    }
    assert tree["product"].characteristics == {"bandwidth": 500, "contract_term": 12}
    assert tree["service"].characteristics == {"bandwidth": 500}
    assert tree["product"].change_pending_at is None
    # the items went through Change pending
    assert AuditEvent.objects.filter(
        action=AuditAction.ITEM_CHANGE_BEGUN, subject_id=str(product_id)
    ).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.ITEM_CHANGE_FINISHED, subject_id=str(product_id)
    ).exists()
    # and no second contract: the one contract's entitlements took the new values
    assert list(Contract.objects.filter(account=account)) == [contract]
    entitlement = contract.entitlements.get(inventory_item_id=product_id)
    assert entitlement.characteristics["bandwidth"] == 500
    assert entitlement.monthly_value == Decimal("29.90")
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert contract.monthly_value == Decimal("29.90")


def test_change_of_the_contract_term_extends_the_contract(client, account):
    # given a 12-month self-install contract
    [product_id] = _installed(client, account)
    contract = Contract.objects.get(account=account)

    # when the customer moves to the 24-month term
    order = _tmf_order(
        client,
        account,
        {
            "action": "modify",
            "product": {
                "id": str(product_id),
                "productCharacteristic": [{"name": "contract_term", "value": 24}],
            },
        },
    )

    # then the same contract runs for 24 months from its start
    _completed(order)
    contract.refresh_from_db()
    assert Contract.objects.filter(account=account).count() == 1
    assert contract.term_months == 24
    assert (contract.end_date - contract.start_date).days > 700


def test_disconnect_order_makes_the_items_inactive_and_ends_the_contract(
    client, account
):
    # given a self-install product and its contract
    [product_id] = _installed(client, account)
    contract = Contract.objects.get(account=account)

    # when the integrator deletes it through TMF622
    order = _tmf_order(
        client, account, {"action": "delete", "product": {"id": str(product_id)}}
    )

    # then the order completed, the items are inactive and the contract ended
    _completed(order)
    assert _states(product_id) == {
        "product": _S.INACTIVE,
        "service": _S.INACTIVE,
        "resource": _S.INACTIVE,
    }
    assert _tree(product_id)["product"].terminated_at is not None
    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    assert set(contract.entitlements.values_list("state", flat=True)) == {
        EntitlementState.TERMINATED
    }
    status = client.get(f"/tmf-api/productInventory/v4/product/{product_id}")
    assert status.json()["status"] != "active"


def test_disconnect_of_one_of_two_products_ends_only_its_entitlements(client, account):
    # given two self-install products sold on one contract
    first, second = _installed(client, account, quantity=2)
    contract = Contract.objects.get(account=account)

    # when the first is disconnected
    order = _tmf_order(
        client, account, {"action": "delete", "product": {"id": str(first)}}
    )

    # then the contract still grants the second, and no longer the first
    _completed(order)
    assert _states(first)["product"] == _S.INACTIVE
    assert _states(second) == {
        "product": _S.ACTIVE,
        "service": _S.ACTIVE,
        "resource": _S.ACTIVE,
    }
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    states = dict(contract.entitlements.values_list("inventory_item_id", "state"))
    assert states[first] == EntitlementState.TERMINATED
    assert states[second] == EntitlementState.ACTIVE


def test_suspend_order_suspends_the_items_and_their_entitlements(
    integrator, client, account
):
    # given a self-install product
    [product_id] = _installed(client, account)

    # when it is suspended
    order = _macd(integrator, account, LineAction.SUSPEND, product_id)

    # then the order completed and the whole item tree is suspended
    _completed(order)
    assert _states(product_id) == {
        "product": _S.SUSPENDED,
        "service": _S.SUSPENDED,
        "resource": _S.SUSPENDED,
    }
    assert _tree(product_id)["product"].characteristics["bandwidth"] == 300
    contract = Contract.objects.get(account=account)
    assert contract.state == ContractState.ACTIVE
    assert set(contract.entitlements.values_list("state", flat=True)) == {
        EntitlementState.SUSPENDED
    }


def test_resume_order_makes_a_suspended_product_active_again(
    integrator, client, account
):
    # given a suspended self-install product
    [product_id] = _installed(client, account)
    _completed(_macd(integrator, account, LineAction.SUSPEND, product_id))

    # when it is resumed
    order = _macd(integrator, account, LineAction.RESUME, product_id)

    # then the order completed and the item tree and entitlements are active
    _completed(order)
    assert _states(product_id) == {
        "product": _S.ACTIVE,
        "service": _S.ACTIVE,
        "resource": _S.ACTIVE,
    }
    assert _tree(product_id)["product"].suspended_at is None
    contract = Contract.objects.get(account=account)
    assert set(contract.entitlements.values_list("state", flat=True)) == {
        EntitlementState.ACTIVE
    }


def test_second_suspend_of_a_suspended_product_is_refused_at_capture(
    integrator, client, account
):
    # given a suspended self-install product
    [product_id] = _installed(client, account)
    _completed(_macd(integrator, account, LineAction.SUSPEND, product_id))
    orders_before = CustomerOrder.objects.count()

    # when it is suspended again, then capture refuses the line
    with pytest.raises(ValidationFailed) as refused:
        _macd(integrator, account, LineAction.SUSPEND, product_id)
    assert "this one is suspended" in str(refused.value.errors)
    assert CustomerOrder.objects.count() == orders_before
    assert _states(product_id)["product"] == _S.SUSPENDED
