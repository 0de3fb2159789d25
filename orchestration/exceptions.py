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
    NOT_TASK_MANAGER = "not_task_manager"
    ASSIGNEE_NOT_IN_GROUP = "assignee_not_in_group"
    PRIORITY_NOT_RAISED = "priority_not_raised"
    TASK_FINISHED = "task_finished"


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


class NotATaskManager(DomainError):
    """Reassigning a task, raising its priority or noting on it as a manager is for
    fulfillment managers and the manager of the task's work group."""

    code = OrchestrationErrorCode.NOT_TASK_MANAGER


class AssigneeNotInGroup(DomainError):
    """A task is assigned to a member of its work group only."""

    code = OrchestrationErrorCode.ASSIGNEE_NOT_IN_GROUP


class PriorityNotRaised(DomainError):
    """A raise must make the task more urgent (a lower priority number)."""

    code = OrchestrationErrorCode.PRIORITY_NOT_RAISED


class TaskFinished(DomainError):
    """A closed, skipped or canceled task is not reassigned or reprioritised."""

    code = OrchestrationErrorCode.TASK_FINISHED
