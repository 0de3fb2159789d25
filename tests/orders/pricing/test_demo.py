"""End to end on the demo data: a consumer's fiber internet priced from the matrix."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalog.models import LifecycleStatus, ProductOffering
from fixtures.demo.load import demo_load
from orders.models import Account, CustomerOrder, CustomerOrderLine, OrderChannel
from orders.pricing import order_pricing_apply

pytestmark = pytest.mark.django_db

# Outside the demo winter promotion, so only the matrix and list prices apply.
AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_demo_jane_doe_fiber_internet_priced_from_the_matrix():
    # given
    demo_load()
    account = Account.objects.get(name="Jane Doe")
    offering = ProductOffering.objects.get(
        code="OFF_FIBER_INTERNET", lifecycle_status=LifecycleStatus.PUBLISHED
    )
    order = CustomerOrder(account=account, channel=OrderChannel.AGENT)
    line = CustomerOrderLine(
        order=order,
        line_number=1,
        offering=offering,
        quantity=1,
        characteristics={"bandwidth": 500, "contract_term": 24},
    )

    # when
    order_pricing_apply(order=order, lines=[line], at=AT)

    # then
    assert order.price_list_code == "PL_CONSUMER_EUR"
    assert order.currency == "EUR"
    assert line.recurring_list_price == Decimal("49.90")
    assert line.recurring_amount == Decimal("49.90")
    assert line.recurring_period == "month"
    assert line.one_time_list_price == Decimal("49.00")
    assert line.one_time_total == Decimal("49.00")
    assert line.recurring_total == Decimal("49.90")
    assert order.monthly_recurring_total == Decimal("49.90")
    assert order.one_time_total == Decimal("49.00")
    assert order.annual_total == Decimal("598.80")
    assert order.total_contract_value == Decimal("49.00") + Decimal("49.90") * 24
    assert [entry["kind"] for entry in line.adjustments] == ["matrix"]
    assert line.adjustments[0]["recurring_amount"] == "10.0000"


def test_demo_fiber_bundle_in_the_winter_promotion():
    # given
    demo_load()
    account = Account.objects.get(name="Jane Doe")
    offerings = {
        offering.code: offering
        for offering in ProductOffering.objects.filter(
            lifecycle_status=LifecycleStatus.PUBLISHED
        )
    }
    order = CustomerOrder(account=account, channel=OrderChannel.PORTAL)
    bundle = CustomerOrderLine(
        order=order, line_number=1, offering=offerings["OFF_FIBER_HOME_BUNDLE"]
    )
    children = [
        CustomerOrderLine(
            order=order,
            line_number=number,
            offering=offerings[code],
            parent_line=bundle,
            characteristics=characteristics,
        )
        for number, (code, characteristics) in enumerate(
            [
                ("OFF_FIBER_INTERNET", {"bandwidth": 500, "contract_term": 24}),
                ("OFF_WIFI_ROUTER", {}),
                ("OFF_FIBER_TV", {}),
            ],
            start=2,
        )
    ]

    # when
    order_pricing_apply(
        order=order,
        lines=[bundle, *children],
        at=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    )

    # then: portal 5 % on every line; the winter bundle 10 % covers the bundle's lines
    # except TV, whose own winter TV promotion (50 %) matched and wins
    internet, router, tv = children
    assert internet.recurring_amount == Decimal("42.6645")  # 49.90 x 0.95 x 0.90
    assert internet.recurring_total == Decimal("42.66")
    assert router.recurring_total == Decimal("2.57")  # 3.00 x 0.95 x 0.90 = 2.565
    assert tv.recurring_amount == Decimal("7.0775")  # 14.90 x 0.95 x 0.50
    assert [entry["source"] for entry in tv.adjustments] == [
        "ADJ_CHANNEL",
        "ADJ_WINTER_PROMO",
    ]
    assert tv.adjustments[1]["name"] == "Winter TV"
    assert internet.adjustments[-1]["name"] == "Winter bundle"
    assert bundle.recurring_total == Decimal("52.31")  # 0 + 42.66 + 2.57 + 7.08
    assert order.monthly_recurring_total == Decimal("52.31")
    # one-time: internet 49 x 0.95 x 0.90 = 41.895; TV 19 x 0.95 x 0.50 = 9.025
    assert order.one_time_total == bundle.one_time_total == Decimal("50.93")
