"""orders_import: a file with good and bad rows creates only the good orders, one each."""

import pytest

from ordermgmt.exceptions import ValidationFailed
from orders.imports.exceptions import ImportFileUnreadable
from orders.imports.parsing import CSV_NAMES, JSON_NAMES, RawLine, RawOrder
from orders.imports.report import OrderOutcome, import_report_csv
from orders.imports.service import _service_problems, orders_import
from orders.imports.validation import OrderCheck
from orders.models import CustomerOrder, CustomerOrderState, OrderChannel
from tests.orders.imports.conftest import (
    ADDRESS,
    csv_bytes,
    internet_row,
    json_bytes,
    places,
)

pytestmark = pytest.mark.django_db


def good_and_bad_csv(demo) -> bytes:
    return csv_bytes(
        [
            internet_row(demo.jane, "jane", external_id="IMP-1", line_ref="net"),
            {
                "order_ref": "nw",
                "account": demo.northwind.number,
                "offering": "OFF_WIFI_ROUTER",
                "char.model": "Nokia Beacon 6",
                "quantity": "2",
            },
            internet_row(demo.jane, "bad", offering="OFF_UNKNOWN"),
            {"order_ref": "bad", "offering": "OFF_WIFI_ROUTER", "quantity": "0"},
        ]
    )


def test_csv_with_good_and_bad_orders_creates_only_the_good_ones(demo, actor):
    # given
    before = CustomerOrder.objects.count()

    # when
    report = orders_import(
        file_name="orders.csv", content=good_and_bad_csv(demo), actor=actor
    )

    # then
    assert [(r.order_ref, r.outcome) for r in report.orders] == [
        ("jane", OrderOutcome.CREATED),
        ("nw", OrderOutcome.CREATED),
        ("bad", OrderOutcome.REJECTED),
    ]
    assert places(report.problems) == [("4", "offering"), ("5", "quantity")]
    assert {p.file for p in report.problems} == {"orders.csv"}
    assert report.rejected[0].problem_count == 2
    assert CustomerOrder.objects.count() == before + 2
    jane = CustomerOrder.objects.get(pk=report.orders[0].order_id)
    assert report.orders[0].order_number == jane.number
    assert (jane.account_id, jane.channel, jane.external_id) == (
        demo.jane.pk,
        OrderChannel.IMPORT,
        "IMP-1",
    )
    assert jane.captured_by_id == actor.user_id
    assert jane.state != CustomerOrderState.DRAFT
    (line,) = jane.lines.filter(item_ref="net")
    assert line.characteristics["bandwidth"] == 500
    assert line.characteristics["installation_address"] == ADDRESS
    router = CustomerOrder.objects.get(pk=report.orders[1].order_id).lines.get()
    assert router.quantity == 2


def test_json_with_good_and_bad_orders_creates_only_the_good_ones(demo, actor):
    content = json_bytes(
        [
            {
                "ref": "jane",
                "account": demo.jane.number,
                "externalId": "IMP-J",
                "lines": [
                    {
                        "ref": "net",
                        "offering": "OFF_FIBER_INTERNET",
                        "characteristics": {
                            "bandwidth": 300,
                            "contract_term": 12,
                            "installation_address": ADDRESS,
                        },
                    }
                ],
            },
            {
                "ref": "bad",
                "account": "ACC0000000",
                "lines": [
                    {
                        "offering": "OFF_FIBER_INTERNET",
                        "characteristics": {"bandwidth": "fast"},
                    }
                ],
            },
        ]
    )

    report = orders_import(file_name="orders.json", content=content, actor=actor)

    assert [r.outcome for r in report.orders] == ["created", "rejected"]
    assert places(report.problems) == [
        ("$[1]", "account"),
        ("$[1].lines[0]", "characteristics.bandwidth"),
    ]
    order = CustomerOrder.objects.get(pk=report.orders[0].order_id)
    assert order.external_id == "IMP-J"
    assert (
        not CustomerOrder.objects.filter(external_id="")
        .filter(account__number="ACC0000000")
        .exists()
    )


def test_draft_import_keeps_the_orders_as_drafts(demo, actor):
    report = orders_import(
        file_name="o.csv",
        content=csv_bytes([internet_row(demo.jane, "A")]),
        actor=actor,
        submit=False,
    )
    order = CustomerOrder.objects.get(pk=report.created[0].order_id)
    assert order.state == CustomerOrderState.DRAFT
    assert report.all_created


