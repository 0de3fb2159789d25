"""TMF620 read side: productOffering, productSpecification, productOfferingPrice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    CharacteristicValueType,
    ChargeType,
    LifecycleStatus,
    RecurringPeriod,
)
from tests.catalog.factories import (
    OfferingRelationshipFactory,
    PriceListFactory,
    PriceListLineFactory,
    ProductOfferingFactory,
)
from tests.orders.factories import (
    published_offering,
    specification_with_characteristics,
)
from tests.tmf.conftest import CATALOG_URL, tmf_error_asserted

pytestmark = pytest.mark.django_db

OFFERINGS = CATALOG_URL + "productOffering"
SPECIFICATIONS = CATALOG_URL + "productSpecification"
PRICES = CATALOG_URL + "productOfferingPrice"
CATALOG_MANDATORY = {"id", "href", "name", "lastUpdate", "lifecycleStatus"}


@pytest.fixture
def priced_bundle():
    """A published bundle with a fibre child, priced one-time and monthly."""
    child = published_offering(code="FIBRE-1G")
    bundle = ProductOfferingFactory(
        code="HOME", name="Home", published=True, is_bundle=True
    )
    OfferingRelationshipFactory(
        parent=bundle, child=child, min_quantity=1, default_quantity=1, max_quantity=2
    )
    price_list = PriceListFactory(published=True, name="Consumer EUR")
    one_time = PriceListLineFactory(
        price_list=price_list, offering=child, amount=Decimal("49.00")
    )
    monthly = PriceListLineFactory(
        price_list=price_list,
        offering=child,
        charge_type=ChargeType.RECURRING,
        recurring_period=RecurringPeriod.MONTH,
        amount=Decimal("39.90"),
    )
    return bundle, child, one_time, monthly


def test_offering_list_shows_published_items_with_mandatory_attributes(
    api, priced_bundle
):
    ProductOfferingFactory(code="DRAFTY")

    response = api.get(OFFERINGS)

    assert response.status_code == 200
    body = response.json()
    assert {o["code"] for o in body} == {"HOME", "FIBRE-1G"}
    assert response["X-Total-Count"] == "2"
    for offering in body:
        assert offering.keys() >= CATALOG_MANDATORY
        assert offering["lifecycleStatus"] == "Launched"


def test_offering_names_its_specification_children_and_prices(api, priced_bundle):
    bundle, child, one_time, monthly = priced_bundle

    home = api.get(f"{OFFERINGS}/{bundle.pk}").json()
    fibre = api.get(f"{OFFERINGS}/{child.pk}/").json()

    assert home["isBundle"] is True
    assert home["bundledProductOffering"] == [
        {
            "id": str(child.pk),
            "href": f"http://testserver{OFFERINGS}/{child.pk}",
            "name": child.name,
            "lifecycleStatus": "Launched",
            "bundledProductOfferingOption": {
                "numberRelOfferLowerLimit": 1,
                "numberRelOfferDefault": 1,
                "numberRelOfferUpperLimit": 2,
            },
            "@type": "BundledProductOffering",
        }
    ]
    assert fibre["productSpecification"]["id"] == str(child.product_specification_id)
    assert {p["id"] for p in fibre["productOfferingPrice"]} == {
        str(one_time.pk),
        str(monthly.pk),
    }


def test_lifecycle_status_filter_asks_for_other_items(api, priced_bundle):
    retired = ProductOfferingFactory(code="OLD", retired=True)
    ProductOfferingFactory(code="DRAFTY")

    body = api.get(OFFERINGS, {"lifecycleStatus": "Retired"}).json()
    both = api.get(OFFERINGS, {"lifecycleStatus": "Launched,retired"}).json()

    assert [o["id"] for o in body] == [str(retired.pk)]
    assert len(both) == 3


def test_draft_offering_is_not_found_by_id(api):
    draft = ProductOfferingFactory(code="DRAFTY")
    tmf_error_asserted(api.get(f"{OFFERINGS}/{draft.pk}"), 404, "60")
    tmf_error_asserted(api.get(f"{OFFERINGS}/not-a-number"), 404, "60")


def test_offering_filters_name_with_spaces_and_fields(api):
    ProductOfferingFactory(code="A", name="Fiber Internet", published=True)
    ProductOfferingFactory(code="B", name="Fiber TV", published=True)

    response = api.get(OFFERINGS + "?name=Fiber%20TV&fields=name")

    assert [set(o) for o in response.json()] == [{"id", "href", "name"}]
    assert response.json()[0]["name"] == "Fiber TV"


def test_specification_shows_value_types_and_allowed_values(api):
    specification = specification_with_characteristics(
        code="FIBRE",
        characteristics=[
            {
                "code": "speed",
                "value_type": CharacteristicValueType.CHOICE,
                "allowed_values": ["100", "1000"],
                "default_value": "100",
                "is_mandatory": True,
            },
            {
                "code": "lines",
                "value_type": CharacteristicValueType.INTEGER,
                "min_value": Decimal("1"),
                "max_value": Decimal("4"),
            },
            {"code": "static_ip", "value_type": CharacteristicValueType.BOOLEAN},
        ],
    )

    body = api.get(f"{SPECIFICATIONS}/{specification.pk}").json()

    assert body.keys() >= CATALOG_MANDATORY
    speed, lines, static_ip = body["productSpecCharacteristic"]
    assert speed["name"] == "speed"
    assert speed["valueType"] == "string"
    assert speed["minCardinality"] == 1
    assert [v["value"] for v in speed["productSpecCharacteristicValue"]] == [
        "100",
        "1000",
    ]
    assert speed["productSpecCharacteristicValue"][0]["isDefault"] is True
    assert lines["valueType"] == "integer"
    assert lines["productSpecCharacteristicValue"][0]["valueFrom"] == "1"
    assert lines["productSpecCharacteristicValue"][0]["valueTo"] == "4"
    assert static_ip["valueType"] == "boolean"
    assert static_ip["minCardinality"] == 0


def test_specification_list_has_published_product_specifications(api, priced_bundle):
    body = api.get(SPECIFICATIONS).json()
    assert len(body) == 1
    assert body[0]["lifecycleStatus"] == "Launched"


def test_offering_price_from_price_list_line(api, priced_bundle):
    _, child, one_time, monthly = priced_bundle

    recurring = api.get(f"{PRICES}/{monthly.pk}").json()
    once = api.get(f"{PRICES}/{one_time.pk}").json()

    assert recurring.keys() >= CATALOG_MANDATORY
    assert recurring["priceType"] == "recurring"
    assert recurring["recurringChargePeriodType"] == "month"
    assert recurring["price"] == {"unit": "EUR", "value": 39.9}
    assert recurring["productOffering"]["id"] == str(child.pk)
    assert once["priceType"] == "oneTime"
    assert "recurringChargePeriodType" not in once


def test_offering_prices_filter_by_price_type(api, priced_bundle):
    _, _, one_time, monthly = priced_bundle
    draft_list = PriceListFactory(code="pl-draft")
    PriceListLineFactory(price_list=draft_list, offering=monthly.offering)

    body = api.get(PRICES, {"priceType": "recurring"}).json()
    every = api.get(PRICES).json()

    assert [p["id"] for p in body] == [str(monthly.pk)]
    assert len(every) == 2
    assert all(p["lifecycleStatus"] == "Launched" for p in every)


def test_catalog_needs_a_token(anonymous, priced_bundle):
    tmf_error_asserted(anonymous.get(OFFERINGS), 401, "40")


def test_catalog_is_refused_to_a_user_without_a_role(make_user, priced_bundle):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(make_user("nobody"))
    tmf_error_asserted(client.get(OFFERINGS), 403, "50")


def test_offering_list_query_count_does_not_grow(api):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(OFFERINGS).status_code == 200
        return len(captured)

    price_list = PriceListFactory(published=True)

    def offering_with_children(n: int):
        parent = ProductOfferingFactory(published=True, is_bundle=True)
        for _ in range(2):
            OfferingRelationshipFactory(
                parent=parent, child=published_offering(code=f"c-{n}-{_}")
            )
        PriceListLineFactory(price_list=price_list, offering=parent)

    offering_with_children(0)
    one = queries()
    for n in range(1, 6):
        offering_with_children(n)
    assert queries() == one


def test_lifecycle_of_catalog_filter_accepts_our_names(api):
    ProductOfferingFactory(code="D", lifecycle_status=LifecycleStatus.DRAFT)
    body = api.get(OFFERINGS, {"lifecycleStatus": "draft"}).json()
    assert [o["lifecycleStatus"] for o in body] == ["In design"]
