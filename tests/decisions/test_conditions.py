"""Condition cells: parsing per data type, canonical text, input and output values."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from decisions.conditions import (
    ANY,
    Condition,
    ConditionKind,
    condition_format,
    condition_parse,
    input_coerce,
    output_from_json,
    output_to_json,
)
from decisions.exceptions import (
    DecisionConditionInvalid,
    DecisionInputTypeMismatch,
    DecisionOutputInvalid,
)


@pytest.mark.parametrize("text", ["", "-", "  -  "])
def test_condition_parse_reads_any(text):
    assert condition_parse(text, "text") == ANY


@pytest.mark.parametrize(
    ("text", "data_type", "expected"),
    [
        ("gold", "text", Condition(ConditionKind.EQUALS, ("gold",))),
        ('"gold"', "text", Condition(ConditionKind.EQUALS, ("gold",))),
        ("= gold", "text", Condition(ConditionKind.EQUALS, ("gold",))),
        ('"a, b (c)"', "text", Condition(ConditionKind.EQUALS, ("a, b (c)",))),
        ('"say \\"hi\\""', "text", Condition(ConditionKind.EQUALS, ('say "hi"',))),
        ("!= gold", "text", Condition(ConditionKind.NOT_EQUALS, ("gold",))),
        (
            "in (gold, silver)",
            "text",
            Condition(ConditionKind.IN, ("gold", "silver")),
        ),
        (
            'not in ("a,b", c)',
            "text",
            Condition(ConditionKind.NOT_IN, ("a,b", "c")),
        ),
        ("42", "integer", Condition(ConditionKind.EQUALS, (42,))),
        ("-3", "integer", Condition(ConditionKind.EQUALS, (-3,))),
        ("in (1, 2, 2)", "integer", Condition(ConditionKind.IN, (1, 2))),
        ("9.99", "decimal", Condition(ConditionKind.EQUALS, (Decimal("9.99"),))),
        ("true", "boolean", Condition(ConditionKind.EQUALS, (True,))),
        ("No", "boolean", Condition(ConditionKind.EQUALS, (False,))),
        (
            "2026-12-31",
            "date",
            Condition(ConditionKind.EQUALS, (date(2026, 12, 31),)),
        ),
        ("[10..100]", "integer", Condition(ConditionKind.RANGE, low=10, high=100)),
        ("[ 10 .. ]", "integer", Condition(ConditionKind.RANGE, low=10)),
        (
            "[..99.5]",
            "decimal",
            Condition(ConditionKind.RANGE, high=Decimal("99.5")),
        ),
        (">= 5", "integer", Condition(ConditionKind.RANGE, low=5)),
        ("> 5", "integer", Condition(ConditionKind.RANGE, low=5, low_inclusive=False)),
        ("<= 5", "decimal", Condition(ConditionKind.RANGE, high=Decimal(5))),
        (
            "< 2026-12-31",
            "date",
            Condition(
                ConditionKind.RANGE, high=date(2026, 12, 31), high_inclusive=False
            ),
        ),
    ],
)
def test_condition_parse_reads_each_kind(text, data_type, expected):
    assert condition_parse(text, data_type) == expected


@pytest.mark.parametrize(
    ("text", "data_type", "reason"),
    [
        ("abc", "integer", "not a whole number"),
        ("1.5", "integer", "not a whole number"),
        ("ten", "decimal", "not a decimal number"),
        ("maybe", "boolean", "not true or false"),
        ("31/12/2026", "date", "not a date"),
        ("[10..1]", "integer", "above the high bound"),
        ("[..]", "integer", "at least one bound"),
        ("[1,5]", "integer", "a range reads"),
        ("[a..b]", "text", "quote the text"),
        (">= 5", "text", "needs an integer, decimal or date column"),
        ("[true..false]", "boolean", "needs an integer, decimal or date column"),
        ("in ()", "text", "the list is empty"),
        ("!=", "text", "a value is missing"),
        ('"open', "text", "unbalanced quote"),
        ('in ("a, b)', "text", "unclosed quote"),
    ],
)
def test_condition_parse_explains_what_is_wrong(text, data_type, reason):
    with pytest.raises(DecisionConditionInvalid) as caught:
        condition_parse(text, data_type, column="total")

    assert reason in caught.value.message
    assert caught.value.message.startswith("Column total:")
    assert caught.value.code == "decision_condition_invalid"


@pytest.mark.parametrize(
    ("text", "data_type", "canonical"),
    [
        ("  -  ", "text", "-"),
        ('"gold"', "text", "gold"),
        ("in(gold,silver)", "text", "in (gold, silver)"),
        ('"a, b"', "text", '"a, b"'),
        ('"-"', "text", '"-"'),
        ("[1..5]", "integer", "[1..5]"),
        (">5", "integer", "> 5"),
        ("< 2026-01-02", "date", "< 2026-01-02"),
        ("YES", "boolean", "true"),
        ("not in (1.50, 2)", "decimal", "not in (1.50, 2)"),
    ],
)
def test_condition_format_writes_canonical_text_that_reads_back(
    text, data_type, canonical
):
    condition = condition_parse(text, data_type)

    assert condition_format(condition, data_type) == canonical
    assert condition_parse(canonical, data_type) == condition


@pytest.mark.parametrize(
    ("value", "data_type", "expected"),
    [
        ("gold", "text", "gold"),
        (7, "integer", 7),
        ("7", "integer", 7),
        (Decimal("7"), "integer", 7),
        (7, "decimal", 7),
        (1.25, "decimal", Decimal("1.25")),
        ("1.25", "decimal", Decimal("1.25")),
        (True, "boolean", True),
        ("false", "boolean", False),
        (date(2026, 5, 1), "date", date(2026, 5, 1)),
        ("2026-05-01", "date", date(2026, 5, 1)),
        (datetime(2026, 5, 1, 13, 30), "date", date(2026, 5, 1)),
        (None, "integer", None),
    ],
)
def test_input_coerce_accepts_compatible_values(value, data_type, expected):
    assert input_coerce(value, data_type, column="x") == expected


@pytest.mark.parametrize(
    ("value", "data_type"),
    [
        ("abc", "integer"),
        (True, "integer"),
        (1.5, "integer"),
        (Decimal("1.5"), "integer"),
        ("abc", "decimal"),
        (5, "text"),
        ("maybe", "boolean"),
        (1, "boolean"),
        ("2026-13-01", "date"),
        (20260101, "date"),
    ],
)
def test_input_coerce_refuses_mismatched_values(value, data_type):
    with pytest.raises(DecisionInputTypeMismatch) as caught:
        input_coerce(value, data_type, column="amount")

    assert "Input amount must be" in caught.value.message
    assert caught.value.details["column"] == "amount"


@pytest.mark.parametrize(
    ("value", "data_type", "stored", "loaded"),
    [
        ("manager desk", "text", "manager desk", "manager desk"),
        ('"quoted"', "text", "quoted", "quoted"),
        ("12.50", "decimal", "12.50", Decimal("12.50")),
        (Decimal("3"), "decimal", "3", Decimal("3")),
        ("5", "integer", 5, 5),
        ("yes", "boolean", True, True),
        ("2026-02-01", "date", "2026-02-01", date(2026, 2, 1)),
    ],
)
def test_outputs_are_stored_as_json_and_loaded_typed(value, data_type, stored, loaded):
    assert output_to_json(value, data_type, column="out") == stored
    assert output_from_json(stored, data_type, column="out") == loaded


def test_output_to_json_refuses_a_value_of_the_wrong_type():
    with pytest.raises(DecisionOutputInvalid, match="Output limit must be a number"):
        output_to_json("lots", "decimal", column="limit")
