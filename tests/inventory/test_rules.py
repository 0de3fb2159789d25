"""Pure inventory rules: item tree levels, contract terms and end dates."""

from __future__ import annotations

import datetime

import pytest

from inventory.inputs import ItemInput
from inventory.rules import (
    contract_end_date,
    contract_term_months,
    item_input_errors,
    item_input_levels,
    months_after,
)
from ordermgmt.exceptions import CycleError, ValidationFailed


def test_item_input_levels_puts_parents_before_children_whatever_the_order():
    items = [
        ItemInput(key="resource", parent_key="service"),
        ItemInput(key="service", parent_key="product"),
        ItemInput(key="product"),
        ItemInput(key="other"),
    ]

    assert item_input_levels(items) == [[2, 3], [1], [0]]


def test_item_input_levels_of_nothing_is_empty():
    assert item_input_levels([]) == []


def test_item_input_levels_refuses_a_cycle():
    with pytest.raises(CycleError):
        item_input_levels(
            [ItemInput(key=1, parent_key=2), ItemInput(key=2, parent_key=1)]
        )


def test_item_input_levels_refuses_bad_inputs_with_every_error():
    with pytest.raises(ValidationFailed) as caught:
        item_input_levels([ItemInput(key=1, quantity=0, parent_key=5)])

    assert len(caught.value.errors["items"]) == 2


def test_item_input_errors_refuses_two_parents():
    errors = item_input_errors(
        [ItemInput(key=1), ItemInput(key=2, parent_key=1, parent_item_id=7)]
    )

    assert errors == ["Item 2: give a parent key or a parent item."]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.date(2026, 1, 15), 1, datetime.date(2026, 2, 15)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2027, 12, 31), 2, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 30), 14, datetime.date(2028, 1, 30)),
    ],
)
def test_months_after_keeps_the_day_or_takes_the_last_of_the_month(
    start, months, expected
):
    assert months_after(start, months) == expected


@pytest.mark.parametrize(
    ("term_months", "expected"),
    [
        (24, datetime.date(2028, 1, 14)),
        (12, datetime.date(2027, 1, 14)),
        (1, datetime.date(2026, 2, 14)),
        (None, None),
        (0, None),
    ],
)
def test_contract_end_date_is_the_day_before_the_anniversary(term_months, expected):
    assert (
        contract_end_date(
            start_date=datetime.date(2026, 1, 15), term_months=term_months
        )
        == expected
    )


def test_contract_term_months_takes_the_longest_term_sold():
    characteristics = [
        {"contract_term": 12},
        {"contract_term": "36"},
        {"bandwidth": 1000},
        {"contract_term": "soon"},
        {"contract_term": True},
        {"contract_term": 0},
    ]

    assert contract_term_months(characteristics=characteristics) == 36


def test_contract_term_months_without_a_term_is_none():
    assert contract_term_months(characteristics=[{"speed": "100"}, {}]) is None
