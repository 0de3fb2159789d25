"""TMF637 GET product: conventions, mapping, filters, paging, visibility, query counts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inventory.models import InventoryItemKind
from ordermgmt.roles import Role
from orders.models import LineAction
from tests.inventory.factories import EntitlementFactory, InventoryItemFactory
from tests.orders.factories import (
    AccountFactory,
    CustomerOrderFactory,
    CustomerOrderLineFactory,
    published_offering,
)
from tests.tmf.conftest import tmf_error_asserted

pytestmark = pytest.mark.django_db

PRODUCTS_URL = "/tmf-api/productInventory/v4/product"
DATE_FORM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
MANDATORY = {
    "id",
    "href",
    "status",
    "productOffering",
    "productCharacteristic",
    "productPrice",
    "relatedParty",
    "billingAccount",
}
ACTIVATED = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def offering():
    return published_offering(code="FIBRE-1G")


@pytest.fixture
def product(account, offering):
    order = CustomerOrderFactory(account=account)
    line = CustomerOrderLineFactory(
        order=order, line_number=1, item_ref="100", offering=offering
    )
    item = InventoryItemFactory(
        account=account,
        offering=offering,
        specification=offering.product_specification,
        characteristics={"speed": "1000", "static_ip": True},
        activated_at=ACTIVATED,
        source_order_id=order.pk,
        source_line_id=line.pk,
        order_number=order.number,
    )
    InventoryItemFactory(
        account=account, kind=InventoryItemKind.SERVICE, parent=item, offering=None
    )
    EntitlementFactory(contract__account=account, inventory_item=item)
    return item


def test_list_is_a_bare_array_with_count_headers(api, product):
    InventoryItemFactory.create_batch(2)
    InventoryItemFactory(kind=InventoryItemKind.SERVICE)  # not a product

    response = api.get(PRODUCTS_URL)

    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)
    assert len(body) == 3
    assert response["X-Total-Count"] == "3"
    assert response["X-Result-Count"] == "3"
    for element in body:
        assert element.keys() >= MANDATORY


def test_product_maps_the_inventory_item(api, product, account, offering):
    body = api.get(f"{PRODUCTS_URL}/{product.number}").json()

    assert body.keys() >= MANDATORY
    assert body["id"] == product.number
    assert body["href"] == f"http://testserver{PRODUCTS_URL}/{product.number}"
    assert body["@type"] == "Product"
    assert body["status"] == "active"
    assert body["name"] == offering.name
    assert body["startDate"] == "2026-03-01T09:30:15.123Z"
    assert "terminationDate" not in body
    assert body["productOffering"] == {
        "id": str(offering.pk),
        "href": f"http://testserver/tmf-api/productCatalogManagement/v4/productOffering/{offering.pk}",
        "name": offering.name,
        "@referredType": "ProductOffering",
    }
    spec = offering.product_specification
    assert body["productSpecification"]["id"] == str(spec.pk)
    assert body["productSpecification"]["version"] == str(spec.version)
    assert body["productCharacteristic"] == [
        {"name": "speed", "value": "1000"},
        {"name": "static_ip", "value": True},
    ]
    assert body["productPrice"] == []
    assert body["relatedParty"] == [
        {
            "id": account.number,
            "name": "Acme Ltd",
            "role": "customer",
            "@type": "RelatedParty",
            "@referredType": "Customer",
        }
    ]
    assert body["billingAccount"]["id"] == account.number
    order_item = body["productOrderItem"]
    assert order_item == [
        {
            "productOrderId": product.order_number,
            "productOrderHref": f"http://testserver/tmf-api/productOrderingManagement/v4/productOrder/{product.order_number}",
            "orderItemId": "100",
            "orderItemAction": "add",
            "@referredType": "ProductOrder",
        }
    ]
    service = product.children.get()
    assert body["realizingService"] == [
        {"id": service.number, "@referredType": "Service"}
    ]
    assert body["product"] == []
    contract = product.entitlements.get().contract
    assert body["agreement"] == [{"id": contract.number, "@referredType": "Agreement"}]


def test_product_without_offering_or_order_keeps_mandatory_attributes(api):
    item = InventoryItemFactory(offering=None, characteristics={})

    body = api.get(f"{PRODUCTS_URL}/{item.number}").json()

    assert body.keys() >= MANDATORY
    assert body["productOffering"] == {}
    assert body["productCharacteristic"] == []
    assert body["productOrderItem"] == []
    assert "productSpecification" not in body
    assert "startDate" not in body


@pytest.mark.parametrize(
    ("trait", "status"),
    [
        ("pending", "pendingActive"),
        ("suspended", "suspended"),
        ("change_pending", "active"),
        ("inactive", "terminated"),
    ],
)
def test_status_maps_every_state(api, trait, status):
    item = InventoryItemFactory(**{trait: True})

    assert api.get(f"{PRODUCTS_URL}/{item.number}").json()["status"] == status


def test_trailing_slash_is_accepted(api, product):
    assert api.get(f"{PRODUCTS_URL}/").status_code == 200
    assert api.get(f"{PRODUCTS_URL}/{product.number}/").json()["id"] == product.number


def test_fields_selects_attributes_plus_id_and_href(api, product):
    listed = api.get(PRODUCTS_URL, {"fields": "status"}).json()
    single = api.get(f"{PRODUCTS_URL}/{product.number}", {"fields": "name"}).json()

    assert listed == [
        {
            "id": product.number,
            "href": f"http://testserver{PRODUCTS_URL}/{product.number}",
            "status": "active",
        }
    ]
    assert set(single) == {"id", "href", "name"}


def test_status_filter_maps_tmf_to_stored_states(api):
    active = InventoryItemFactory()
    changing = InventoryItemFactory(change_pending=True)
    InventoryItemFactory(suspended=True)
    pending = InventoryItemFactory(pending=True)

    by_status = api.get(PRODUCTS_URL, {"status": "active"}).json()
    either = api.get(PRODUCTS_URL, {"status": "active,pendingActive"}).json()
    unknown = api.get(PRODUCTS_URL, {"status": "nonsense"})

    assert [p["id"] for p in by_status] == [active.number, changing.number]
    assert [p["id"] for p in either] == [
        active.number,
        changing.number,
        pending.number,
    ]
    assert unknown.json() == []
    assert unknown["X-Total-Count"] == "0"


def test_id_name_and_date_filters(api, product, offering):
    other = InventoryItemFactory(offering=published_offering(code="VOICE"))

    by_id = api.get(PRODUCTS_URL, {"id": other.number}).json()
    by_name = api.get(PRODUCTS_URL, {"name": offering.name}).json()
    shown = api.get(f"{PRODUCTS_URL}/{product.number}").json()["startDate"]
    by_date = api.get(PRODUCTS_URL, {"startDate": shown}).json()
    after = api.get(PRODUCTS_URL, {"startDate.gt": shown}).json()

    assert [p["id"] for p in by_id] == [other.number]
    assert [p["id"] for p in by_name] == [product.number]
    assert [p["id"] for p in by_date] == [product.number]
    assert after == []


def test_unknown_filter_is_a_400(api, product):
    tmf_error_asserted(api.get(PRODUCTS_URL, {"colour": "red"}), 400, "28")


def test_offset_and_limit_page_with_headers(api):
    created = [InventoryItemFactory() for _ in range(5)]

    response = api.get(PRODUCTS_URL, {"offset": "1", "limit": "2"})
    beyond = api.get(PRODUCTS_URL, {"offset": "9"})

    assert [p["id"] for p in response.json()] == [c.number for c in created[1:3]]
    assert response["X-Total-Count"] == "5"
    assert response["X-Result-Count"] == "2"
    assert beyond.json() == []
    assert beyond["X-Total-Count"] == "5"
    assert beyond["X-Result-Count"] == "0"
    tmf_error_asserted(api.get(PRODUCTS_URL, {"limit": "-1"}), 400, "28")


def test_unknown_product_is_a_404_tmf_error(api):
    tmf_error_asserted(api.get(f"{PRODUCTS_URL}/INV9999999"), 404, "60")


def test_service_item_is_no_product(api):
    service = InventoryItemFactory(kind=InventoryItemKind.SERVICE)

    tmf_error_asserted(api.get(f"{PRODUCTS_URL}/{service.number}"), 404, "60")


def test_unknown_inventory_path_is_a_404(api):
    tmf_error_asserted(api.get("/tmf-api/productInventory/v4/service"), 404, "60")


def test_missing_token_is_401(anonymous, product):
    tmf_error_asserted(anonymous.get(PRODUCTS_URL), 401, "40")
    tmf_error_asserted(anonymous.get(f"{PRODUCTS_URL}/{product.number}"), 401, "40")


def test_user_without_inventory_permission_is_403(make_user, product):
    client = APIClient()
    client.force_login(make_user("nobody"))

    tmf_error_asserted(client.get(PRODUCTS_URL), 403)


def test_customer_sees_only_its_own_accounts_products(customer_client, product):
    other = InventoryItemFactory(account=AccountFactory())

    response = customer_client.get(PRODUCTS_URL)

    assert [p["id"] for p in response.json()] == [product.number]
    assert response["X-Total-Count"] == "1"
    tmf_error_asserted(customer_client.get(f"{PRODUCTS_URL}/{other.number}"), 404)
    assert customer_client.get(f"{PRODUCTS_URL}/{product.number}").status_code == 200


def test_staff_with_inventory_view_sees_every_account(make_user, product):
    InventoryItemFactory(account=AccountFactory())
    client = APIClient()
    client.force_login(make_user("fulfil1", Role.FULFILLMENT_AGENT))

    assert client.get(PRODUCTS_URL)["X-Total-Count"] == "2"


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PRODUCTS_URL, {"limit": "50"})
    assert response.status_code == 200
    return len(queries)


def _product_with_everything(offering, account):
    order = CustomerOrderFactory(account=account)
    line = CustomerOrderLineFactory(
        order=order, line_number=1, offering=offering, action=LineAction.ADD
    )
    item = InventoryItemFactory(
        account=account,
        offering=offering,
        specification=offering.product_specification,
        source_order_id=order.pk,
        source_line_id=line.pk,
        order_number=order.number,
    )
    InventoryItemFactory(account=account, kind=InventoryItemKind.SERVICE, parent=item)
    InventoryItemFactory(account=account, parent=item)
    EntitlementFactory(contract__account=account, inventory_item=item)


@pytest.mark.parametrize("who", ["integrator", "customer"])
def test_list_query_count_does_not_grow_with_products(
    who, api, customer_client, account, offering
):
    client = api if who == "integrator" else customer_client

    def make_one():
        # The customer's own products; the integrator's in an account each.
        _product_with_everything(
            offering, account if who == "customer" else AccountFactory()
        )

    make_one()
    one = _list_queries(client)
    for _ in range(19):
        make_one()
    twenty = _list_queries(client)

    assert client.get(PRODUCTS_URL, {"limit": "50"})["X-Result-Count"] == "40"
    assert one == twenty
