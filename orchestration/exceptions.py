"""Business refusals of orchestration, each with a stable code."""

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class OrchestrationErrorCode(StrEnum):
    NO_PLAN = "no_plan"
    PLAN_EMPTY = "plan_empty"
    PLAN_INVALID = "plan_invalid"
    ADAPTER_UNKNOWN = "adapter_unknown"
    NOT_GROUP_MEMBER = "not_group_member"
    TASK_CLAIMED_BY_OTHER = "task_claimed_by_other"
    TASK_NOT_MANUAL = "task_not_manual"
    TASK_NOT_AUTOMATED = "task_not_automated"


class NoPlanForDomainOrder(DomainError):
    """Neither the plan_selection table nor a default plan covers a domain order."""

    code = OrchestrationErrorCode.NO_PLAN


class PlanEmpty(DomainError):
    """A plan without task templates cannot fulfil anything."""

    code = OrchestrationErrorCode.PLAN_EMPTY


class PlanInvalid(DomainError):
    """A plan template that breaks a rule other than a cycle (e.g. a foreign task)."""

    code = OrchestrationErrorCode.PLAN_INVALID


class AdapterUnknown(DomainError):
    code = OrchestrationErrorCode.ADAPTER_UNKNOWN


class NotAGroupMember(DomainError):
    """Manual tasks are worked by the members of their work group only."""

    code = OrchestrationErrorCode.NOT_GROUP_MEMBER


class TaskClaimedByOther(DomainError):
    """Another agent has claimed the task."""

    code = OrchestrationErrorCode.TASK_CLAIMED_BY_OTHER


class TaskNotManual(DomainError):
    """Agents complete manual tasks; automated ones are run by the engine."""

    code = OrchestrationErrorCode.TASK_NOT_MANUAL


class TaskNotAutomated(DomainError):
    """The engine runs automated tasks only."""

    code = OrchestrationErrorCode.TASK_NOT_AUTOMATED
