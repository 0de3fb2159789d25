"""Business refusals of the decomposition app, each with a stable code."""

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class DecompositionErrorCode(StrEnum):
    ORDER_NOT_DECOMPOSABLE = "order_not_decomposable"
    LINE_NOT_DECOMPOSABLE = "line_not_decomposable"
    CHILDREN_OPEN = "domain_order_children_open"


class OrderNotDecomposable(DomainError):
    """Only an acknowledged (or in-progress) order is decomposed."""

    code = DecompositionErrorCode.ORDER_NOT_DECOMPOSABLE


class LineNotDecomposable(DomainError):
    """A line has no specification, or a MACD line has no inventory item to act on."""

    code = DecompositionErrorCode.LINE_NOT_DECOMPOSABLE


class DomainOrderChildrenOpen(DomainError):
    """A domain order closes only after its children's domain orders are over."""

    code = DecompositionErrorCode.CHILDREN_OPEN
