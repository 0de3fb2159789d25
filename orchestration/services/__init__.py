"""Every write of orchestration: plans, orchestrating an order, the task engine and the
manual task queue.

Task lifecycle (DESIGN.md section 3): Draft → Open (set in bulk by `tasks_open_ready`
when every dependency is closed complete or skipped) → In progress (the engine starts an
automated task; an agent claims a manual one) → Closed complete, or Failed when an
automated task used up its retries. On hold, Awaiting information, Skipped and Canceled
belong to fallout (services/intervention.py: hold, resume for a retry, skip, complete by
hand, cancel) and in-flight changes.
"""

from orchestration.services.assignment import (
    order_task_manager_note_add,
    order_task_priority_raise,
    order_task_reassign,
)
from orchestration.services.completion import (
    order_line_outcomes,
    order_tasks_enqueue,
    tasks_open_ready,
)
from orchestration.services.engine import (
    TaskRunOutcome,
    order_task_run,
    order_tasks_due_enqueue,
    order_work_run_on,
)
from orchestration.services.intervention import (
    InterventionAuditAction,
    order_line_fulfillment_cancel,
    order_task_cancel,
    order_task_complete_by_hand,
    order_task_hold,
    order_task_resume,
    order_task_skip,
)
from orchestration.services.manual import (
    order_task_claim,
    order_task_complete,
    order_task_note_add,
)
from orchestration.services.orchestrate import order_orchestrate
from orchestration.services.plans import (
    TaskTemplateSpec,
    plan_dependencies_check,
    plan_template_check,
    plan_template_create,
    plan_template_dependencies_set,
)

__all__ = [
    "InterventionAuditAction",
    "TaskRunOutcome",
    "TaskTemplateSpec",
    "order_line_fulfillment_cancel",
    "order_line_outcomes",
    "order_orchestrate",
    "order_task_cancel",
    "order_task_claim",
    "order_task_complete",
    "order_task_complete_by_hand",
    "order_task_hold",
    "order_task_manager_note_add",
    "order_task_note_add",
    "order_task_priority_raise",
    "order_task_reassign",
    "order_task_resume",
    "order_task_run",
    "order_task_skip",
    "order_tasks_due_enqueue",
    "order_work_run_on",
    "order_tasks_enqueue",
    "plan_dependencies_check",
    "plan_template_check",
    "plan_template_create",
    "plan_template_dependencies_set",
    "tasks_open_ready",
]
