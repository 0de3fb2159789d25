"""Business refusals of jeopardy, each with a stable code."""

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class JeopardyErrorCode(StrEnum):
    ALERT_NOT_YOURS = "jeopardy_alert_not_yours"


class AlertNotYours(DomainError):
    """Only the alerted group's members, its manager and fulfillment managers act on
    an alert."""

    code = JeopardyErrorCode.ALERT_NOT_YOURS
