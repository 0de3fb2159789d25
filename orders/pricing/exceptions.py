"""Refusals of order pricing, each with a stable code."""

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class PricingErrorCode(StrEnum):
    PRICES_FROZEN = "orders.prices_frozen"
    NO_PRICE_LIST = "orders.no_price_list"


class PricesFrozen(DomainError):
    """An approved order keeps the prices it was approved with."""

    code = PricingErrorCode.PRICES_FROZEN


class NoPriceList(DomainError):
    """No published price list fits the customer (policy, segment or currency)."""

    code = PricingErrorCode.NO_PRICE_LIST
