"""Characteristic values from a file are typed as the catalog defines them."""

import pytest

from catalog.models import CharacteristicValueType as T
from catalog.rules import CharacteristicDefinition as Char
from orders.imports.values import characteristic_values_typed

DEFINITIONS = [
    Char(
        code="bandwidth",
        name="Bandwidth",
        value_type=T.CHOICE,
        allowed_values=(100, 300),
    ),
    Char(
        code="package", name="Package", value_type=T.CHOICE, allowed_values=("basic",)
    ),
    Char(code="boxes", name="Boxes", value_type=T.INTEGER),
    Char(code="power", name="Power", value_type=T.DECIMAL),
    Char(code="static_ip", name="Static IP", value_type=T.BOOLEAN),
    Char(code="delivery", name="Delivery", value_type=T.DATE),
    Char(code="label", name="Label", value_type=T.TEXT),
    Char(code="site", name="Site", value_type=T.ADDRESS),
    Char(
        code="options",
        name="Options",
        value_type=T.OBJECT,
        children=(Char(code="coolant", name="Coolant", value_type=T.BOOLEAN),),
    ),
]


def typed(**values):
    return characteristic_values_typed(definitions=DEFINITIONS, values=values)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"bandwidth": "300"}, {"bandwidth": 300}),
        ({"package": "Basic"}, {"package": "basic"}),
        ({"boxes": "3"}, {"boxes": 3}),
        ({"boxes": 2.0}, {"boxes": 2}),
        ({"power": "12.5"}, {"power": 12.5}),
        ({"power": "12"}, {"power": 12}),
        ({"static_ip": "Yes"}, {"static_ip": True}),
        ({"static_ip": "false"}, {"static_ip": False}),
        ({"static_ip": "0"}, {"static_ip": False}),
        ({"delivery": "2026-03-01"}, {"delivery": "2026-03-01"}),
        ({"label": "007"}, {"label": "007"}),
        ({"site": {"city": " Köln "}}, {"site": {"city": "Köln"}}),
        ({"site": '{"city": "Bonn"}'}, {"site": {"city": "Bonn"}}),
        ({"options": {"coolant": "no"}}, {"options": {"coolant": False}}),
    ],
)
def test_text_is_typed_by_the_characteristic_definition(values, expected):
    assert typed(**values) == expected


@pytest.mark.parametrize(
    "values",
    [
        {"bandwidth": "250"},
        {"boxes": "three"},
        {"power": "lots"},
        {"static_ip": "maybe"},
        {"delivery": "01.03.2026"},
        {"options": "coolant"},
        {"unknown": "x"},
    ],
)
def test_values_that_cannot_be_typed_are_kept_for_the_catalog_rules_to_explain(values):
    assert typed(**values) == values