def test_an_order_the_capture_service_refuses_is_rejected_at_its_row(demo, actor):
    # Fiber TV is sold to consumers only: the service's eligibility rule refuses it.
    content = csv_bytes(
        [
            {
                "order_ref": "tv",
                "account": demo.northwind.number,
                "offering": "OFF_BUSINESS_FIBER",
                "char.bandwidth": "500",
                "char.contract_term": "24",
            },
            {
                "order_ref": "tv",
                "offering": "OFF_FIBER_TV",
                "char.package": "basic",
                "line_ref": "tv-line",
            },
            internet_row(demo.jane, "ok"),
        ]
    )

    report = orders_import(file_name="o.csv", content=content, actor=actor)

    assert [r.outcome for r in report.orders] == ["rejected", "created"]
    assert ("3", "offering") in places(report.problems)
    assert (
        not CustomerOrder.objects.filter(account=demo.northwind)
        .exclude(external_id__startswith="DEMO")
        .exists()
    )


def test_progress_is_reported_per_order(demo, actor):
    calls = []
    orders_import(
        file_name="o.csv",
        content=good_and_bad_csv(demo),
        actor=actor,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_unreadable_file_raises_and_creates_nothing(demo, actor):
    before = CustomerOrder.objects.count()
    with pytest.raises(ImportFileUnreadable):
        orders_import(file_name="o.json", content=b"[{", actor=actor)
    assert CustomerOrder.objects.count() == before


def test_report_as_csv_lists_problems_then_orders(demo, actor):
    report = orders_import(
        file_name="orders.csv", content=good_and_bad_csv(demo), actor=actor
    )
    lines = import_report_csv(report=report).splitlines()
    assert lines[0] == "kind,file,row,order_ref,field,message,order_number,state"
    assert lines[1].startswith("problem,orders.csv,4,bad,offering,Unknown offering")
    assert lines[3].startswith(
        f"created,orders.csv,2,jane,,,{report.created[0].order_number},"
    )
    assert lines[5].startswith("rejected,orders.csv,4,bad,,2 problem(s)")


def _check(*refs: str) -> OrderCheck:
    order = RawOrder(row="7", ref="A")
    order.lines = [RawLine(row=str(10 + n), ref=ref) for n, ref in enumerate(refs)]
    return OrderCheck(source=order)


def test_errors_of_a_bundle_part_the_service_added_name_the_bundle_row():
    error = ValidationFailed(
        "no",
        errors={"lines.1/OFF_FIBER_INTERNET.characteristics.bandwidth": ["Wrong."]},
    )
    (problem,) = _service_problems(
        error=error, check=_check("1", "1.2"), file_name="f", names=CSV_NAMES
    )
    assert (problem.row, problem.field) == ("10", "char.bandwidth")
    assert problem.message == "Bundle part OFF_FIBER_INTERNET: Wrong."


@pytest.mark.parametrize(
    ("key", "csv_place", "json_place"),
    [
        ("lines.1.offering_id", ("10", "offering"), ("10", "offering")),
        (
            "lines.1.2.characteristics.options.coolant",
            ("11", "char.options.coolant"),
            ("11", "characteristics.options.coolant"),
        ),
        (
            "lines.1.inventory_item_id",
            ("10", "inventory_item"),
            ("10", "inventoryItem"),
        ),
        ("lines.1.parent_ref", ("10", "parent_line_ref"), ("10", "parentRef")),
        ("lines.1", ("10", ""), ("10", "")),
        ("lines.1.bundle", ("10", "offering"), ("10", "offering")),
        ("lines.9.quantity", ("7", "lines.9.quantity"), ("7", "lines.9.quantity")),
        ("external_id", ("7", "external_id"), ("7", "externalId")),
        ("__all__", ("7", ""), ("7", "")),
    ],
)
def test_service_errors_are_placed_on_the_row_and_field_of_the_file(
    key, csv_place, json_place
):
    error = ValidationFailed("no", errors={key: ["Wrong."]})
    for names, place in ((CSV_NAMES, csv_place), (JSON_NAMES, json_place)):
        (problem,) = _service_problems(
            error=error, check=_check("1", "1.2"), file_name="f", names=names
        )
        assert (problem.row, problem.field) == place
        assert (problem.message, problem.order_ref) == ("Wrong.", "A")
