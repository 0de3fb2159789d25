"""The pricing computation: plain values in, plain values out, no ORM and no clock.

Money is Decimal. Unit amounts and adjustments are computed unrounded; each line's own
totals are rounded ROUND_HALF_UP to 2 decimals, and parents and the order add those
rounded totals, so every displayed total is the sum of the totals shown under it.
Decision tables arrive as `DecisionRule`s whose `evaluate` is the compiled, cached
function of the decisions app (pure Python once compiled).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from decisions.exceptions import DecisionInputTypeMismatch
from orders.pricing.exceptions import NoPriceList
from orders.pricing.rollup import lines_parents_first, order_roll_up
from orders.pricing.values import (
    CONTRACT_TERM,
    HUNDRED,
    KIND_MANUAL,
    KIND_MATRIX,
    KIND_NOTE,
    MONTH,
    MONTHS_PER_YEAR,
    ONE_TIME,
    SOURCE_MANUAL,
    SOURCE_PRICING,
    YEAR,
    ZERO,
    AdjustmentRule,
    Charge,
    DecisionRule,
    LinePrice,
    LineToPrice,
    ManualDiscount,
    MatrixRule,
    OrderPrice,
    PriceListOption,
    PricingParty,
    money_round,
    unit_round,
)

__all__ = [
    "AdjustmentRule",
    "Charge",
    "DecisionRule",
    "LinePrice",
    "LineToPrice",
    "ManualDiscount",
    "MatrixRule",
    "OrderPrice",
    "PriceListOption",
    "PricingParty",
    "order_price",
    "price_list_choose",
]

_MISSING = object()


# --- price list --------------------------------------------------------------------


def price_list_choose(
    *,
    options: Sequence[PriceListOption],
    selection: DecisionRule | None,
    party: PricingParty,
) -> PriceListOption:
    """Pick the price list the policy names; else fall back by segment and currency."""
    by_code = {option.code: option for option in options}
    if selection is not None:
        values = _rule_inputs(selection, _party_vocabulary(party), {}, {})
        outputs = _first_outputs(selection.evaluate(_missing_as_none(values)))
        chosen = by_code.get(str(outputs.get("price_list") or ""))
        if chosen is not None:
            return chosen
    in_currency = [o for o in options if o.currency == party.currency]
    for candidates in (
        [o for o in in_currency if o.segment == party.segment],
        [o for o in in_currency if o.segment == ""],
        in_currency,
    ):
        if candidates:
            return min(candidates, key=lambda option: option.code)
    raise NoPriceList(
        f"No published price list for segment {party.segment} in {party.currency}.",
        segment=party.segment,
        currency=party.currency,
    )


# --- the order ---------------------------------------------------------------------


def order_price(
    *,
    party: PricingParty,
    lines: Sequence[LineToPrice],
    charges: Mapping[str, Charge],
    matrices: Sequence[MatrixRule],
    adjustments: Sequence[AdjustmentRule],
    manual: ManualDiscount,
) -> OrderPrice:
    """Price every line, roll children up into bundle parents and total the order.

    Parents are priced before their children: an adjustment that matched a bundle line
    covers its descendants too, unless a descendant's own evaluation of it matched.
    """
    vocabulary = _party_vocabulary(party)
    keys = {line.key for line in lines}
    by_key = {line.key: line for line in lines}
    codes_above: dict[int, frozenset[str]] = {}
    matches: dict[int, dict[str, _Match]] = {}
    own: dict[int, LinePrice] = {}
    for line in lines_parents_first(lines):
        parent = line.parent_key if line.parent_key in keys else None
        above = (
            codes_above[parent] | {by_key[parent].offering_code or ""}
            if parent is not None
            else frozenset()
        )
        codes_above[line.key] = above
        own[line.key], matches[line.key] = _line_price_own(
            line=line,
            charge=charges.get(line.offering_code or ""),
            matrices=[m for m in matrices if m.offering_code == line.offering_code],
            adjustments=[
                a
                for a in adjustments
                if a.offering_code in {"", line.offering_code} | above
            ],
            inherited=matches[parent] if parent is not None else {},
            manual=manual,
            vocabulary=vocabulary,
        )
    return order_roll_up(lines=lines, own=own)


@dataclass(frozen=True)
class _Match:
    """What one adjustment decided for a line: the percent and the name to record."""

    percent: Decimal
    name: str


@dataclass
class _Amounts:
    one_time: Decimal
    recurring: Decimal
    recurring_period: str


def _line_price_own(
    *,
    line: LineToPrice,
    charge: Charge | None,
    matrices: Sequence[MatrixRule],
    adjustments: Sequence[AdjustmentRule],
    inherited: Mapping[str, _Match],
    manual: ManualDiscount,
    vocabulary: Mapping[str, Any],
) -> tuple[LinePrice, dict[str, _Match]]:
    entries: list[dict[str, Any]] = []
    if line.no_charge_reason or not line.offering_code:
        reason = line.no_charge_reason or "The line names no offering; priced at zero."
        entries.append(_note(SOURCE_PRICING, reason))
        nothing = _Amounts(ZERO, ZERO, "")
        return _line_result(line, nothing, nothing, entries), dict(inherited)
    inputs = {**vocabulary, "offering": line.offering_code, "quantity": line.quantity}
    listed = _Amounts(
        one_time=ZERO if charge is None or charge.one_time is None else charge.one_time,
        recurring=ZERO
        if charge is None or charge.recurring is None
        else charge.recurring,
        recurring_period="" if charge is None else charge.recurring_period,
    )
    matrix_types = _matrices_apply(line, matrices, inputs, listed, entries)
    if charge is None and not matrix_types:
        entries.append(
            _note(SOURCE_PRICING, "The price list has no price for this offering.")
        )
    amounts = _Amounts(listed.one_time, listed.recurring, listed.recurring_period)
    matched: dict[str, _Match] = {}
    for adjustment in adjustments:
        match = _adjustment_match(line, adjustment, inputs, entries)
        match = match or inherited.get(adjustment.code)
        if match is None:
            continue
        matched[adjustment.code] = match
        entries.append(
            _discount(
                amounts,
                percent=match.percent,
                source=adjustment.code,
                kind=adjustment.kind,
                name=match.name,
            )
        )
    if manual.percent:
        entries.append(
            _discount(
                amounts,
                percent=manual.percent,
                source=SOURCE_MANUAL,
                kind=KIND_MANUAL,
                name=manual.reason or "Manual discount",
            )
        )
    return _line_result(line, listed, amounts, entries), matched


def _matrices_apply(
    line: LineToPrice,
    matrices: Sequence[MatrixRule],
    inputs: Mapping[str, Any],
    listed: _Amounts,
    entries: list[dict[str, Any]],
) -> set[str]:
    """Replace list prices by matrix amounts; the first matching matrix per charge wins."""
    decided: set[str] = set()
    for matrix in matrices:
        if matrix.charge_type in decided:
            continue
        if matrix.rule is None:
            entries.append(
                _note(matrix.code, f"Table {matrix.table_key} is not published.")
            )
            continue
        values = _rule_inputs(matrix.rule, inputs, line.characteristics, line.defaults)
        missing = [code for code, value in values.items() if value is _MISSING]
        if missing:
            entries.append(
                _note(
                    matrix.code, f"Matrix skipped: no value for {', '.join(missing)}."
                )
            )
            continue
        try:
            result = matrix.rule.evaluate(values)
        except DecisionInputTypeMismatch as exc:
            entries.append(_note(matrix.code, f"Matrix skipped: {exc.message}"))
            continue
        amount = _first_outputs(result).get("amount")
        if amount is None:
            entries.append(
                _note(matrix.code, "No matrix row matched; list price kept.")
            )
            continue
        amount = Decimal(amount)
        if matrix.charge_type == ONE_TIME:
            delta_one_time, delta_recurring = amount - listed.one_time, ZERO
            listed.one_time = amount
        else:
            delta_one_time, delta_recurring = ZERO, amount - listed.recurring
            listed.recurring = amount
            listed.recurring_period = matrix.recurring_period or MONTH
        decided.add(matrix.charge_type)
        entries.append(
            _entry(
                source=matrix.code,
                kind=KIND_MATRIX,
                name=matrix.name,
                percent=None,
                one_time=delta_one_time,
                recurring=delta_recurring,
            )
        )
    return decided


def _adjustment_match(
    line: LineToPrice,
    adjustment: AdjustmentRule,
    inputs: Mapping[str, Any],
    entries: list[dict[str, Any]],
) -> _Match | None:
    """Evaluate one adjustment on the line; None when it does not apply."""
    if adjustment.rule is None:
        entries.append(
            _note(adjustment.code, f"Table {adjustment.table_key} is not published.")
        )
        return None
    values = _rule_inputs(adjustment.rule, inputs, line.characteristics, line.defaults)
    try:
        result = adjustment.rule.evaluate(_missing_as_none(values))
    except DecisionInputTypeMismatch as exc:
        entries.append(_note(adjustment.code, f"Adjustment skipped: {exc.message}"))
        return None
    if not result.matched:
        return None
    rows = result.outputs if isinstance(result.outputs, list) else [result.outputs]
    percent = sum(
        (
            Decimal(row["discount_percent"])
            for row in rows
            if row.get("discount_percent")
        ),
        ZERO,
    )
    if not percent:
        return None
    promotions = [str(row["promotion"]) for row in rows if row.get("promotion")]
    return _Match(percent=percent, name=", ".join(promotions) or adjustment.name)


def _discount(
    amounts: _Amounts, *, percent: Decimal, source: str, kind: str, name: str
) -> dict[str, Any]:
    """Take `percent` off both unit amounts (a negative percent is a surcharge)."""
    factor = max(ZERO, 1 - percent / HUNDRED)
    one_time, recurring = amounts.one_time * factor, amounts.recurring * factor
    entry = _entry(
        source=source,
        kind=kind,
        name=name,
        percent=percent,
        one_time=one_time - amounts.one_time,
        recurring=recurring - amounts.recurring,
    )
    amounts.one_time, amounts.recurring = one_time, recurring
    return entry


def _line_result(
    line: LineToPrice,
    listed: _Amounts,
    amounts: _Amounts,
    entries: list[dict[str, Any]],
) -> LinePrice:
    monthly = amounts.recurring
    if amounts.recurring_period == YEAR:
        monthly = amounts.recurring / MONTHS_PER_YEAR
    one_time_total = money_round(amounts.one_time * line.quantity)
    recurring_total = money_round(monthly * line.quantity)
    return LinePrice(
        key=line.key,
        one_time_list_price=unit_round(listed.one_time),
        recurring_list_price=unit_round(listed.recurring),
        one_time_amount=unit_round(amounts.one_time),
        recurring_amount=unit_round(amounts.recurring),
        recurring_period=amounts.recurring_period if amounts.recurring else "",
        adjustments=tuple(entries),
        one_time_total=one_time_total,
        recurring_total=recurring_total,
        own_one_time_total=one_time_total,
        own_recurring_total=recurring_total,
        term_months=_term_months(line.characteristics.get(CONTRACT_TERM)),
    )


def _term_months(value: Any) -> int:
    """The contract term of a line in months; 0 when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return 0
    try:
        months = int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        return 0
    return max(months, 0)


