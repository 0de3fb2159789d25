"""Business refusals of the orders app, each with a stable code."""

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class OrdersErrorCode(StrEnum):
    ORDER_NOT_EDITABLE = "order_not_editable"
    SELF_APPROVAL = "self_approval"
    NOT_APPROVER = "not_approver"
    NOT_GROUP_MEMBER = "not_group_member"
    ACCOUNT_SUSPENDED = "account_suspended"
    ALREADY_PORTAL_USER = "already_portal_user"
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"
    PRICES_FROZEN = "prices_frozen"
    POLICY_MISCONFIGURED = "policy_misconfigured"


class OrderNotEditable(DomainError):
    """Lines change only while the order is a draft."""

    code = OrdersErrorCode.ORDER_NOT_EDITABLE


class SelfApprovalForbidden(DomainError):
    """Four eyes: whoever captured an order may not approve it."""

    code = OrdersErrorCode.SELF_APPROVAL


class NotAnApprover(DomainError):
    """Only members of the order's approval group (or superusers) decide on it."""

    code = OrdersErrorCode.NOT_APPROVER


class NotAGroupMember(DomainError):
    """Work in a group's queue is taken by the group's members only."""

    code = OrdersErrorCode.NOT_GROUP_MEMBER


class AccountSuspended(DomainError):
    code = OrdersErrorCode.ACCOUNT_SUSPENDED


class AlreadyPortalUser(DomainError):
    """A portal user belongs to exactly one account."""

    code = OrdersErrorCode.ALREADY_PORTAL_USER


class DuplicateExternalId(DomainError):
    code = OrdersErrorCode.DUPLICATE_EXTERNAL_ID


class PolicyMisconfigured(DomainError):
    """A published policy table names something that does not exist (e.g. a work group)."""

    code = OrdersErrorCode.POLICY_MISCONFIGURED
