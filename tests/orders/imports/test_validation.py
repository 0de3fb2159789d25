"""Row validation: each kind of problem is found before anything is created, with its row."""

import pytest

from catalog.services import offering_retire
from inventory.models import InventoryItemState
from ordermgmt.actor import Actor
from orders.imports.formats import ImportFormat
from orders.imports.parsing import import_file_parse
from orders.imports.validation import import_orders_check
from orders.models import AccountState, CustomerOrder, OrderChannel
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import CustomerOrderFactory
from tests.orders.imports.conftest import (
    csv_bytes,
    internet_row,
    json_bytes,
    places,
)

pytestmark = pytest.mark.django_db


def check_csv(rows):
    parsed = import_file_parse(
        file_name="in.csv", content=csv_bytes(rows), fmt=ImportFormat.CSV
    )
    return import_orders_check(parsed=parsed)


def check_json(orders):
    parsed = import_file_parse(
        file_name="in.json", content=json_bytes(orders), fmt=ImportFormat.JSON
    )
    return import_orders_check(parsed=parsed)


def test_good_csv_order_is_planned_with_typed_values_and_ids(demo):
    # given
    rows = [
        internet_row(demo.jane, "A", line_ref="net", requested_start_date="2026-09-01"),
        {
            "order_ref": "A",
            "offering": "OFF_WIFI_ROUTER",
            "line_ref": "router",
            "char.model": "Nokia Beacon 6",
        },
    ]

    # when
    (check,) = check_csv(rows)

    # then
    assert check.problems == []
    planned = check.planned
    assert planned.account_id == demo.jane.pk
    assert planned.channel == OrderChannel.IMPORT
    assert planned.requested_start_date.date().isoformat() == "2026-09-01"
    net, router = planned.lines
    assert net.offering_id == demo.offering("OFF_FIBER_INTERNET").pk
    assert net.characteristics["bandwidth"] == 500
    assert net.characteristics["contract_term"] == 24
    assert net.characteristics["installation_address"]["city"] == "Hamburg"
    assert (router.ref, router.quantity, router.action) == ("router", 1, "add")


def test_unknown_account_is_reported_on_the_orders_first_row(demo):
    (check,) = check_csv([internet_row(demo.jane, "A", account="ACC9999999")])
    assert places(check.problems) == [("2", "account")]
    assert "Unknown account 'ACC9999999'" in check.problems[0].message
    assert check.planned is None


def test_suspended_account_is_reported(demo):
    demo.jane.__class__.objects.filter(pk=demo.jane.pk).update(
        state=AccountState.SUSPENDED
    )
    (check,) = check_csv([internet_row(demo.jane, "A")])
    assert places(check.problems) == [("2", "account")]
    assert "suspended" in check.problems[0].message


def test_unknown_and_unpublished_offerings_are_reported(demo):
    offering_retire(
        offering_id=demo.offering("OFF_FIBER_TV").pk, actor=Actor.job("test")
    )
    (check,) = check_csv(
        [
            internet_row(demo.jane, "A", offering="OFF_NOPE"),
            {"order_ref": "A", "offering": "OFF_FIBER_TV", "char.package": "basic"},
            {"order_ref": "A", "offering": ""},
        ]
    )
    assert places(check.problems) == [
        ("2", "offering"),
        ("3", "offering"),
        ("4", "offering"),
    ]
    assert "Unknown offering 'OFF_NOPE'" in check.problems[0].message
    assert "retired" in check.problems[1].message
    assert "needs an offering" in check.problems[2].message


BAD_CHARACTERISTICS = [
    ({"char.bandwidth": "250"}, "char.bandwidth", "must be one of: 100, 300"),
    ({"char.static_ip": "maybe"}, "char.static_ip", "must be yes or no"),
    ({"char.colour": "red"}, "char.colour", "Unknown characteristic 'colour'"),
    (
        {"char.installation_address.city": ""},
        "char.installation_address",
        "needs a city",
    ),
]


def test_bad_characteristic_value_is_reported_on_its_column(demo):
    rows = [
        internet_row(demo.jane, f"O{n}", **cells)
        for n, (cells, _, _) in enumerate(BAD_CHARACTERISTICS)
    ]

    checks = check_csv(rows)

    for n, (check, (_, column, message)) in enumerate(
        zip(checks, BAD_CHARACTERISTICS, strict=True)
    ):
        assert places(check.problems) == [(str(n + 2), column)]
        assert message in check.problems[0].message


def test_missing_mandatory_characteristic_of_a_json_line_names_its_key(demo):
    (check,) = check_json(
        [
            {
                "ref": "M",
                "account": demo.acme.number,
                "lines": [{"offering": "OFF_CM_MACHINE", "characteristics": {}}],
            }
        ]
    )
    assert places(check.problems) == [("$[0].lines[0]", "characteristics.model")]
    assert "required" in check.problems[0].message


def test_bad_quantity_is_reported(demo):
    quantities = ["0", "-1", "two", "1.5", "99999999999"]
    checks = check_csv(
        [internet_row(demo.jane, q, quantity=q) for q in quantities]
        + [internet_row(demo.jane, "ok", quantity="+3")]
    )
    assert [places(check.problems) for check in checks] == [
        [(str(n + 2), "quantity")] for n in range(len(quantities))
    ] + [[]]
    assert checks[-1].planned.lines[0].quantity == 3


def test_json_quantity_must_be_a_whole_number(demo):
    (check,) = check_json(
        [
            {
                "account": demo.northwind.number,
                "lines": [
                    {"offering": "OFF_WIFI_ROUTER", "quantity": True},
                    {"offering": "OFF_WIFI_ROUTER", "quantity": "3"},
                ],
            }
        ]
    )
    assert places(check.problems) == [("$[0].lines[0]", "quantity")]


