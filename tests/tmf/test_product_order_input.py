"""Reading a TMF622 payload into plain values (no database)."""

from datetime import UTC, datetime

import pytest

from orders.models import LineAction
from tmf.exceptions import PayloadInvalid
from tmf.product_order_input import (
    merge_patch,
    product_order_input_parse,
    product_order_patch_parse,
)


def payload(**fields):
    body = {
        "productOrderItem": [{"id": "1", "action": "add"}],
        "relatedParty": [{"id": "ACC0001001", "@referredType": "Customer"}],
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    "parties",
    [
        [{"id": "ACC1", "@referredType": "Customer"}, {"id": "x", "role": "Seller"}],
        [{"id": "x", "role": "Seller"}, {"id": "ACC1", "role": "Customer"}],
        [{"id": "ACC1", "@referredType": "Organization"}],
    ],
)
def test_customer_party_is_the_customer_or_the_only_party(parties):
    parsed = product_order_input_parse(payload(relatedParty=parties))
    assert parsed.customer_ref == "ACC1"
    assert [p["id"] for p in parsed.extra.get("relatedParty", [])] == [
        p["id"] for p in parties if p["id"] != "ACC1"
    ]


def test_two_customers_are_ambiguous():
    parties = [
        {"id": "A", "@referredType": "Customer"},
        {"id": "B", "@referredType": "Customer"},
    ]
    with pytest.raises(PayloadInvalid) as error:
        product_order_input_parse(payload(relatedParty=parties))
    assert "relatedParty" in error.value.errors


@pytest.mark.parametrize(("given", "stored"), [("0", 0), (2, 2), ("3", 3), ("4", 3)])
def test_tmf_priority_zero_to_four_maps_to_four_levels(given, stored):
    assert product_order_input_parse(payload(priority=given)).priority == stored


def test_date_without_offset_is_utc():
    parsed = product_order_input_parse(
        payload(requestedStartDate="2030-01-02T03:04:05")
    )
    assert parsed.requested_start_date == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_items_map_actions_characteristics_and_product_attributes():
    parsed = product_order_input_parse(
        payload(
            productOrderItem=[
                {
                    "id": 7,
                    "action": "modify",
                    "quantity": 2.0,
                    "product": {
                        "id": "INV0001001",
                        "isBundle": False,
                        "productCharacteristic": [{"name": "speed", "value": 100}],
                    },
                    "itemTerm": [{"name": "12M"}],
                    "state": "completed",
                }
            ]
        )
    )
    (item,) = parsed.items
    assert item.ref == "7"
    assert item.action == LineAction.CHANGE
    assert item.quantity == 2
    assert item.product_ref == "INV0001001"
    assert item.characteristics == {"speed": 100}
    assert item.extra == {"itemTerm": [{"name": "12M"}], "product": {"isBundle": False}}


def test_every_problem_is_reported_at_once():
    with pytest.raises(PayloadInvalid) as error:
        product_order_input_parse(
            {"productOrderItem": [{"id": "1", "action": "x", "quantity": "y"}]}
        )
    assert set(error.value.errors) == {
        "relatedParty",
        "productOrderItem[0].action",
        "productOrderItem[0].quantity",
    }


def test_merge_patch_follows_rfc_7386():
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    assert merge_patch(target, {"a": "z", "c": {"f": None}}) == {
        "a": "z",
        "c": {"d": "e"},
    }
    assert merge_patch({"a": [1]}, {"a": [2]}) == {"a": [2]}
    assert merge_patch({"a": 1}, {"b": {"c": None}}) == {"a": 1, "b": {}}


def test_patch_parse_maps_columns_and_extension_attributes():
    changes = product_order_patch_parse(
        {"description": None, "externalId": "E", "category": "x"},
        current_extra={"note": []},
    )
    assert changes == {
        "description": "",
        "external_id": "E",
        "extra": {"note": [], "category": "x"},
    }
