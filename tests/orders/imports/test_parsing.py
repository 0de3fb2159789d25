"""Reading CSV and JSON import files into raw orders that remember their rows."""

import json

import pytest

from orders.imports.exceptions import ImportFileUnreadable
from orders.imports.formats import ImportFormat, import_format_detect
from orders.imports.parsing import import_file_parse


def csv_parse(text: str):
    return import_file_parse(
        file_name="in.csv", content=text.encode(), fmt=ImportFormat.CSV
    )


def json_parse(data: object):
    return import_file_parse(
        file_name="in.json", content=json.dumps(data).encode(), fmt=ImportFormat.JSON
    )


def problem_places(problems):
    return [(p.row, p.field) for p in problems]


# --- format detection ---------------------------------------------------------------


def test_format_is_detected_from_the_extension_and_can_be_overridden():
    assert import_format_detect(file_name="a/orders.CSV") == ImportFormat.CSV
    assert import_format_detect(file_name="orders.json") == ImportFormat.JSON
    assert import_format_detect(file_name="orders.txt", given="json") == "json"


@pytest.mark.parametrize(
    ("file_name", "given"), [("orders.txt", None), ("orders", None), ("a.csv", "xml")]
)
def test_unknown_format_is_unreadable(file_name, given):
    with pytest.raises(ImportFileUnreadable):
        import_format_detect(file_name=file_name, given=given)


# --- CSV ----------------------------------------------------------------------------


def test_csv_rows_with_the_same_order_ref_form_one_order():
    parsed = csv_parse(
        "order_ref,account,offering,line_ref,quantity,char.bandwidth\n"
        "A,ACC1,OFF_X,1,2,500\n"
        "B,ACC2,OFF_Y,,,\n"
        "A,,OFF_Z,2,,\n"
    )

    assert parsed.problems == []
    a, b = parsed.orders
    assert (a.ref, a.account, a.row) == ("A", "ACC1", "2")
    assert [(line.row, line.ref, line.offering) for line in a.lines] == [
        ("2", "1", "OFF_X"),
        ("4", "2", "OFF_Z"),
    ]
    assert a.lines[0].quantity == "2"
    assert a.lines[0].characteristics == {"bandwidth": "500"}
    assert a.lines[1].quantity is None
    assert a.lines[1].characteristics == {}
    # Without a line_ref the row number is the line's ref.
    assert b.lines[0].ref == "3"


def test_csv_nested_characteristic_columns_build_an_object():
    parsed = csv_parse(
        "order_ref,account,offering,char.options.coolant,char.options.automation,char.model\n"
        "A,ACC1,OFF_CM,yes,semi,CM-700\n"
    )
    assert parsed.orders[0].lines[0].characteristics == {
        "options": {"coolant": "yes", "automation": "semi"},
        "model": "CM-700",
    }


def test_csv_with_semicolons_and_a_bom_is_read():
    content = "\ufefforder_ref;account;offering\nA;ACC1;OFF_X\n".encode()
    parsed = import_file_parse(file_name="x.csv", content=content, fmt="csv")
    assert parsed.orders[0].account == "ACC1"


def test_csv_missing_required_column_is_a_header_problem_and_no_order_is_read():
    parsed = csv_parse("order_ref,offering\nA,OFF_X\n")

    assert problem_places(parsed.problems) == [("1", "account")]
    assert "required column account is missing" in parsed.problems[0].message
    assert parsed.orders == []


def test_csv_unknown_and_duplicate_columns_are_header_problems():
    parsed = csv_parse("order_ref,account,offering,quantiy,account\nA,B,C,1,B\n")
    assert problem_places(parsed.problems) == [("1", "quantiy"), ("1", "account")]


def test_csv_order_column_that_differs_between_rows_of_an_order_is_a_problem():
    parsed = csv_parse("order_ref,account,offering\nA,ACC1,OFF_X\nA,ACC9,OFF_Y\n")
    order = parsed.orders[0]
    assert order.account == "ACC1"
    assert problem_places(order.problems) == [("3", "account")]


def test_csv_row_without_order_ref_and_row_with_too_many_cells():
    parsed = csv_parse("order_ref,account,offering\n,ACC1,OFF_X\nB,ACC1,OFF_X,extra\n")
    assert problem_places(parsed.problems) == [("2", "order_ref")]
    assert problem_places(parsed.orders[0].problems) == [("3", "")]


def test_csv_blank_rows_are_skipped_but_row_numbers_stay_those_of_the_file():
    parsed = csv_parse("order_ref,account,offering\n\nA,ACC1,OFF_X\n")
    assert parsed.orders[0].row == "3"


def test_csv_header_only_is_a_problem():
    parsed = csv_parse("order_ref,account,offering\n")
    assert problem_places(parsed.problems) == [("1", "")]
    assert parsed.orders == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("order_ref\nä".encode("latin-1"), "not UTF-8"),
        (b'order_ref,account\n"A,B\n', "not valid CSV"),
    ],
)
def test_unreadable_csv_files_are_refused(content, message):
    with pytest.raises(ImportFileUnreadable, match=message):
        import_file_parse(file_name="in.csv", content=content, fmt=ImportFormat.CSV)


# --- JSON ---------------------------------------------------------------------------


def test_json_orders_and_lines_keep_their_paths():
    parsed = json_parse(
        [
            {
                "ref": "A",
                "account": "ACC1",
                "externalId": "PO-1",
                "lines": [
                    {"ref": "1", "offering": "OFF_X", "quantity": 2},
                    {
                        "offering": "OFF_Y",
                        "characteristics": [{"name": "bandwidth", "value": 500}],
                        "parentRef": "1",
                    },
                ],
            }
        ]
    )

    order = parsed.orders[0]
    assert order.problems == []
    assert (order.row, order.ref, order.external_id) == ("$[0]", "A", "PO-1")
    first, second = order.lines
    assert (first.row, first.ref, first.quantity) == ("$[0].lines[0]", "1", 2)
    assert (second.row, second.ref, second.parent_ref) == ("$[0].lines[1]", "2", "1")
    assert second.characteristics == {"bandwidth": 500}


def test_json_shape_problems_name_the_path_and_key():
    parsed = json_parse(
        [
            "not an order",
            {"account": ["ACC1"], "lines": "none", "colour": "red"},
            {"ref": "C", "account": "ACC1", "lines": [7, {"offering": "X", "qty": 1}]},
        ]
    )

    assert problem_places(parsed.orders[0].problems) == [("$[0]", "")]
    assert problem_places(parsed.orders[1].problems) == [
        ("$[1]", "colour"),
        ("$[1]", "account"),
        ("$[1]", "lines"),
    ]
    assert problem_places(parsed.orders[2].problems) == [
        ("$[2].lines[0]", ""),
        ("$[2].lines[1]", "qty"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON at line 1"),
        (b'{"ref": "A"}', "must hold a list of orders"),
        (b"42", "must hold a list of orders"),
    ],
)
def test_unreadable_json_files_are_refused(content, message):
    with pytest.raises(ImportFileUnreadable, match=message):
        import_file_parse(file_name="in.json", content=content, fmt=ImportFormat.JSON)


def test_json_object_with_an_orders_list_is_accepted_and_an_empty_list_is_a_problem():
    assert json_parse({"orders": [{"ref": "A", "lines": []}]}).orders[0].ref == "A"
    assert problem_places(json_parse([]).problems) == [("$", "")]