def test_duplicate_line_ref_is_reported_on_the_second_row(demo):
    (check,) = check_csv(
        [
            internet_row(demo.jane, "A", line_ref="1"),
            {"order_ref": "A", "offering": "OFF_WIFI_ROUTER", "line_ref": "1"},
        ]
    )
    assert places(check.problems) == [("3", "line_ref")]
    assert "appears twice" in check.problems[0].message


def test_parent_line_ref_must_name_a_line_of_the_order(demo):
    (check,) = check_csv(
        [
            internet_row(demo.jane, "A", line_ref="1", parent_line_ref="9"),
            {
                "order_ref": "A",
                "offering": "OFF_WIFI_ROUTER",
                "line_ref": "2",
                "parent_line_ref": "2",
            },
        ]
    )
    assert places(check.problems) == [
        ("2", "parent_line_ref"),
        ("3", "parent_line_ref"),
    ]


def test_macd_line_without_inventory_item_is_reported(demo):
    actions = ["change", "delete", "suspend", "resume"]
    (check,) = check_csv(
        [
            {
                "order_ref": "A",
                "account": demo.jane.number,
                "offering": "OFF_FIBER_INTERNET",
                "action": action,
            }
            for action in actions
        ]
    )
    assert places(check.problems) == [
        (str(n + 2), "inventory_item") for n in range(len(actions))
    ]
    assert all("needs the inventory item" in p.message for p in check.problems)


def test_macd_lines_name_items_of_the_account_by_number(demo):
    # given
    internet = demo.offering("OFF_FIBER_INTERNET")
    own = InventoryItemFactory(
        account=demo.jane,
        offering=internet,
        characteristics={"bandwidth": 300, "contract_term": 24},
    )
    foreign = InventoryItemFactory(account=demo.northwind, offering=internet)
    rows = [
        {
            "order_ref": "A",
            "account": demo.jane.number,
            "action": "change",
            "inventory_item": own.number.lower(),
            "offering": "",
            "char.bandwidth": "1000",
        },
        {"order_ref": "A", "action": "suspend", "inventory_item": foreign.number},
        {"order_ref": "A", "action": "delete", "inventory_item": "INV0999999"},
        {
            "order_ref": "A",
            "action": "add",
            "offering": "OFF_WIFI_ROUTER",
            "inventory_item": own.number,
        },
        {
            "order_ref": "A",
            "action": "delete",
            "inventory_item": own.number,
            "char.bandwidth": "100",
        },
    ]

    # when
    (check,) = check_csv(rows)

    # then
    assert places(check.problems) == [
        ("3", "inventory_item"),
        ("4", "inventory_item"),
        ("5", "inventory_item"),
        ("6", "char.*"),
    ]
    assert "another account" in check.problems[0].message
    assert "Unknown inventory item" in check.problems[1].message
    assert "add line creates a new item" in check.problems[2].message


def test_change_line_is_planned_with_the_item_and_only_the_given_values(demo):
    item = InventoryItemFactory(
        account=demo.jane,
        offering=demo.offering("OFF_FIBER_INTERNET"),
        state=InventoryItemState.ACTIVE,
        characteristics={"bandwidth": 300, "contract_term": 24},
    )
    (check,) = check_csv(
        [
            {
                "order_ref": "A",
                "account": demo.jane.number,
                "action": "change",
                "inventory_item": item.number,
                "offering": "",
                "char.bandwidth": "1000",
            }
        ]
    )
    assert check.problems == []
    (line,) = check.planned.lines
    assert (line.inventory_item_id, line.offering_id) == (item.pk, None)
    assert line.characteristics == {"bandwidth": 1000}


def test_order_columns_are_checked(demo):
    (check,) = check_csv(
        [
            internet_row(
                demo.jane,
                "A",
                channel="fax",
                requested_start_date="next week",
                action="order",
            )
        ]
    )
    assert places(check.problems) == [
        ("2", "channel"),
        ("2", "requested_start_date"),
        ("2", "action"),
    ]


def test_external_id_taken_in_the_database_or_earlier_in_the_file_is_reported(demo):
    CustomerOrderFactory(account=demo.jane, external_id="PO-1")
    first, second, third = check_csv(
        [
            internet_row(demo.jane, "A", external_id="PO-1"),
            internet_row(demo.jane, "B", external_id="PO-2"),
            internet_row(demo.jane, "C", external_id="PO-2"),
        ]
    )
    assert places(first.problems) == [("2", "external_id")]
    assert second.problems == []
    assert places(third.problems) == [("4", "external_id")]
    assert "Order B of this file" in third.problems[0].message


def test_a_problem_in_one_order_leaves_the_others_planned(demo):
    good, bad = check_csv(
        [
            internet_row(demo.jane, "good"),
            internet_row(demo.jane, "bad", **{"char.bandwidth": "7"}),
        ]
    )
    assert good.planned is not None
    assert bad.planned is None


def test_references_of_a_large_file_are_read_in_a_bounded_number_of_queries(
    demo, django_assert_max_num_queries
):
    rows = [internet_row(demo.jane, f"O{n}", external_id=f"X{n}") for n in range(60)]
    parsed = import_file_parse(
        file_name="big.csv", content=csv_bytes(rows), fmt=ImportFormat.CSV
    )
    CustomerOrder.objects.count()  # warm the connection outside the count

    with django_assert_max_num_queries(5):
        checks = import_orders_check(parsed=parsed)

    assert all(check.planned is not None for check in checks)
