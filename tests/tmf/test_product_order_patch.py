"""PATCH productOrder: JSON merge patch on a draft or acknowledged order."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from ordermgmt.models import AuditEvent
from ordermgmt.roles import Role
from orders.models import CustomerOrderState
from tests.orders.factories import CustomerOrderFactory
from tests.tmf.conftest import ORDERS_URL, tmf_error_asserted

pytestmark = pytest.mark.django_db

MERGE_PATCH = "application/merge-patch+json"


@pytest.fixture
def order(account):
    return CustomerOrderFactory(
        account=account,
        acknowledged=True,
        external_id="EXT-1",
        extra={"category": "B2C", "note": [{"text": "a"}], "keep": {"a": 1, "b": 2}},
    )


def patch(client, order, body, content_type=MERGE_PATCH):
    return client.generic(
        "PATCH",
        f"{ORDERS_URL}/{order.number}",
        json.dumps(body),
        content_type=content_type,
    )


@pytest.mark.parametrize("content_type", [MERGE_PATCH, "application/json"])
def test_patch_changes_header_fields_and_returns_the_order(api, order, content_type):
    response = patch(
        api,
        order,
        {
            "description": "New text",
            "externalId": "EXT-2",
            "priority": "0",
        },
        content_type,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["description"] == "New text"
    assert body["externalId"] == "EXT-2"
    assert body["priority"] == "0"
    order.refresh_from_db()
    assert order.description == "New text"
    assert order.priority == 0
    assert AuditEvent.objects.filter(action="order.updated").count() == 1


def test_patch_changes_requested_dates(api, order):
    response = patch(
        api,
        order,
        {
            "requestedStartDate": "2031-05-01T10:00:00.000Z",
            "requestedCompletionDate": "2031-06-01T10:00:00Z",
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["requestedStartDate"] == "2031-05-01T10:00:00.000Z"
    assert response.json()["requestedCompletionDate"] == "2031-06-01T10:00:00.000Z"


def test_patch_merges_extension_attributes(api, order):
    response = patch(
        api, order, {"category": None, "keep": {"b": None, "c": 3}, "newOne": "x"}
    )

    body = response.json()
    assert "category" not in body
    assert body["keep"] == {"a": 1, "c": 3}
    assert body["newOne"] == "x"
    assert body["note"] == [{"text": "a"}]


def test_patch_null_clears_a_field(api, order):
    body = patch(api, order, {"externalId": None}).json()
    assert body["externalId"] == ""


@pytest.mark.parametrize(
    "field",
    ["id", "href", "orderDate", "state", "completionDate", "orderTotalPrice"],
)
def test_patch_of_a_server_owned_field_is_400(api, order, field):
    body = tmf_error_asserted(patch(api, order, {field: "x"}), 400, "24")
    assert field in body["message"]


@pytest.mark.parametrize("field", ["productOrderItem", "relatedParty"])
def test_patch_of_items_or_customer_is_400(api, order, field):
    tmf_error_asserted(patch(api, order, {field: []}), 400, "24")


@pytest.mark.parametrize(
    "body",
    [
        {"priority": "urgent"},
        {"requestedStartDate": "soon"},
        {"description": 5},
        {
            "requestedStartDate": "2031-05-01T10:00:00Z",
            "requestedCompletionDate": "2031-04-01T10:00:00Z",
        },
    ],
)
def test_patch_with_wrong_values_is_400(api, order, body):
    tmf_error_asserted(patch(api, order, body), 400)
    order.refresh_from_db()
    assert order.external_id == "EXT-1"


@pytest.mark.parametrize(
    "state",
    [
        CustomerOrderState.IN_PROGRESS,
        CustomerOrderState.COMPLETED,
        CustomerOrderState.CANCELED,
        CustomerOrderState.REJECTED,
    ],
)
def test_patch_outside_draft_or_acknowledged_is_409(api, account, state):
    order = CustomerOrderFactory(account=account, state=state)
    tmf_error_asserted(patch(api, order, {"description": "x"}), 409)


def test_patch_to_a_duplicate_external_id_is_409(api, account, order):
    CustomerOrderFactory(account=account, external_id="TAKEN")
    tmf_error_asserted(patch(api, order, {"externalId": "TAKEN"}), 409)


def test_patch_of_an_unknown_order_is_404(api):
    response = api.generic(
        "PATCH", f"{ORDERS_URL}/ORD9999999", "{}", content_type=MERGE_PATCH
    )
    tmf_error_asserted(response, 404, "60")


def test_patch_body_must_be_an_object(api, order):
    tmf_error_asserted(patch(api, order, ["description"]), 400, "22")


def test_order_manager_may_patch_with_a_session(make_user, order):
    client = APIClient()
    client.force_login(make_user("mgr", Role.ORDER_MANAGER))

    response = patch(client, order, {"description": "ok"})

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.description == "ok"
