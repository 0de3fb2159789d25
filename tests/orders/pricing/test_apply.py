"""order_pricing_apply on the database: catalog and decision data in, price fields out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import LifecycleStatus, PriceAdjustmentKind
from orders.models import CustomerOrderLine, LineAction, LineState
from orders.pricing import (
    PRICE_FIELDS_LINE,
    PRICE_FIELDS_ORDER,
    NoPriceList,
    PricesFrozen,
    order_pricing_apply,
)
from tests.catalog.factories import ProductOfferingFactory
from tests.orders.factories import (
    AccountFactory,
    CustomerOrderFactory,
    CustomerOrderLineFactory,
    published_offering,
    specification_with_characteristics,
)
from tests.orders.pricing.factories import (
    price_adjustment,
    price_list,
    pricing_matrix,
    published_table,
)

pytestmark = pytest.mark.django_db

D = Decimal
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def internet():
    specification = specification_with_characteristics(
        code="PS_NET",
        characteristics=[
            {"code": "bandwidth", "value_type": "integer"},
            {"code": "contract_term", "value_type": "integer", "default_value": 24},
        ],
    )
    return published_offering(code="NET", specification=specification)


@pytest.fixture
def router():
    return published_offering(code="ROUTER")


@pytest.fixture
def consumer_eur(internet, router):
    return price_list(
        "PL_CONSUMER",
        segment="consumer",
        prices=[
            (internet, "one_time", "49.00"),
            (internet, "recurring", "39.90"),
            (router, "recurring/year", "36.00"),
        ],
    )


@pytest.fixture
def order():
    account = AccountFactory(segment="consumer", currency="EUR")
    return CustomerOrderFactory(account=account, channel="agent")


def add_line(order, offering, **fields):
    fields.setdefault("line_number", order.lines.count() + 1)
    return CustomerOrderLineFactory(order=order, offering=offering, **fields)


def price_order(order):
    """Price the order as a service would: lines read fresh, results saved."""
    lines = list(order.lines.order_by("line_number"))
    order_pricing_apply(order=order, lines=lines, at=AT)
    order.save(update_fields=PRICE_FIELDS_ORDER)
    CustomerOrderLine.objects.bulk_update(lines, PRICE_FIELDS_LINE)
    order.refresh_from_db()
    return list(order.lines.order_by("line_number"))


# --- list prices, currency, price list ---------------------------------------------


def test_list_prices_are_saved_on_lines_and_order(order, internet, consumer_eur):
    add_line(order, internet, quantity=2)

    [line] = price_order(order)

    assert line.one_time_list_price == line.one_time_amount == D("49.00")
    assert line.recurring_amount == D("39.90")
    assert line.recurring_period == "month"
    assert line.one_time_total == D("98.00")
    assert line.recurring_total == D("79.80")
    assert line.currency == "EUR"
    assert order.price_list_code == "PL_CONSUMER"
    assert order.priced_at == AT
    assert order.one_time_total == D("98.00")
    assert order.monthly_recurring_total == D("79.80")
    assert order.annual_total == D("957.60")
    assert order.total_contract_value == D("98.00") + D("79.80") * 12


def test_yearly_price_is_kept_yearly_on_the_line_and_monthly_in_totals(
    order, router, consumer_eur
):
    add_line(order, router, quantity=2)

    [line] = price_order(order)

    assert line.recurring_amount == D("36.00")
    assert line.recurring_period == "year"
    assert line.recurring_total == D("6.00")
    assert order.monthly_recurring_total == D("6.00")


def test_price_list_named_by_the_selection_policy_sets_the_currency(
    order, internet, consumer_eur
):
    price_list("PL_SPECIAL_USD", currency="USD", prices=[(internet, "one_time", "60")])
    published_table(
        "price_list_selection",
        inputs=[("customer", "text"), ("segment", "text"), ("channel", "text")],
        outputs=[("price_list", "text")],
        rows=[([order.account.number, "-", "-"], ["PL_SPECIAL_USD"])],
    )
    add_line(order, internet)

    [line] = price_order(order)

    assert order.price_list_code == "PL_SPECIAL_USD"
    assert order.currency == line.currency == "USD"
    assert line.one_time_amount == D("60.00")
    assert line.recurring_amount == D("0")


def test_price_list_falls_back_to_segment_when_the_policy_names_none(
    order, internet, consumer_eur
):
    price_list("PL_ANY", prices=[(internet, "one_time", "1")])
    published_table(
        "price_list_selection",
        inputs=[("segment", "text")],
        outputs=[("price_list", "text")],
        rows=[(["enterprise"], ["PL_ANY"])],
    )
    add_line(order, internet)

    price_order(order)

    assert order.price_list_code == "PL_CONSUMER"


def test_price_list_outside_its_validity_or_unpublished_is_not_used(order, internet):
    price_list("PL_OLD", segment="consumer", valid_to=AT - timedelta(days=1))
    price_list("PL_DRAFT", segment="consumer").__class__.objects.filter(
        code="PL_DRAFT"
    ).update(lifecycle_status=LifecycleStatus.DRAFT)
    add_line(order, internet)

    with pytest.raises(NoPriceList):
        price_order(order)


def test_no_price_list_in_the_account_currency_is_refused_and_nothing_set(
    order, internet
):
    price_list("PL_USD", currency="USD", segment="consumer")
    [line] = [add_line(order, internet)]

    with pytest.raises(NoPriceList) as raised:
        order_pricing_apply(order=order, lines=[line], at=AT)

    assert raised.value.code == "orders.no_price_list"
    assert order.price_list_code == ""
    assert order.priced_at is None


def test_frozen_prices_are_refused(order, internet, consumer_eur):
    line = add_line(order, internet)
    order.price_frozen_at = AT

    with pytest.raises(PricesFrozen) as raised:
        order_pricing_apply(order=order, lines=[line], at=AT)

    assert raised.value.code == "orders.prices_frozen"
    assert line.one_time_amount == D("0")


def test_new_offering_version_keeps_the_prices_of_its_code(
    order, internet, consumer_eur
):
    newer = ProductOfferingFactory(
        code="NET", version=2, product_specification=internet.product_specification
    )
    type(internet).objects.filter(pk=internet.pk).update(
        lifecycle_status=LifecycleStatus.RETIRED
    )
    type(newer).objects.filter(pk=newer.pk).update(
        lifecycle_status=LifecycleStatus.PUBLISHED
    )
    add_line(order, newer)

    [line] = price_order(order)

    assert line.recurring_amount == D("39.90")


def test_lines_without_offering_or_charge_price_at_zero(order, internet, consumer_eur):
    add_line(order, None, item_ref="tmf-only")
    add_line(order, internet, state=LineState.CANCELED)

    lines = price_order(order)

    assert [line.one_time_total for line in lines] == [D("0.00"), D("0.00")]
    assert all(line.adjustments[0]["kind"] == "note" for line in lines)
    assert order.one_time_total == D("0.00")


# --- matrices and adjustments from the database ------------------------------------


@pytest.fixture
def bandwidth_matrix(internet):
    published_table(
        "net_bandwidth_by_term",
        inputs=[("bandwidth", "integer"), ("contract_term", "integer")],
        outputs=[("amount", "decimal")],
        rows=[(["500", "24"], ["49.90"]), (["500", "12"], ["54.90"])],
    )
    return pricing_matrix("PM_NET", offering=internet, key="net_bandwidth_by_term")


def test_matrix_prices_the_recurring_charge_from_characteristics(
    order, internet, consumer_eur, bandwidth_matrix
):
    add_line(order, internet, characteristics={"bandwidth": 500, "contract_term": 12})

    [line] = price_order(order)

    assert line.recurring_list_price == line.recurring_amount == D("54.90")
    assert line.adjustments[0]["source"] == "PM_NET"


def test_matrix_uses_the_specification_default(
    order, internet, consumer_eur, bandwidth_matrix
):
    add_line(order, internet, characteristics={"bandwidth": "500"})

    [line] = price_order(order)

    assert line.recurring_amount == D("49.90")


def test_inactive_matrix_is_ignored(order, internet, consumer_eur, bandwidth_matrix):
    type(bandwidth_matrix).objects.update(is_active=False)
    add_line(order, internet, characteristics={"bandwidth": 500})

    [line] = price_order(order)

    assert line.recurring_amount == D("39.90")


@pytest.mark.parametrize(
    ("kind", "inputs", "condition", "line_fields", "channel"),
    [
        (
            PriceAdjustmentKind.VOLUME,
            [("quantity", "integer")],
            ">= 5",
            {"quantity": 5},
            "agent",
        ),
        (PriceAdjustmentKind.CHANNEL, [("channel", "text")], "portal", {}, "portal"),
        (PriceAdjustmentKind.CUSTOMER, [("segment", "text")], "consumer", {}, "agent"),
        (
            PriceAdjustmentKind.PROMOTION,
            [("order_date", "date")],
            ">= 2026-11-01",
            {},
            "agent",
        ),
    ],
)
def test_each_adjustment_kind_discounts_and_is_recorded(
    order, internet, consumer_eur, kind, inputs, condition, line_fields, channel
):
    published_table(
        f"adj_{kind}",
        inputs=inputs,
        outputs=[("discount_percent", "decimal")],
        rows=[([condition], ["10"])],
    )
    price_adjustment(f"ADJ_{kind}", kind=kind, key=f"adj_{kind}")
    order.channel = channel
    add_line(order, internet, **line_fields)

    [line] = price_order(order)

    assert line.recurring_amount == D("35.91")
    assert line.one_time_amount == D("44.10")
    assert line.adjustments == [
        {
            "source": f"ADJ_{kind}",
            "kind": kind,
            "name": f"Adjustment ADJ_{kind}",
            "percent": "10",
            "one_time_amount": "-4.9000",
            "recurring_amount": "-3.9900",
        }
    ]


def test_collect_promotions_sum_and_respect_offering_and_validity(
    order, internet, router, consumer_eur
):
    published_table(
        "promos",
        inputs=[("offering", "text"), ("order_date", "date")],
        outputs=[("promotion", "text"), ("discount_percent", "decimal")],
        rows=[
            (["NET", "[2026-11-01..2027-02-28]"], ["Winter", "10"]),
            (["-", "-"], ["Always", "5"]),
        ],
        hit_policy="collect",
    )
    price_adjustment(
        "ADJ_PROMO", kind="promotion", key="promos", offering_id=internet.pk
    )
    price_adjustment(
        "ADJ_EXPIRED", kind="promotion", key="promos", valid_to=AT - timedelta(days=1)
    )
    net_line, router_line = add_line(order, internet), add_line(order, router)

    net_line, router_line = price_order(order)

    assert net_line.adjustments[0]["percent"] == "15"
    assert net_line.adjustments[0]["name"] == "Winter, Always"
    assert net_line.recurring_amount == D("33.915")
    assert router_line.adjustments == []


def test_manual_threshold_adjustment_is_not_a_price_adjustment(
    order, internet, consumer_eur
):
    published_table(
        "approval_like",
        inputs=[("segment", "text")],
        outputs=[("discount_percent", "decimal")],
        rows=[(["-"], ["50"])],
    )
    price_adjustment("ADJ_MANUAL", kind="manual_threshold", key="approval_like")
    add_line(order, internet)

    [line] = price_order(order)

    assert line.adjustments == []
    assert line.recurring_amount == D("39.90")


def test_adjustment_whose_table_is_not_published_leaves_a_note(
    order, internet, consumer_eur
):
    price_adjustment("ADJ_DRAFT", kind="volume", key="nowhere")
    add_line(order, internet)

    [line] = price_order(order)

    assert line.recurring_amount == D("39.90")
    assert line.adjustments[0]["kind"] == "note"


def test_manual_discount_applies_to_every_line_with_its_reason(
    order, internet, router, consumer_eur
):
    order.discount_percent = D("25")
    order.discount_reason = "Retention offer"
    add_line(order, internet)
    add_line(order, router)

    net_line, router_line = price_order(order)

    assert net_line.recurring_amount == D("29.925")
    assert net_line.recurring_total == D("29.93")
    assert router_line.recurring_amount == D("27.00")
    assert net_line.adjustments[-1]["source"] == "manual"
    assert router_line.adjustments[-1]["name"] == "Retention offer"
    assert order.monthly_recurring_total == D("29.93") + D("2.25")


# --- roll-up and MACD --------------------------------------------------------------


def test_bundle_children_roll_up_and_order_counts_roots_only(
    order, internet, router, consumer_eur
):
    bundle = published_offering(code="BUNDLE", is_bundle=True)
    price_list_line = consumer_eur.lines.model
    price_list_line.objects.create(
        price_list=consumer_eur,
        offering=bundle,
        charge_type="one_time",
        amount=D("10"),
    )
    parent = add_line(order, bundle)
    add_line(order, internet, parent_line=parent, characteristics={"contract_term": 24})
    add_line(order, router, parent_line=parent)

    parent_line, net_line, router_line = price_order(order)

    assert parent_line.one_time_total == D("59.00")
    assert parent_line.recurring_total == D("42.90")
    assert net_line.recurring_total == D("39.90")
    assert order.one_time_total == D("59.00")
    assert order.monthly_recurring_total == D("42.90")
    assert order.total_contract_value == D("59.00") + D("39.90") * 24 + D("3.00") * 12


def test_unsaved_lines_with_parent_objects_roll_up(
    order, internet, router, consumer_eur
):
    parent = CustomerOrderLine(order=order, line_number=1, offering=router)
    child = CustomerOrderLine(order=order, line_number=2, offering=internet)
    child.parent_line = parent

    order_pricing_apply(order=order, lines=[parent, child], at=AT)

    assert parent.recurring_total == D("42.90")
    assert order.monthly_recurring_total == D("42.90")


def test_delete_line_carries_no_charge(order, internet, consumer_eur):
    line = CustomerOrderLine(
        order=order, line_number=1, offering=internet, action=LineAction.DELETE
    )

    order_pricing_apply(order=order, lines=[line], at=AT)

    assert line.recurring_total == D("0.00")
    assert "delete" in line.adjustments[0]["name"]


# --- queries -----------------------------------------------------------------------


def _queries_to_price(order, count: int, offerings) -> int:
    lines = [
        CustomerOrderLine(
            order=order,
            line_number=number,
            offering=offerings[number % len(offerings)],
            quantity=number,
            characteristics={"bandwidth": 500},
        )
        for number in range(1, count + 1)
    ]
    for line in lines:
        line.offering_id = line.offering.pk
        # as a service with lines read from the database: offerings not loaded
        CustomerOrderLine.offering.field.delete_cached_value(line)
    with CaptureQueriesContext(connection) as captured:
        order_pricing_apply(order=order, lines=lines, at=AT)
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_lines(
    order, internet, router, consumer_eur, bandwidth_matrix
):
    published_table(
        "price_list_selection",
        inputs=[("segment", "text")],
        outputs=[("price_list", "text")],
        rows=[(["consumer"], ["PL_CONSUMER"])],
    )
    published_table(
        "volume",
        inputs=[("quantity", "integer"), ("bandwidth", "integer")],
        outputs=[("discount_percent", "decimal")],
        rows=[([">= 10", "-"], ["10"])],
    )
    price_adjustment("ADJ_VOL", kind="volume", key="volume")
    price_adjustment("ADJ_NET", kind="customer", key="volume", offering_id=internet.pk)
    offerings = [internet, router]
    _queries_to_price(order, 2, offerings)  # compiles the tables once per process

    two = _queries_to_price(order, 2, offerings)
    forty = _queries_to_price(order, 40, offerings)

    assert two == forty
    assert forty <= 8


def test_warm_pricing_setup_prices_without_a_query(
    settings, order, internet, router, consumer_eur, bandwidth_matrix
):
    settings.PRICING_CATALOG_TTL_SECONDS = 60
    lines = [
        CustomerOrderLine(
            order=order,
            line_number=1,
            offering=internet,
            characteristics={"bandwidth": 500, "contract_term": 24},
        ),
        CustomerOrderLine(order=order, line_number=2, offering=router),
    ]
    order_pricing_apply(order=order, lines=lines, at=AT)

    with CaptureQueriesContext(connection) as captured:
        order_pricing_apply(order=order, lines=lines, at=AT)

    assert len(captured.captured_queries) == 0
    assert lines[0].recurring_amount == D("49.90")


def test_setup_is_read_again_when_its_time_is_up(order, internet, consumer_eur):
    # under tests the time to live is 0: every pricing sees the current setup
    line = CustomerOrderLine(order=order, line_number=1, offering=internet)
    order_pricing_apply(order=order, lines=[line], at=AT)
    published_table(
        "adj_now",
        inputs=[("segment", "text")],
        outputs=[("discount_percent", "decimal")],
        rows=[(["consumer"], ["50"])],
    )
    price_adjustment("ADJ_NOW", kind="customer", key="adj_now")

    order_pricing_apply(order=order, lines=[line], at=AT)

    assert line.recurring_amount == D("19.95")
