"""GET productOrder: bare arrays, fields, paging, filters, headers, dates, visibility."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import CustomerOrderState, LineAction, LineState
from tests.orders.factories import (
    AccountFactory,
    CustomerOrderFactory,
    CustomerOrderLineFactory,
    published_offering,
)
from tests.tmf.conftest import ORDERS_URL, tmf_error_asserted

pytestmark = pytest.mark.django_db

DATE_FORM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MANDATORY = {"id", "href", "orderDate", "state", "productOrderItem", "relatedParty"}


@pytest.fixture
def order(account):
    order = CustomerOrderFactory(
        account=account,
        state=CustomerOrderState.ACKNOWLEDGED,
        external_id="EXT-1",
        description="Two lines",
        extra={"category": "B2B", "note": [{"text": "hi"}]},
    )
    offering = published_offering(code="FIBRE-1G")
    parent = CustomerOrderLineFactory(
        order=order,
        line_number=1,
        item_ref="100",
        offering=offering,
        characteristics={"speed": "1000"},
        state=LineState.ACKNOWLEDGED,
        extra={"itemTerm": [{"name": "12Months"}]},
    )
    CustomerOrderLineFactory(
        order=order,
        line_number=2,
        item_ref="110",
        parent_line=parent,
        action=LineAction.NO_CHANGE,
        state=LineState.ACKNOWLEDGED,
    )
    return order


def test_list_is_a_bare_array_with_count_headers(api, order):
    CustomerOrderFactory.create_batch(2)

    response = api.get(ORDERS_URL)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 3
    assert response["X-Total-Count"] == "3"
    assert response["X-Result-Count"] == "3"


def test_order_carries_mandatory_attributes_and_maps_items(api, order):
    body = api.get(f"{ORDERS_URL}/{order.number}").json()

    assert body.keys() >= MANDATORY
    assert body["id"] == order.number
    assert body["href"] == f"http://testserver{ORDERS_URL}/{order.number}"
    assert body["state"] == "acknowledged"
    assert body["externalId"] == "EXT-1"
    assert body["relatedParty"][0] == {
        "id": order.account.number,
        "name": "Acme Ltd",
        "role": "customer",
        "@type": "RelatedParty",
        "@referredType": "Customer",
    }
    parent, child = body["productOrderItem"]
    assert parent["id"] == "100"
    assert parent["action"] == "add"
    assert parent["product"]["productCharacteristic"] == [
        {"name": "speed", "value": "1000"}
    ]
    assert parent["productOffering"]["name"] == "Fibre-1G"
    assert parent["productOrderItemRelationship"] == [
        {"id": "110", "relationshipType": "bundles"}
    ]
    assert parent["itemTerm"] == [{"name": "12Months"}]
    assert child["action"] == "noChange"
    assert child["state"] == "acknowledged"
    assert "productOffering" not in child
    # Extension attributes the client sent are echoed.
    assert body["category"] == "B2B"
    assert body["note"] == [{"text": "hi"}]


def test_order_without_items_still_has_empty_lists(api, account):
    order = CustomerOrderFactory(account=account, submitted=True)

    body = api.get(f"{ORDERS_URL}/{order.number}").json()

    assert body["productOrderItem"] == []
    assert len(body["relatedParty"]) == 1
    assert body["state"] == "acknowledged"


def test_dates_are_utc_with_milliseconds_and_z(api, order):
    body = api.get(f"{ORDERS_URL}/{order.number}").json()

    assert DATE_FORM.match(body["orderDate"])


def test_order_date_read_back_works_as_a_filter(api, order):
    CustomerOrderFactory()
    order_date = api.get(f"{ORDERS_URL}/{order.number}").json()["orderDate"]

    response = api.get(ORDERS_URL, {"orderDate": order_date})

    assert [o["id"] for o in response.json()] == [order.number]


def test_order_date_operators(api, order):
    CustomerOrderFactory()
    order_date = api.get(f"{ORDERS_URL}/{order.number}").json()["orderDate"]

    after = api.get(ORDERS_URL, {"orderDate.gt": order_date}).json()
    not_after = api.get(ORDERS_URL, {"orderDate.lte": order_date}).json()

    assert order.number not in [o["id"] for o in after]
    assert order.number in [o["id"] for o in not_after]


def test_orders_older_than_a_date_are_filtered_out(api, order):
    response = api.get(ORDERS_URL, {"orderDate.lt": "2000-01-01T00:00:00.000Z"})
    assert response.json() == []
    assert response["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "acknowledged"}, {"ack"}),
        ({"state": "inProgress"}, {"run"}),
        ({"state": "acknowledged,inProgress"}, {"ack", "run"}),
        ({"state": "cancelled"}, {"gone"}),
        ({"externalId": "X-run"}, {"run"}),
        ({"id": "ORD0009001"}, {"ack"}),
        ({"id": "ORD0009001,ORD0009003"}, {"ack", "gone"}),
        ({"state": "inProgress", "externalId": "X-ack"}, set()),
    ],
)
def test_equality_filters_on_first_level_attributes(api, account, query, expected):
    orders = {
        "ack": CustomerOrderFactory(
            number="ORD0009001", account=account, new=True, external_id="X-ack"
        ),
        "run": CustomerOrderFactory(
            number="ORD0009002", account=account, in_progress=True, external_id="X-run"
        ),
        "gone": CustomerOrderFactory(
            number="ORD0009003", account=account, canceled=True, external_id="X-gone"
        ),
    }
    names = {order.number: name for name, order in orders.items()}

    response = api.get(ORDERS_URL, query)

    assert response.status_code == 200
    assert {names[o["id"]] for o in response.json()} == expected


def test_unknown_filter_attribute_is_a_400(api, order):
    response = api.get(ORDERS_URL, {"colour": "blue"})
    tmf_error_asserted(response, 400, "28")


@pytest.mark.parametrize(
    "query",
    [
        {"offset": "-1"},
        {"limit": "ten"},
        {"limit": "100000"},
        {"orderDate": "yesterday"},
        {"orderDate.after": "2026-01-01T00:00:00Z"},
        {"state.gt": "acknowledged"},
    ],
)
def test_invalid_query_parameters_are_400(api, order, query):
    tmf_error_asserted(api.get(ORDERS_URL, query), 400, "28")


def test_a_non_numeric_priority_filter_matches_nothing(api, order):
    response = api.get(ORDERS_URL, {"priority": "abc"})
    assert response.status_code == 200
    assert response.json() == []


def test_offset_and_limit_page_the_list(api, account):
    created = [CustomerOrderFactory(account=account) for _ in range(5)]
    newest_first = [o.number for o in reversed(created)]

    response = api.get(ORDERS_URL, {"offset": "1", "limit": "2"})

    assert [o["id"] for o in response.json()] == newest_first[1:3]
    assert response["X-Total-Count"] == "5"
    assert response["X-Result-Count"] == "2"


def test_offset_past_the_end_gives_an_empty_page(api, order):
    response = api.get(ORDERS_URL, {"offset": "10"})
    assert response.json() == []
    assert response["X-Total-Count"] == "1"
    assert response["X-Result-Count"] == "0"


def test_fields_selects_attributes_plus_id_and_href(api, order):
    body = api.get(ORDERS_URL, {"fields": "state,externalId"}).json()

    assert body == [
        {
            "id": order.number,
            "href": f"http://testserver{ORDERS_URL}/{order.number}",
            "state": "acknowledged",
            "externalId": "EXT-1",
        }
    ]


def test_fields_on_a_single_order(api, order):
    body = api.get(f"{ORDERS_URL}/{order.number}", {"fields": "state"}).json()
    assert set(body) == {"id", "href", "state"}


@pytest.mark.parametrize("suffix", ["", "/"])
def test_urls_with_and_without_trailing_slash(api, order, suffix):
    assert api.get(ORDERS_URL + suffix).status_code == 200
    assert api.get(f"{ORDERS_URL}/{order.number}{suffix}").status_code == 200


def test_unknown_order_is_a_404_tmf_error(api):
    tmf_error_asserted(api.get(f"{ORDERS_URL}/ORD9999999"), 404, "60")


def test_customer_sees_only_its_own_accounts_orders(customer_client, order):
    other = CustomerOrderFactory(account=AccountFactory())

    listed = customer_client.get(ORDERS_URL).json()

    assert [o["id"] for o in listed] == [order.number]
    tmf_error_asserted(customer_client.get(f"{ORDERS_URL}/{other.number}"), 404)


def _list_queries(api) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(ORDERS_URL, {"limit": "50"})
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_orders(api, account):
    offering = published_offering(code="FIBRE-Q")

    def order_with_lines():
        order = CustomerOrderFactory(account=AccountFactory())
        for number in (1, 2, 3):
            CustomerOrderLineFactory(order=order, line_number=number, offering=offering)

    order_with_lines()
    one = _list_queries(api)
    for _ in range(19):
        order_with_lines()
    twenty = _list_queries(api)

    assert twenty == one
    assert one <= 8


def test_order_date_is_rendered_in_utc(api, account):
    order = CustomerOrderFactory(account=account)
    moment = datetime(2026, 11, 26, 10, 15, 30, 123456, tzinfo=UTC)
    type(order).objects.filter(pk=order.pk).update(created_at=moment)

    body = api.get(f"{ORDERS_URL}/{order.number}").json()

    assert body["orderDate"] == "2026-11-26T10:15:30.123Z"
    found = api.get(ORDERS_URL, {"orderDate": "2026-11-26T10:15:30.123Z"}).json()
    assert [o["id"] for o in found] == [order.number]