def _party_vocabulary(party: PricingParty) -> dict[str, Any]:
    return {
        "customer": party.customer,
        "segment": party.segment,
        "channel": party.channel,
        "currency": party.currency,
        "order_date": party.order_date,
    }


def _rule_inputs(
    rule: DecisionRule,
    vocabulary: Mapping[str, Any],
    characteristics: Mapping[str, Any],
    defaults: Mapping[str, Any],
) -> dict[str, Any]:
    """Fill every input column: the vocabulary first, then the line's characteristic,
    then the characteristic's default; `_MISSING` when none has it."""
    values: dict[str, Any] = {}
    for code in rule.input_codes:
        if code in vocabulary:
            values[code] = vocabulary[code]
        elif characteristics.get(code) is not None:
            values[code] = characteristics[code]
        elif defaults.get(code) is not None:
            values[code] = defaults[code]
        else:
            values[code] = _MISSING
    return values


def _missing_as_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """Adjustments and the price-list policy read an absent value as None, so only the
    rows that do not test that column can match."""
    return {
        code: None if value is _MISSING else value for code, value in values.items()
    }


def _first_outputs(result: Any) -> Mapping[str, Any]:
    outputs = result.outputs
    if isinstance(outputs, list):
        return outputs[0] if outputs else {}
    return outputs


def _entry(
    *,
    source: str,
    kind: str,
    name: str,
    percent: Decimal | None,
    one_time: Decimal,
    recurring: Decimal,
) -> dict[str, Any]:
    return {
        "source": source,
        "kind": kind,
        "name": name,
        "percent": None if percent is None else str(percent),
        "one_time_amount": str(unit_round(one_time)),
        "recurring_amount": str(unit_round(recurring)),
    }


def _note(source: str, text: str) -> dict[str, Any]:
    return _entry(
        source=source,
        kind=KIND_NOTE,
        name=text,
        percent=None,
        one_time=ZERO,
        recurring=ZERO,
    )
