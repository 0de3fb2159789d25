"""characteristic_errors / characteristic_defaults: one test group per value type."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from catalog.models import CharacteristicValueType as T
from catalog.rules import (
    CharacteristicDefinition as C,
)
from catalog.rules import (
    characteristic_defaults,
    characteristic_errors,
    characteristic_values_with_defaults,
)


def errors_for(char: C, value: object) -> list[str]:
    return characteristic_errors(characteristics=[char], values={char.code: value}).get(
        char.code, []
    )


def test_unknown_characteristic_is_named_with_the_known_ones():
    errors = characteristic_errors(
        characteristics=[C("speed", "Speed", T.INTEGER)], values={"colour": "red"}
    )
    assert errors == {
        "colour": ["Unknown characteristic 'colour'; the known ones are: speed."]
    }


@pytest.mark.parametrize("value", ["fibre", ""])
def test_text_accepts_strings(value):
    assert errors_for(C("t", "Text", T.TEXT), value) == []


@pytest.mark.parametrize("value", [12, True, ["a"]])
def test_text_refuses_non_strings(value):
    assert errors_for(C("t", "Note", T.TEXT), value) == ["Note (t) must be text."]


def test_text_with_allowed_values_refuses_others():
    char = C("t", "Tier", T.TEXT, allowed_values=("gold", "silver"))
    assert errors_for(char, "gold") == []
    assert errors_for(char, "bronze") == ["Tier (t) must be one of: gold, silver."]


@pytest.mark.parametrize("value", [5, "5", "-3", Decimal("7")])
def test_integer_accepts_whole_numbers_and_their_strings(value):
    assert errors_for(C("n", "Lines", T.INTEGER), value) == []


@pytest.mark.parametrize("value", [1.5, "1.5", "five", True, [1]])
def test_integer_refuses_other_values(value):
    assert errors_for(C("n", "Lines", T.INTEGER), value) == [
        "Lines (n) must be a whole number, for example 10."
    ]


def test_integer_range_names_the_bound_and_unit():
    char = C(
        "n",
        "Speed",
        T.INTEGER,
        min_value=Decimal("10"),
        max_value=Decimal("1000.000000"),
        unit="Mbit/s",
    )
    assert errors_for(char, 5) == ["Speed (n) must be at least 10 Mbit/s."]
    assert errors_for(char, 1001) == ["Speed (n) must be at most 1000 Mbit/s."]
    assert errors_for(char, 1000) == []


def test_integer_allowed_values_compare_as_numbers():
    char = C("n", "Speed", T.INTEGER, allowed_values=(100, 500))
    assert errors_for(char, "500") == []
    assert errors_for(char, 200) == ["Speed (n) must be one of: 100, 500."]


@pytest.mark.parametrize("value", [1, 2.5, "2.50", Decimal("0.1")])
def test_decimal_accepts_numbers_and_decimal_strings(value):
    assert errors_for(C("d", "Weight", T.DECIMAL), value) == []


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity", False, None])
def test_decimal_refuses_non_numbers(value):
    char = C("d", "Weight", T.DECIMAL, is_mandatory=True)
    expected = (
        ["Weight (d) is required; enter a value."]
        if value is None
        else ["Weight (d) must be a number, for example 12.5."]
    )
    assert errors_for(char, value) == expected


def test_decimal_range():
    char = C("d", "Weight", T.DECIMAL, min_value=Decimal("0.5"))
    assert errors_for(char, "0.4") == ["Weight (d) must be at least 0.5."]


@pytest.mark.parametrize("value", [True, False, "true", "False"])
def test_boolean_accepts_booleans(value):
    assert errors_for(C("b", "Static IP", T.BOOLEAN), value) == []


@pytest.mark.parametrize("value", [1, "yes", 0])
def test_boolean_refuses_other_values(value):
    assert errors_for(C("b", "Static IP", T.BOOLEAN), value) == [
        "Static IP (b) must be yes or no (true or false)."
    ]


def test_choice_must_be_an_allowed_value():
    char = C("c", "Colour", T.CHOICE, allowed_values=("black", "white"))
    assert errors_for(char, "white") == []
    assert errors_for(char, "red") == ["Colour (c) must be one of: black, white."]


def test_choice_without_allowed_values_points_to_the_catalog():
    assert errors_for(C("c", "Colour", T.CHOICE), "red") == [
        "Colour (c) has no choices defined; ask a catalog administrator."
    ]


@pytest.mark.parametrize("value", ["2025-01-31", datetime.date(2025, 1, 31)])
def test_date_accepts_iso_dates(value):
    assert errors_for(C("d", "Start", T.DATE), value) == []


@pytest.mark.parametrize("value", ["31/01/2025", "2025-02-30", 20250131])
def test_date_refuses_other_values(value):
    assert errors_for(C("d", "Start", T.DATE), value) == [
        "Start (d) must be a date written YYYY-MM-DD, e.g. 2025-01-31."
    ]


ADDRESS = {"line1": "1 Main St", "city": "Utrecht", "postcode": "3511", "country": "NL"}


def test_address_accepts_a_complete_address():
    assert errors_for(C("a", "Site", T.ADDRESS), {**ADDRESS, "line2": "Unit 4"}) == []


def test_address_names_missing_and_unknown_parts():
    value = {"line1": "1 Main St", "city": "", "zip": "3511"}
    assert errors_for(C("a", "Site", T.ADDRESS), value) == [
        "Site (a) needs a city.",
        "Site (a) needs a postcode.",
        "Site (a) needs a country.",
        "Site (a) has unknown address parts: zip; use city, country, line1, line2, "
        "postcode, region.",
    ]


def test_address_refuses_a_string():
    assert errors_for(C("a", "Site", T.ADDRESS), "1 Main St") == [
        "Site (a) must be an address with line1, city, postcode, country."
    ]


def object_char() -> C:
    return C(
        "site",
        "Site",
        T.OBJECT,
        children=(
            C("address", "Address", T.ADDRESS, is_mandatory=True),
            C("floor", "Floor", T.INTEGER, default_value=0),
            C(
                "contact",
                "Contact",
                T.OBJECT,
                children=(C("phone", "Phone", T.TEXT, is_mandatory=True),),
            ),
        ),
    )


def test_object_validates_children_with_dotted_codes():
    errors = characteristic_errors(
        characteristics=[object_char()],
        values={"site": {"floor": "x", "contact": {}, "lift": True}},
    )
    assert errors == {
        "site.lift": [
            "Unknown characteristic 'lift'; the known ones are: address, contact, floor."
        ],
        "site.address": ["Address (address) is required; enter a value."],
        "site.floor": ["Floor (floor) must be a whole number, for example 10."],
        "site.contact.phone": ["Phone (phone) is required; enter a value."],
    }


def test_object_accepts_valid_nested_values():
    values = {"site": {"address": ADDRESS, "contact": {"phone": "+31 30 000"}}}
    assert characteristic_errors(characteristics=[object_char()], values=values) == {}


def test_object_refuses_a_non_mapping():
    assert errors_for(object_char(), "somewhere") == [
        "Site (site) must be a group of values (an object)."
    ]


def test_mandatory_missing_unless_it_has_a_default():
    chars = [
        C("a", "A", T.TEXT, is_mandatory=True),
        C("b", "B", T.TEXT, is_mandatory=True, default_value="x"),
        C("c", "C", T.TEXT),
    ]
    assert characteristic_errors(characteristics=chars, values={"a": "  "}) == {
        "a": ["A (a) is required; enter a value."]
    }


def test_configurable_only_refuses_provider_set_values():
    chars = [C("vlan", "VLAN", T.INTEGER, is_customer_configurable=False)]
    assert characteristic_errors(
        characteristics=chars, values={"vlan": 10}, configurable_only=True
    ) == {"vlan": ["VLAN (vlan) is set by the provider and cannot be chosen here."]}
    assert characteristic_errors(characteristics=chars, values={"vlan": 10}) == {}


def test_values_must_be_a_mapping():
    assert characteristic_errors(characteristics=[], values=["a"]) == {  # type: ignore[arg-type]
        "__all__": ["Characteristic values must be a mapping of code to value."]
    }


def test_defaults_nest_object_children():
    chars = [C("speed", "Speed", T.INTEGER, default_value=100), object_char()]
    assert characteristic_defaults(characteristics=chars) == {
        "speed": 100,
        "site": {"floor": 0},
    }


def test_values_with_defaults_keep_given_values():
    chars = [C("speed", "Speed", T.INTEGER, default_value=100), object_char()]
    merged = characteristic_values_with_defaults(
        characteristics=chars, values={"speed": 500, "site": {"floor": 3}}
    )
    assert merged == {"speed": 500, "site": {"floor": 3}}
