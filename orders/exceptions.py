"""Business refusals of the orders app, each with a stable code."""

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class OrdersErrorCode(StrEnum):
    ORDER_NOT_EDITABLE = "order_not_editable"
    SELF_APPROVAL = "self_approval"
    ACCOUNT_SUSPENDED = "account_suspended"
    ALREADY_PORTAL_USER = "already_portal_user"
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"


class OrderNotEditable(DomainError):
    """Lines change only while the order is a draft."""

    code = OrdersErrorCode.ORDER_NOT_EDITABLE


class SelfApprovalForbidden(DomainError):
    """Four eyes: whoever captured an order may not approve it."""

    code = OrdersErrorCode.SELF_APPROVAL


class AccountSuspended(DomainError):
    code = OrdersErrorCode.ACCOUNT_SUSPENDED


class AlreadyPortalUser(DomainError):
    """A portal user belongs to exactly one account."""

    code = OrdersErrorCode.ALREADY_PORTAL_USER


class DuplicateExternalId(DomainError):
    code = OrdersErrorCode.DUPLICATE_EXTERNAL_ID
