"""Every write of fallout handling.

Fallout lifecycle (DESIGN.md section 3): Open (created by `fallout_open_for_failed_task`
or `fallout_report`, routed by the fallout_routing table) → In progress
(`fallout_assign`) → Resolved → Closed complete (each resolution action resolves and
closes at once); side states On hold (`fallout_hold`), Awaiting information
(`fallout_await_information`), both left by `fallout_resume`; Canceled (`fallout_cancel`,
or a line canceled from another fallout). The task waits On hold until its fallout ends
(ADR 0015).
"""

from fallout.services.records import (
    fallout_assign,
    fallout_await_information,
    fallout_hold,
    fallout_open_for_failed_task,
    fallout_report,
    fallout_resume,
    fallout_route_to_group,
    fallout_type_create,
)
from fallout.services.resolution import (
    fallout_cancel,
    fallout_cancel_line,
    fallout_complete_task_by_hand,
    fallout_correct_and_retry,
    fallout_retry,
    fallout_skip_task,
    fallouts_bulk_retry,
)

__all__ = [
    "fallout_assign",
    "fallout_await_information",
    "fallout_cancel",
    "fallout_cancel_line",
    "fallout_complete_task_by_hand",
    "fallout_correct_and_retry",
    "fallout_hold",
    "fallout_open_for_failed_task",
    "fallout_report",
    "fallout_resume",
    "fallout_retry",
    "fallout_route_to_group",
    "fallout_skip_task",
    "fallout_type_create",
    "fallouts_bulk_retry",
]
