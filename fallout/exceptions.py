"""Business refusals of fallout handling, each with a stable code."""

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class FalloutErrorCode(StrEnum):
    NOT_FALLOUT_STAFF = "not_fallout_staff"
    FALLOUT_ALREADY_OPEN = "fallout_already_open"
    TASK_NOT_REPORTABLE = "task_not_reportable"


class NotFalloutStaff(DomainError):
    """Only fallout agents and managers act on fallouts."""

    code = FalloutErrorCode.NOT_FALLOUT_STAFF


class FalloutAlreadyOpen(DomainError):
    """A task has at most one fallout open at a time."""

    code = FalloutErrorCode.FALLOUT_ALREADY_OPEN


class TaskNotReportable(DomainError):
    """A problem is reported on a task still being worked (Open or In progress)."""

    code = FalloutErrorCode.TASK_NOT_REPORTABLE
