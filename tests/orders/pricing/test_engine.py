"""The pure pricing engine: list prices, matrices, adjustments, rounding, roll-up, totals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from decisions.compiler import compile_table
from decisions.spec import ColumnSpec, RowSpec, TableSpec
from orders.pricing.engine import (
    AdjustmentRule,
    Charge,
    DecisionRule,
    LineToPrice,
    ManualDiscount,
    MatrixRule,
    PriceListOption,
    PricingParty,
    order_price,
    price_list_choose,
)
from orders.pricing.exceptions import NoPriceList

D = Decimal
PARTY = PricingParty(
    customer="ACC0001001",
    segment="consumer",
    channel="agent",
    currency="EUR",
    order_date=date(2026, 12, 1),
)
NO_MANUAL = ManualDiscount(percent=D(0), reason="")


def rule(
    key: str,
    inputs: Sequence[tuple[str, str]],
    outputs: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Sequence[str], Sequence[Any]]],
    hit_policy: str = "first",
) -> DecisionRule:
    """Compile a table in memory (no database) into the rule the engine takes."""
    in_codes = [code for code, _ in inputs]
    out_codes = [code for code, _ in outputs]
    spec = TableSpec(
        label=key,
        hit_policy=hit_policy,
        inputs=tuple(ColumnSpec(code, data_type) for code, data_type in inputs),
        outputs=tuple(ColumnSpec(code, data_type) for code, data_type in outputs),
        rows=tuple(
            RowSpec(
                position=position,
                conditions=dict(zip(in_codes, conditions, strict=True)),
                outputs=dict(zip(out_codes, values, strict=True)),
            )
            for position, (conditions, values) in enumerate(rows, start=1)
        ),
    )
    compiled = compile_table(spec)
    return DecisionRule(
        key=key,
        hit_policy=hit_policy,
        input_codes=compiled.input_codes,
        evaluate=compiled.evaluate,
    )


def line(key: int = 0, code: str | None = "INTERNET", **fields: Any) -> LineToPrice:
    fields.setdefault("quantity", 1)
    fields.setdefault("parent_key", None)
    return LineToPrice(key=key, offering_code=code, **fields)


def price(
    lines: Sequence[LineToPrice],
    charges: dict[str, Charge],
    *,
    matrices: Sequence[MatrixRule] = (),
    adjustments: Sequence[AdjustmentRule] = (),
    manual: ManualDiscount = NO_MANUAL,
    party: PricingParty = PARTY,
):
    return order_price(
        party=party,
        lines=lines,
        charges=charges,
        matrices=matrices,
        adjustments=adjustments,
        manual=manual,
    )


def adjustment(code: str, kind: str, table: DecisionRule, offering: str = ""):
    return AdjustmentRule(
        code=code,
        name=f"{code} name",
        kind=kind,
        offering_code=offering,
        table_key=table.key,
        rule=table,
    )


BANDWIDTH = rule(
    "bandwidth_by_term",
    [("bandwidth", "integer"), ("contract_term", "integer")],
    [("amount", "decimal")],
    [(["500", "24"], ["49.90"]), (["500", "12"], ["54.90"])],
)


def matrix(table: DecisionRule | None = BANDWIDTH, **fields: Any) -> MatrixRule:
    fields.setdefault("charge_type", "recurring")
    fields.setdefault("recurring_period", "month")
    return MatrixRule(
        code=fields.pop("code", "PM_BW"),
        name="Bandwidth by term",
        offering_code="INTERNET",
        table_key="bandwidth_by_term",
        rule=table,
        **fields,
    )


# --- list prices and rounding ------------------------------------------------------


def test_list_prices_give_unit_amounts_and_totals_per_quantity():
    result = price(
        [line(quantity=2)],
        {
            "INTERNET": Charge(
                one_time=D("49.00"), recurring=D("39.90"), recurring_period="month"
            )
        },
    )

    priced = result.lines[0]
    assert priced.one_time_list_price == priced.one_time_amount == D("49.00")
    assert priced.recurring_list_price == priced.recurring_amount == D("39.90")
    assert priced.recurring_period == "month"
    assert priced.one_time_total == D("98.00")
    assert priced.recurring_total == D("79.80")
    assert priced.adjustments == ()


def test_line_total_rounds_half_up_after_multiplying_the_unrounded_amount():
    result = price([line(quantity=3)], {"INTERNET": Charge(one_time=D("33.333"))})

    assert result.lines[0].one_time_total == D("100.00")  # 99.999, not 3 x 33.33
    assert result.one_time_total == D("100.00")


def test_half_cent_rounds_up():
    result = price([line()], {"INTERNET": Charge(one_time=D("0.125"))})

    assert result.lines[0].one_time_total == D("0.13")


def test_yearly_price_counts_one_twelfth_per_month_in_totals():
    result = price(
        [line(quantity=3)],
        {"INTERNET": Charge(recurring=D("100.00"), recurring_period="year")},
    )

    priced = result.lines[0]
    assert priced.recurring_amount == D("100.00")
    assert priced.recurring_period == "year"
    assert priced.recurring_total == D("25.00")  # 100 / 12 x 3
    assert result.monthly_recurring_total == D("25.00")
    assert result.annual_total == D("300.00")


def test_offering_missing_from_the_price_list_prices_at_zero_with_a_note():
    result = price([line(code="UNLISTED")], {})

    priced = result.lines[0]
    assert priced.one_time_total == priced.recurring_total == D("0.00")
    assert [entry["kind"] for entry in priced.adjustments] == ["note"]


def test_line_without_offering_prices_at_zero_with_a_note():
    result = price([line(code=None)], {"INTERNET": Charge(one_time=D("10"))})

    priced = result.lines[0]
    assert priced.one_time_total == D("0.00")
    assert priced.adjustments[0]["kind"] == "note"
    assert "no offering" in priced.adjustments[0]["name"]


def test_line_with_a_no_charge_reason_prices_at_zero():
    result = price(
        [line(no_charge_reason="A delete line carries no charge.")],
        {
            "INTERNET": Charge(
                one_time=D("10"), recurring=D("5"), recurring_period="month"
            )
        },
    )

    assert result.lines[0].one_time_total == D("0.00")
    assert result.lines[0].recurring_total == D("0.00")
    assert result.lines[0].recurring_period == ""


# --- matrices ----------------------------------------------------------------------


def test_matrix_amount_replaces_the_recurring_list_price():
    result = price(
        [line(characteristics={"bandwidth": "500", "contract_term": 24})],
        {
            "INTERNET": Charge(
                one_time=D("49"), recurring=D("39.90"), recurring_period="month"
            )
        },
        matrices=[matrix()],
    )

    priced = result.lines[0]
    assert priced.recurring_list_price == priced.recurring_amount == D("49.90")
    assert priced.one_time_amount == D("49.00")
    assert priced.adjustments[0] == {
        "source": "PM_BW",
        "kind": "matrix",
        "name": "Bandwidth by term",
        "percent": None,
        "one_time_amount": "0.0000",
        "recurring_amount": "10.0000",
    }


def test_matrix_on_one_time_charge_replaces_the_one_time_price():
    setup = rule(
        "setup", [("bandwidth", "integer")], [("amount", "decimal")], [(["-"], ["99"])]
    )
    result = price(
        [line(characteristics={"bandwidth": 500})],
        {"INTERNET": Charge(one_time=D("49"))},
        matrices=[matrix(setup, charge_type="one_time", recurring_period="")],
    )

    assert result.lines[0].one_time_amount == D("99.00")
    assert result.lines[0].recurring_amount == D("0")


def test_matrix_prices_an_offering_that_has_no_price_list_line():
    result = price(
        [line(characteristics={"bandwidth": 500, "contract_term": 12})],
        {},
        matrices=[matrix()],
    )

    assert result.lines[0].recurring_amount == D("54.90")
    assert [e["kind"] for e in result.lines[0].adjustments] == ["matrix"]


def test_matrix_uses_the_characteristic_default_when_the_line_has_no_value():
    result = price(
        [line(characteristics={"bandwidth": 500}, defaults={"contract_term": 24})],
        {"INTERNET": Charge(recurring=D("39.90"), recurring_period="month")},
        matrices=[matrix()],
    )

    assert result.lines[0].recurring_amount == D("49.90")


def test_matrix_is_skipped_with_a_note_when_a_characteristic_has_no_value():
    result = price(
        [line(characteristics={"bandwidth": 500})],
        {"INTERNET": Charge(recurring=D("39.90"), recurring_period="month")},
        matrices=[matrix()],
    )

    priced = result.lines[0]
    assert priced.recurring_amount == D("39.90")
    assert priced.adjustments[0]["kind"] == "note"
    assert "contract_term" in priced.adjustments[0]["name"]


def test_matrix_without_a_matching_row_keeps_the_list_price():
    result = price(
        [line(characteristics={"bandwidth": 100, "contract_term": 24})],
        {"INTERNET": Charge(recurring=D("39.90"), recurring_period="month")},
        matrices=[matrix()],
    )

    assert result.lines[0].recurring_amount == D("39.90")
    assert result.lines[0].adjustments[0]["kind"] == "note"


def test_matrix_reads_quantity_from_the_line():
    by_quantity = rule(
        "by_quantity",
        [("quantity", "integer")],
        [("amount", "decimal")],
        [([">= 10"], ["8"]), (["-"], ["10"])],
    )
    result = price(
        [line(quantity=10)],
        {"INTERNET": Charge(recurring=D("12"), recurring_period="month")},
        matrices=[matrix(by_quantity)],
    )

    assert result.lines[0].recurring_total == D("80.00")


def test_matrix_of_an_unpublished_table_is_skipped_with_a_note():
    result = price(
        [line(characteristics={"bandwidth": 500, "contract_term": 24})],
        {"INTERNET": Charge(recurring=D("39.90"), recurring_period="month")},
        matrices=[matrix(None)],
    )

    assert result.lines[0].recurring_amount == D("39.90")
    assert "not published" in result.lines[0].adjustments[0]["name"]


# --- adjustments -------------------------------------------------------------------

VOLUME = rule(
    "volume",
    [("quantity", "integer")],
    [("discount_percent", "decimal")],
    [([">= 10"], ["10"]), (["[5..9]"], ["5"])],
)
CHANNEL = rule(
    "channel",
    [("channel", "text")],
    [("discount_percent", "decimal")],
    [(["portal"], ["5"])],
)
CUSTOMER = rule(
    "customer",
    [("customer", "text"), ("segment", "text")],
    [("discount_percent", "decimal")],
    [(["ACC0001001", "-"], ["20"])],
)
PROMOTIONS = rule(
    "promotions",
    [("offering", "text"), ("order_date", "date")],
    [("promotion", "text"), ("discount_percent", "decimal")],
    [
        (["INTERNET", "[2026-11-01..2027-02-28]"], ["Winter", "10"]),
        (["-", ">= 2026-12-01"], ["December", "5"]),
        (["TV", "-"], ["TV only", "50"]),
    ],
    hit_policy="collect",
)
LIST = {
    "INTERNET": Charge(one_time=D("100"), recurring=D("40"), recurring_period="month")
}


def test_volume_discount_applies_from_its_quantity_to_both_charges():
    result = price(
        [line(quantity=5)], LIST, adjustments=[adjustment("ADJ_VOL", "volume", VOLUME)]
    )

    priced = result.lines[0]
    assert priced.one_time_amount == D("95.00")
    assert priced.recurring_amount == D("38.00")
    assert priced.one_time_list_price == D("100.00")
    assert priced.adjustments == (
        {
            "source": "ADJ_VOL",
            "kind": "volume",
            "name": "ADJ_VOL name",
            "percent": "5",
            "one_time_amount": "-5.0000",
            "recurring_amount": "-2.0000",
        },
    )


def test_volume_discount_does_not_apply_below_its_quantity():
    result = price(
        [line(quantity=4)], LIST, adjustments=[adjustment("ADJ_VOL", "volume", VOLUME)]
    )

    assert result.lines[0].recurring_amount == D("40.00")
    assert result.lines[0].adjustments == ()


def test_channel_discount_applies_to_its_channel_only():
    portal = PricingParty(**{**PARTY.__dict__, "channel": "portal"})
    adjustments = [adjustment("ADJ_CH", "channel", CHANNEL)]

    on_portal = price([line()], LIST, adjustments=adjustments, party=portal)
    by_agent = price([line()], LIST, adjustments=adjustments)

    assert on_portal.lines[0].recurring_amount == D("38.00")
    assert by_agent.lines[0].recurring_amount == D("40.00")


def test_customer_discount_matches_the_account_number():
    other = PricingParty(**{**PARTY.__dict__, "customer": "ACC0009999"})
    adjustments = [adjustment("ADJ_CUST", "customer", CUSTOMER)]

    mine = price([line()], LIST, adjustments=adjustments)
    theirs = price([line()], LIST, adjustments=adjustments, party=other)

    assert mine.lines[0].recurring_amount == D("32.00")
    assert mine.lines[0].adjustments[0]["kind"] == "customer"
    assert theirs.lines[0].recurring_amount == D("40.00")


def test_collect_promotions_add_up_the_percents_of_every_matched_row():
    result = price(
        [line()], LIST, adjustments=[adjustment("ADJ_PROMO", "promotion", PROMOTIONS)]
    )

    priced = result.lines[0]
    assert priced.recurring_amount == D("34.00")  # 40 less 10 % + 5 %
    assert priced.adjustments[0]["percent"] == "15"
    assert priced.adjustments[0]["name"] == "Winter, December"


def test_promotion_outside_its_dates_does_not_apply():
    autumn = PricingParty(**{**PARTY.__dict__, "order_date": date(2026, 10, 1)})

    result = price(
        [line()],
        LIST,
        adjustments=[adjustment("ADJ_PROMO", "promotion", PROMOTIONS)],
        party=autumn,
    )

    assert result.lines[0].recurring_amount == D("40.00")


def test_adjustments_compound_in_the_given_order():
    portal = PricingParty(**{**PARTY.__dict__, "channel": "portal"})

    result = price(
        [line(quantity=10)],
        LIST,
        adjustments=[
            adjustment("ADJ_VOL", "volume", VOLUME),
            adjustment("ADJ_CH", "channel", CHANNEL),
        ],
        party=portal,
    )

    priced = result.lines[0]
    assert priced.recurring_amount == D("34.20")  # 40 x 0.9 x 0.95
    assert [e["source"] for e in priced.adjustments] == ["ADJ_VOL", "ADJ_CH"]
    assert priced.adjustments[1]["recurring_amount"] == "-1.8000"


def test_adjustment_for_another_offering_does_not_apply():
    result = price(
        [line(quantity=10)],
        LIST,
        adjustments=[adjustment("ADJ_VOL", "volume", VOLUME, offering="TV")],
    )

    assert result.lines[0].adjustments == ()


def test_adjustment_reads_line_characteristics_and_none_when_absent():
    static_ip = rule(
        "static_ip",
        [("static_ip", "boolean")],
        [("discount_percent", "decimal")],
        [(["true"], ["10"])],
    )
    adjustments = [adjustment("ADJ_IP", "customer", static_ip)]

    with_ip = price(
        [line(characteristics={"static_ip": True})], LIST, adjustments=adjustments
    )
    without = price([line()], LIST, adjustments=adjustments)

    assert with_ip.lines[0].recurring_amount == D("36.00")
    assert without.lines[0].adjustments == ()


def test_manual_discount_applies_after_the_adjustments_with_its_reason():
    result = price(
        [line(quantity=10)],
        LIST,
        adjustments=[adjustment("ADJ_VOL", "volume", VOLUME)],
        manual=ManualDiscount(percent=D("12.5"), reason="Loyal customer"),
    )

    priced = result.lines[0]
    assert priced.recurring_amount == D("31.50")  # 40 x 0.9 x 0.875
    assert priced.adjustments[-1] == {
        "source": "manual",
        "kind": "manual",
        "name": "Loyal customer",
        "percent": "12.5",
        "one_time_amount": "-11.2500",
        "recurring_amount": "-4.5000",
    }


def test_intermediate_amounts_stay_unrounded_until_the_line_total():
    third = rule(
        "third",
        [("quantity", "integer")],
        [("discount_percent", "decimal")],
        [(["-"], ["33.3333"])],
    )

    result = price(
        [line(quantity=3)],
        {"INTERNET": Charge(one_time=D("10.00"))},
        adjustments=[adjustment("ADJ_THIRD", "customer", third)],
    )

    # 10 x 0.666667 = 6.66667 a unit; 3 units = 20.00001 -> 20.00 (3 x 6.67 would be 20.01)
    assert result.lines[0].one_time_total == D("20.00")
    assert result.lines[0].one_time_amount == D("6.6667")


# --- roll-up and totals ------------------------------------------------------------

CATALOG = {
    "BUNDLE": Charge(one_time=D("10"), recurring=D("1"), recurring_period="month"),
    "INTERNET": Charge(
        one_time=D("49"), recurring=D("39.90"), recurring_period="month"
    ),
    "ROUTER": Charge(recurring=D("3"), recurring_period="month"),
    "TV": Charge(one_time=D("19"), recurring=D("14.90"), recurring_period="month"),
}


def bundle_lines() -> list[LineToPrice]:
    return [
        line(0, "BUNDLE"),
        line(1, "INTERNET", parent_key=0, characteristics={"contract_term": "24"}),
        line(2, "ROUTER", parent_key=0, quantity=2),
        line(3, "TV", parent_key=1),  # a grandchild
        line(4, "TV"),  # a second root
    ]


def test_bundle_parent_totals_its_own_and_every_descendant():
    result = price(bundle_lines(), CATALOG)

    parent, internet, router, tv_child, _ = result.lines
    assert tv_child.one_time_total == D("19.00")
    assert internet.one_time_total == D("68.00")  # 49 + 19
    assert internet.recurring_total == D("54.80")  # 39.90 + 14.90
    assert router.recurring_total == D("6.00")
    assert parent.one_time_total == D("78.00")  # 10 + 68
    assert parent.recurring_total == D("61.80")  # 1 + 54.80 + 6
    assert parent.own_recurring_total == D("1.00")


def test_order_totals_count_root_lines_only():
    result = price(bundle_lines(), CATALOG)

    assert result.one_time_total == D("97.00")  # 78 + 19
    assert result.monthly_recurring_total == D("76.70")  # 61.80 + 14.90
    assert result.annual_total == D("920.40")


def test_contract_value_uses_each_line_term_inherited_from_its_parent_else_twelve():
    result = price(bundle_lines(), CATALOG)

    # bundle 1/month x 12; internet 39.90 x 24; its TV child inherits 24; router 6 x 12;
    # the root TV line has no term: 12.
    expected = (
        D("97.00")
        + D("1") * 12
        + D("39.90") * 24
        + D("14.90") * 24
        + D("6") * 12
        + D("14.90") * 12
    )
    assert result.total_contract_value == expected


def test_order_with_a_child_whose_parent_is_not_priced_counts_it_as_root():
    result = price([line(1, "TV", parent_key=99)], CATALOG)

    assert result.one_time_total == D("19.00")


# --- price list choice -------------------------------------------------------------

OPTIONS = [
    PriceListOption(1, "PL_ANY_EUR", "EUR", ""),
    PriceListOption(2, "PL_CONSUMER_EUR", "EUR", "consumer"),
    PriceListOption(3, "PL_BUSINESS_USD", "USD", "small_business"),
    PriceListOption(4, "PL_A_BUSINESS_EUR", "EUR", "small_business"),
]
SELECTION = rule(
    "price_list_selection",
    [
        ("customer", "text"),
        ("segment", "text"),
        ("channel", "text"),
        ("currency", "text"),
    ],
    [("price_list", "text")],
    [
        (["ACC0001001", "-", "-", "-"], ["PL_BUSINESS_USD"]),
        (["-", "-", "portal", "-"], ["PL_RETIRED"]),
    ],
)


def test_price_list_named_by_the_selection_table_wins():
    chosen = price_list_choose(options=OPTIONS, selection=SELECTION, party=PARTY)

    assert chosen.code == "PL_BUSINESS_USD"


@pytest.mark.parametrize(
    ("segment", "channel", "expected"),
    [
        (
            "consumer",
            "agent",
            "PL_CONSUMER_EUR",
        ),  # no row matches: segment and currency
        ("consumer", "portal", "PL_CONSUMER_EUR"),  # the named list is not available
        ("enterprise", "agent", "PL_ANY_EUR"),  # a list for every segment
    ],
)
def test_price_list_falls_back_to_segment_and_currency(segment, channel, expected):
    party = PricingParty(
        **{
            **PARTY.__dict__,
            "customer": "ACC0002000",
            "segment": segment,
            "channel": channel,
        }
    )

    assert (
        price_list_choose(options=OPTIONS, selection=SELECTION, party=party).code
        == expected
    )


def test_price_list_falls_back_to_any_list_in_the_currency():
    options = [o for o in OPTIONS if o.segment != ""]
    party = PricingParty(**{**PARTY.__dict__, "segment": "wholesale"})

    chosen = price_list_choose(options=options, selection=None, party=party)

    assert chosen.code == "PL_A_BUSINESS_EUR"


def test_no_price_list_in_the_account_currency_is_refused():
    party = PricingParty(**{**PARTY.__dict__, "currency": "GBP"})

    with pytest.raises(NoPriceList) as raised:
        price_list_choose(options=OPTIONS, selection=None, party=party)

    assert raised.value.code == "orders.no_price_list"


def test_characteristic_of_the_wrong_type_skips_the_matrix_with_a_note():
    result = price(
        [line(characteristics={"bandwidth": "fast", "contract_term": 24})],
        {"INTERNET": Charge(recurring=D("39.90"), recurring_period="month")},
        matrices=[matrix()],
    )

    assert result.lines[0].recurring_amount == D("39.90")
    assert "bandwidth" in result.lines[0].adjustments[0]["name"]


def test_characteristic_of_the_wrong_type_skips_the_adjustment_with_a_note():
    static_ip = rule(
        "static_ip",
        [("static_ip", "boolean")],
        [("discount_percent", "decimal")],
        [(["true"], ["10"])],
    )

    result = price(
        [line(characteristics={"static_ip": "maybe"})],
        LIST,
        adjustments=[adjustment("ADJ_IP", "customer", static_ip)],
    )

    assert result.lines[0].recurring_amount == D("40.00")
    assert result.lines[0].adjustments[0]["kind"] == "note"


BUNDLE_PROMOTIONS = rule(
    "bundle_promotions",
    [("offering", "text")],
    [("promotion", "text"), ("discount_percent", "decimal")],
    [(["BUNDLE"], ["Bundle deal", "10"]), (["TV"], ["TV deal", "50"])],
    hit_policy="collect",
)


def test_adjustment_matched_by_a_bundle_covers_its_descendants():
    bundle_only = rule(
        "bundle_only",
        [("offering", "text")],
        [("discount_percent", "decimal")],
        [(["BUNDLE"], ["10"])],
    )

    result = price(
        bundle_lines(),
        CATALOG,
        adjustments=[adjustment("ADJ_BUNDLE", "promotion", bundle_only, "BUNDLE")],
    )

    parent, internet, router, tv_child, tv_root = result.lines
    assert internet.recurring_amount == D("35.91")  # 39.90 less the bundle's 10 %
    assert router.adjustments[0]["name"] == "ADJ_BUNDLE name"
    assert tv_child.one_time_amount == D("17.10")  # a grandchild inherits too
    assert tv_root.adjustments == ()  # outside the bundle; the adjustment is BUNDLE's
    assert parent.one_time_amount == D("9.00")


def test_descendant_own_match_wins_over_the_bundle_match():
    result = price(
        bundle_lines(),
        CATALOG,
        adjustments=[adjustment("ADJ_PROMO", "promotion", BUNDLE_PROMOTIONS)],
    )

    _, internet, _, tv_child, tv_root = result.lines
    assert internet.adjustments[0]["percent"] == "10"
    assert tv_child.adjustments[0]["percent"] == "50"
    assert tv_child.recurring_amount == D("7.45")
    assert tv_root.adjustments[0]["name"] == "TV deal"
