"""POST productOrder: capture and submit, shapes and references, errors, async mode,
Idempotency-Key and duplicate externalId."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from catalog.models import ChargeType, RecurringPeriod
from ordermgmt.roles import Role
from orders.models import (
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineAction,
    OrderChannel,
)
from tests.catalog.factories import (
    OfferingRelationshipFactory,
    PriceListFactory,
    PriceListLineFactory,
    ProductOfferingFactory,
)
from tests.orders.factories import AccountFactory, published_offering
from tests.tmf.conftest import ORDERS_URL, tmf_error_asserted
from tmf.models import IdempotencyRecord, ProductOrderRequest, ProductOrderRequestState

pytestmark = pytest.mark.django_db

REQUESTS_URL = "/tmf-api/productOrderingManagement/v4/productOrderRequest"


@pytest.fixture
def price_list():
    # Capture prices every order, even one whose items name no offering.
    return PriceListFactory(published=True, currency="EUR")


@pytest.fixture
def offering(price_list):
    """A published fibre offering priced 49.00 once and 39.90 a month."""
    offering = published_offering(code="FIBRE-1G")
    PriceListLineFactory(price_list=price_list, offering=offering, amount=Decimal("49"))
    PriceListLineFactory(
        price_list=price_list,
        offering=offering,
        charge_type=ChargeType.RECURRING,
        recurring_period=RecurringPeriod.MONTH,
        amount=Decimal("39.90"),
    )
    return offering


def order_payload(account, offering, **fields):
    payload = {
        "externalId": "PO-1",
        "description": "Fibre for the office",
        "priority": "1",
        "requestedStartDate": "2030-01-01T08:00:00.000Z",
        "productOrderItem": [
            {
                "id": "100",
                "action": "add",
                "quantity": 1,
                "productOffering": {"id": str(offering.pk)},
                "product": {
                    "productCharacteristic": [{"name": "speed", "value": "1000"}]
                },
                "@type": "ProductOrderItem",
            }
        ],
        "relatedParty": [
            {"id": account.number, "@referredType": "Customer", "role": "customer"}
        ],
        "@type": "ProductOrder",
    }
    payload.update(fields)
    return payload


def post(client, payload, **extra):
    return client.post(ORDERS_URL, payload, format="json", **extra)


# --- create ---------------------------------------------------------------------------


def test_post_creates_and_submits_the_order(api, account, offering, integrator):
    response = post(api, order_payload(account, offering))

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == body["href"]
    assert body["href"] == f"http://testserver{ORDERS_URL}/{body['id']}"
    order = CustomerOrder.objects.get(number=body["id"])
    assert order.channel == OrderChannel.API
    assert order.state != CustomerOrderState.DRAFT
    assert order.captured_by == integrator
    assert order.external_id == "PO-1"
    assert order.priority == 1
    assert body["state"] == "acknowledged"
    assert body["priority"] == "1"
    assert body["requestedStartDate"] == "2030-01-01T08:00:00.000Z"
    item = body["productOrderItem"][0]
    assert item["id"] == "100"
    assert item["productOffering"]["id"] == str(offering.pk)
    assert item["product"]["productCharacteristic"] == [
        {"name": "speed", "value": "1000"}
    ]
    assert body["relatedParty"][0]["id"] == account.number


def test_post_accepts_the_offering_code_and_the_account_pk(api, account, offering):
    payload = order_payload(account, offering)
    payload["productOrderItem"][0]["productOffering"] = {"id": "FIBRE-1G"}
    payload["relatedParty"] = [{"id": str(account.pk), "@referredType": "Customer"}]

    response = post(api, payload)

    assert response.status_code == 201, response.content
    line = CustomerOrderLine.objects.get(order__number=response.json()["id"])
    assert line.offering_id == offering.pk


def test_unknown_attributes_are_kept_and_echoed(api, account, offering):
    payload = order_payload(
        account,
        offering,
        category="B2B product order",
        note=[{"text": "ring twice"}],
        channel=[{"id": "1", "name": "Online channel"}],
        customAttribute={"nested": [1, 2]},
    )
    payload["productOrderItem"][0]["itemTerm"] = [{"name": "12Months"}]
    payload["relatedParty"].append(
        {"id": "seller-1", "role": "Seller", "@referredType": "Individual"}
    )

    body = post(api, payload).json()
    again = api.get(f"{ORDERS_URL}/{body['id']}").json()

    for representation in (body, again):
        assert representation["category"] == "B2B product order"
        assert representation["note"] == [{"text": "ring twice"}]
        assert representation["channel"] == [{"id": "1", "name": "Online channel"}]
        assert representation["customAttribute"] == {"nested": [1, 2]}
        assert representation["productOrderItem"][0]["itemTerm"] == [
            {"name": "12Months"}
        ]
        assert [p["id"] for p in representation["relatedParty"]] == [
            account.number,
            "seller-1",
        ]


def test_server_owned_attributes_in_a_post_are_ignored(api, account, offering):
    payload = order_payload(
        account,
        offering,
        id="30001",
        href="https://elsewhere/productOrder/30001",
        state="completed",
        orderDate="2019-04-30T08:13:59.506Z",
    )

    body = post(api, payload).json()

    assert body["id"] != "30001"
    assert body["state"] == "acknowledged"
    assert body["orderDate"] != "2019-04-30T08:13:59.506Z"


def test_order_naming_only_item_ids_and_actions_is_stored(api, account, price_list):
    payload = {
        "productOrderItem": [
            {"id": "1", "action": "add"},
            {"id": "2", "action": "add"},
        ],
        "relatedParty": [{"id": account.number, "@referredType": "Customer"}],
    }

    response = post(api, payload)

    assert response.status_code == 201, response.content
    body = response.json()
    assert [i["id"] for i in body["productOrderItem"]] == ["1", "2"]
    lines = CustomerOrderLine.objects.filter(order__number=body["id"])
    assert [(line.item_ref, line.offering_id) for line in lines] == [
        ("1", None),
        ("2", None),
    ]


@pytest.fixture
def bundle(price_list):
    """A published bundle of three optional child offerings, codes HOME and C1..C3."""
    bundle = ProductOfferingFactory(code="HOME", is_bundle=True, published=True)
    for n in (1, 2, 3):
        child = ProductOfferingFactory(code=f"C{n}", published=True)
        OfferingRelationshipFactory(
            parent=bundle,
            child=child,
            min_quantity=0,
            default_quantity=0,
            max_quantity=1,
            is_mandatory=False,
        )
    return bundle


def test_bundle_relationship_and_nested_items_set_parents(api, account, bundle):
    payload = {
        "productOrderItem": [
            {
                "id": "100",
                "action": "add",
                "productOffering": {"id": "HOME"},
                "productOrderItemRelationship": [
                    {"id": "110", "relationshipType": "bundles"},
                    {"id": "120", "relationshipType": "reliesOn"},
                ],
                "productOrderItem": [
                    {"id": "130", "action": "add", "productOffering": {"id": "C3"}}
                ],
            },
            {"id": "110", "action": "add", "productOffering": {"id": "C1"}},
            {"id": "120", "action": "add", "productOffering": {"id": "C2"}},
        ],
        "relatedParty": [{"id": account.number, "@referredType": "Customer"}],
    }

    response = post(api, payload)

    assert response.status_code == 201, response.content
    body = response.json()
    lines = {
        line.item_ref: line
        for line in CustomerOrderLine.objects.filter(order__number=body["id"])
    }
    assert lines["110"].parent_line == lines["100"]
    assert lines["130"].parent_line == lines["100"]
    assert lines["120"].parent_line is None
    parent = next(i for i in body["productOrderItem"] if i["id"] == "100")
    relationships = {
        (r["id"], r["relationshipType"]) for r in parent["productOrderItemRelationship"]
    }
    assert relationships == {
        ("110", "bundles"),
        ("130", "bundles"),
        ("120", "reliesOn"),
    }


def test_item_actions_map_to_line_actions(api, account, price_list):
    from tests.inventory.factories import InventoryItemFactory

    owned = InventoryItemFactory(account=account)
    payload = {
        "productOrderItem": [
            {"id": "1", "action": "noChange"},
            {"id": "2", "action": "delete", "product": {"id": str(owned.pk)}},
        ],
        "relatedParty": [{"id": account.number, "@referredType": "Customer"}],
    }

    response = post(api, payload)

    if response.status_code != 201:
        # The capture may refuse the item for its inventory state; the mapping is what
        # this test is about, so read it from the error instead.
        body = tmf_error_asserted(response, response.status_code)
        assert "productOrderItem[id=2]" in body["message"]
        return
    actions = dict(
        CustomerOrderLine.objects.filter(
            order__number=response.json()["id"]
        ).values_list("item_ref", "action")
    )
    assert actions == {"1": LineAction.NO_CHANGE, "2": LineAction.DELETE}
    assert [i["action"] for i in response.json()["productOrderItem"]] == [
        "noChange",
        "delete",
    ]


def test_cancel_product_order_sample_is_not_a_product_order(api):
    with open("/work/shared/tmf/samples/TMF622-CancelProductOrder.example.json") as f:
        sample = json.load(f)

    body = tmf_error_asserted(post(api, sample), 400, "23")

    assert "productOrderItem" in body["message"]
    assert not CustomerOrder.objects.exists()


# --- refusals ---------------------------------------------------------------------------


def test_unknown_offering_is_400_naming_the_item(api, account, offering):
    payload = order_payload(account, offering)
    payload["productOrderItem"][0]["productOffering"] = {"id": "999999"}

    body = tmf_error_asserted(post(api, payload), 400, "24")

    assert "productOrderItem[id=100].productOffering.id" in body["message"]
    assert not CustomerOrder.objects.exists()


def test_unknown_customer_is_400(api, offering):
    payload = order_payload(AccountFactory.build(number="ACC9999999"), offering)
    body = tmf_error_asserted(post(api, payload), 400)
    assert "relatedParty" in body["message"]


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (lambda p: p["productOrderItem"][0].update(quantity="abc"), "quantity", "24"),
        (lambda p: p["productOrderItem"][0].update(quantity=0), "quantity", "24"),
        (lambda p: p["productOrderItem"][0].update(quantity=1.5), "quantity", "24"),
        (lambda p: p["productOrderItem"][0].update(quantity=True), "quantity", "24"),
        (lambda p: p["productOrderItem"][0].update(action="upgrade"), "action", "24"),
        (lambda p: p["productOrderItem"][0].pop("id"), "id", "23"),
        (lambda p: p["productOrderItem"][0].pop("action"), "action", "23"),
        (lambda p: p["productOrderItem"][0].update(id={"x": 1}), "id", "24"),
        (lambda p: p.update(productOrderItem={"id": "1"}), "productOrderItem", "24"),
        (lambda p: p.update(productOrderItem=[]), "productOrderItem", "24"),
        (lambda p: p.update(productOrderItem=["x"]), "productOrderItem[0]", "24"),
        (lambda p: p.pop("productOrderItem"), "productOrderItem", "23"),
        (lambda p: p.pop("relatedParty"), "relatedParty", "23"),
        (lambda p: p.update(relatedParty="ACC1"), "relatedParty", "24"),
        (
            lambda p: p.update(relatedParty=[{"id": "a"}, {"id": "b"}]),
            "relatedParty",
            "24",
        ),
        (lambda p: p.update(priority="9"), "priority", "24"),
        (lambda p: p.update(priority=[1]), "priority", "24"),
        (lambda p: p.update(externalId=42), "externalId", "24"),
        (lambda p: p.update(externalId="x" * 101), "externalId", "24"),
        (lambda p: p.update(description=["a"]), "description", "24"),
        (
            lambda p: p.update(requestedStartDate="next week"),
            "requestedStartDate",
            "24",
        ),
        (lambda p: p.update(requestedStartDate=20300101), "requestedStartDate", "24"),
        (
            lambda p: p.update(requestedCompletionDate="2020-01-01T00:00:00Z"),
            "requestedCompletionDate",
            "24",
        ),
        (
            lambda p: p["productOrderItem"][0].update(productOffering="FIBRE-1G"),
            "productOffering",
            "24",
        ),
        (
            lambda p: p["productOrderItem"][0].update(
                product={"productCharacteristic": {}}
            ),
            "productCharacteristic",
            "24",
        ),
        (
            lambda p: p["productOrderItem"][0].update(
                product={"productCharacteristic": [{"value": "1"}]}
            ),
            "productCharacteristic[0].name",
            "24",
        ),
        (
            lambda p: p["productOrderItem"].append(dict(p["productOrderItem"][0])),
            "id",
            "24",
        ),
        (
            lambda p: p["productOrderItem"][0].update(
                productOrderItemRelationship=[
                    {"id": "nope", "relationshipType": "bundles"}
                ]
            ),
            "productOrderItemRelationship[0].id",
            "24",
        ),
        (
            lambda p: p["productOrderItem"][0].update(productOrderItemRelationship="x"),
            "productOrderItemRelationship",
            "24",
        ),
    ],
)
def test_wrong_shapes_and_types_are_400_naming_the_attribute(
    api, account, offering, change, path, code
):
    payload = order_payload(account, offering)
    change(payload)

    body = tmf_error_asserted(post(api, payload), 400, code)

    assert path in body["message"], body
    assert not CustomerOrder.objects.exists()


def test_bundle_cycle_is_400(api, account, price_list):
    payload = {
        "productOrderItem": [
            {
                "id": "1",
                "action": "add",
                "productOrderItemRelationship": [
                    {"id": "2", "relationshipType": "bundles"}
                ],
            },
            {
                "id": "2",
                "action": "add",
                "productOrderItemRelationship": [
                    {"id": "1", "relationshipType": "bundles"}
                ],
            },
        ],
        "relatedParty": [{"id": account.number, "@referredType": "Customer"}],
    }
    tmf_error_asserted(post(api, payload), 400, "24")


def test_invalid_characteristic_value_names_item_and_characteristic(
    api, account, offering
):
    payload = order_payload(account, offering)
    payload["productOrderItem"][0]["product"]["productCharacteristic"] = [
        {"name": "speed", "value": "42"}
    ]

    body = tmf_error_asserted(post(api, payload), 400, "24")

    assert (
        "productOrderItem[id=100].product.productCharacteristic[name=speed]"
        in body["message"]
    )
    assert not CustomerOrder.objects.exists()


def test_second_order_with_the_same_external_id_is_409(api, account, offering):
    assert post(api, order_payload(account, offering)).status_code == 201

    body = tmf_error_asserted(post(api, order_payload(account, offering)), 409)

    assert CustomerOrder.objects.count() == 1
    assert body["errorCode"] == "duplicate_external_id"


def test_same_external_id_for_another_customer_is_fine(api, account, offering):
    other = AccountFactory()
    assert post(api, order_payload(account, offering)).status_code == 201
    assert post(api, order_payload(other, offering)).status_code == 201


# --- customers ------------------------------------------------------------------------


def test_customer_orders_for_its_own_account_only(customer_client, account, offering):
    other = AccountFactory()

    own = post(customer_client, order_payload(account, offering))
    foreign = post(customer_client, order_payload(other, offering, externalId="PO-2"))

    assert own.status_code == 201, own.content
    tmf_error_asserted(foreign, 400)
    assert CustomerOrder.objects.filter(account=other).count() == 0


# --- idempotency ----------------------------------------------------------------------


def test_repeated_post_with_same_key_returns_the_first_result(api, account, offering):
    payload = order_payload(account, offering)

    first = post(api, payload, HTTP_IDEMPOTENCY_KEY="key-1")
    second = post(api, payload, HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert CustomerOrder.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_body == first.json()


def test_same_key_with_another_body_is_409(api, account, offering):
    post(api, order_payload(account, offering), HTTP_IDEMPOTENCY_KEY="key-1")

    response = post(
        api,
        order_payload(account, offering, externalId="PO-2"),
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    body = tmf_error_asserted(response, 409)
    assert body["errorCode"] == "idempotency_key_reused"
    assert CustomerOrder.objects.count() == 1


def test_idempotency_keys_belong_to_one_user(api, make_user, account, offering):
    other = APIClient()
    other.force_login(make_user("int2", Role.INTEGRATOR))

    post(api, order_payload(account, offering), HTTP_IDEMPOTENCY_KEY="key-1")
    response = post(
        other,
        order_payload(account, offering, externalId="PO-2"),
        HTTP_IDEMPOTENCY_KEY="key-1",
    )

    assert response.status_code == 201
    assert CustomerOrder.objects.count() == 2


def test_a_refused_post_does_not_use_up_the_key(api, account, offering):
    bad = order_payload(account, offering)
    bad["productOrderItem"][0]["quantity"] = "abc"

    assert post(api, bad, HTTP_IDEMPOTENCY_KEY="key-1").status_code == 400
    good = post(api, order_payload(account, offering), HTTP_IDEMPOTENCY_KEY="key-1")

    assert good.status_code == 201


# --- asynchronous mode ----------------------------------------------------------------


def test_async_post_is_queued_and_captured_by_the_worker(
    api, account, offering, django_capture_on_commit_callbacks
):
    # given: the worker runs in sync mode, on commit
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(
            ORDERS_URL + "?mode=async", order_payload(account, offering), format="json"
        )

    # then: 202 with the request to follow
    assert response.status_code == 202, response.content
    assert len(callbacks) == 1
    body = response.json()
    assert response["Location"] == body["href"]
    assert body["href"] == f"http://testserver{REQUESTS_URL}/{body['id']}"
    request = ProductOrderRequest.objects.get()
    assert request.state == ProductOrderRequestState.DONE
    order = CustomerOrder.objects.get()
    assert order.external_id == "PO-1"
    # and the request names the order
    followed = api.get(response["Location"])
    assert followed.status_code == 200
    assert followed.json()["state"] == "done"
    assert followed.json()["productOrder"]["id"] == order.number
    assert followed["Location"] == followed.json()["productOrder"]["href"]
    assert api.get(followed["Location"]).json()["externalId"] == "PO-1"


def test_async_request_is_accepted_before_the_worker_runs(api, account, offering):
    response = api.post(
        ORDERS_URL + "?mode=async", order_payload(account, offering), format="json"
    )

    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "accepted"
    assert body["productOrder"] is None
    assert not CustomerOrder.objects.exists()


def test_async_capture_refusal_is_recorded_on_the_request(
    api, account, offering, django_capture_on_commit_callbacks
):
    payload = order_payload(account, offering)
    payload["productOrderItem"][0]["product"]["productCharacteristic"] = [
        {"name": "speed", "value": "42"}
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(ORDERS_URL + "?mode=async", payload, format="json")

    assert response.status_code == 202
    followed = api.get(response["Location"]).json()
    assert followed["state"] == "failed"
    assert followed["error"]["status"] == "400"
    assert "productCharacteristic[name=speed]" in followed["error"]["message"]
    assert not CustomerOrder.objects.exists()


def test_async_payload_shape_is_checked_at_once(api, account, offering):
    payload = order_payload(account, offering)
    payload["productOrderItem"][0]["quantity"] = "abc"

    tmf_error_asserted(
        api.post(ORDERS_URL + "?mode=async", payload, format="json"), 400, "24"
    )
    assert not ProductOrderRequest.objects.exists()


def test_async_duplicate_external_id_is_409_at_once(
    api, account, offering, django_capture_on_commit_callbacks
):
    assert post(api, order_payload(account, offering)).status_code == 201

    response = api.post(
        ORDERS_URL + "?mode=async", order_payload(account, offering), format="json"
    )

    tmf_error_asserted(response, 409)
    assert not ProductOrderRequest.objects.exists()


def test_async_second_request_in_flight_with_same_external_id_is_409(
    api, account, offering
):
    payload = order_payload(account, offering)
    assert (
        api.post(ORDERS_URL + "?mode=async", payload, format="json").status_code == 202
    )

    response = api.post(ORDERS_URL + "?mode=async", payload, format="json")

    body = tmf_error_asserted(response, 409)
    assert body["errorCode"] == "order_request_in_flight"


def test_async_repeat_with_same_key_replays_the_202(api, account, offering):
    payload = order_payload(account, offering)
    url = ORDERS_URL + "?mode=async"

    first = api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="k")
    second = api.post(url, payload, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == second.status_code == 202
    assert second.json() == first.json()
    assert ProductOrderRequest.objects.count() == 1


def test_order_request_of_another_integrator_is_not_found(
    api, make_user, account, offering
):
    response = api.post(
        ORDERS_URL + "?mode=async", order_payload(account, offering), format="json"
    )
    stranger = APIClient()
    stranger.force_login(make_user("cust9", Role.CUSTOMER))

    tmf_error_asserted(stranger.get(response["Location"]), 404)
    tmf_error_asserted(api.get(f"{REQUESTS_URL}/not-a-uuid"), 404)


def test_worker_running_twice_captures_once(api, account, offering):
    from tmf.tasks import product_order_request_fulfil_task

    api.post(
        ORDERS_URL + "?mode=async", order_payload(account, offering), format="json"
    )
    request = ProductOrderRequest.objects.get()

    product_order_request_fulfil_task(request.pk)
    product_order_request_fulfil_task(request.pk)

    assert CustomerOrder.objects.count() == 1


# --- cost -----------------------------------------------------------------------------


def _post_queries(api, account, offering, items: int, external_id: str) -> int:
    payload = order_payload(account, offering, externalId=external_id)
    payload["productOrderItem"] = [
        {**payload["productOrderItem"][0], "id": str(n)} for n in range(items)
    ]
    with CaptureQueriesContext(connection) as queries:
        response = post(api, payload)
    assert response.status_code == 201, response.content
    return len(queries)


def test_post_query_count_does_not_grow_with_items(api, account, offering):
    _post_queries(api, account, offering, 1, "warm-up")
    one = _post_queries(api, account, offering, 1, "one")
    ten = _post_queries(api, account, offering, 10, "ten")
    assert ten == one
