"""Pricing of customer orders: `order_pricing_apply(order=, lines=, at=)` sets the price
fields in memory (the caller saves PRICE_FIELDS_ORDER / PRICE_FIELDS_LINE).

Modules: `values` (plain dataclasses, constants, rounding), `engine` (the pure
computation), `rollup` (bundle parents and order totals), `loader` (catalog and decision
data in a fixed number of queries, cached per process: the setup for
PRICING_CATALOG_TTL_SECONDS, default 5 s and 0 under tests; a published price list's
prices for good), `apply` (ties them together on the models).

Rules:
- Price list: table `price_list_selection` (customer, segment, channel, currency) names a
  published list valid at `at`; else a list in the account currency for the account
  segment, then one for every segment (blank), then any (by code); else NoPriceList.
  The order and its lines take the list's currency.
- List prices match the line's offering by CODE. Recurring amounts stay in their period
  (month / year) on the line; totals are monthly (a yearly price counts 1/12).
- Matrices (active, same offering code, by code): inputs from the vocabulary, then the
  line's characteristics, then the specification defaults; `amount` replaces the list
  price of the matrix's charge; the first matching matrix per charge wins. A missing or
  mistyped input, no matching row or an unpublished table skips it with a note.
- Adjustments (active, valid at `at`, global or same offering code, by priority then
  code; manual_threshold skipped): inputs offering, quantity, channel, segment, customer,
  currency, order_date and characteristics (None when absent); `discount_percent` (summed
  over the rows of a collect table) comes off BOTH the one-time and the recurring unit
  amounts, compounding in that order; a negative percent is a surcharge. Then the
  order's manual discount (source "manual", name = discount reason).
- Every entry in a line's `adjustments`: {source, kind, name, percent, one_time_amount,
  recurring_amount}, the amounts being the signed change per unit (4 decimals); kind
  "matrix" for matrix prices and "note" for remarks (percent None, amounts 0).
- Lines without an offering, canceled lines and lines whose action is not add / change
  price at zero with a note.
- Rounding: unit amounts unrounded until each line's own totals (x quantity,
  ROUND_HALF_UP to cents); stored unit amounts are rounded to 4 decimals. Bundle parents
  total their own and every descendant's totals; the order totals its root lines.
  annual = monthly x 12; contract value = sum over lines of one-time + monthly x term,
  term = the line's `contract_term` (months), else its parent's, else 12.
"""

from orders.pricing.apply import (
    PRICE_FIELDS_LINE,
    PRICE_FIELDS_ORDER,
    order_pricing_apply,
)
from orders.pricing.exceptions import NoPriceList, PricesFrozen, PricingErrorCode

__all__ = [
    "PRICE_FIELDS_LINE",
    "PRICE_FIELDS_ORDER",
    "NoPriceList",
    "PricesFrozen",
    "PricingErrorCode",
    "order_pricing_apply",
]
