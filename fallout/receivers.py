"""What fallout does when orchestration tells it a task failed after its retries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fallout.services import fallout_open_for_failed_task
from ordermgmt.actor import Actor


def order_task_failed(
    *,
    task_id: int,
    error_code: str,
    error: str,
    actor: Actor,
    at: datetime,
    **_: Any,
) -> None:
    """Open a fallout on the failed task (in the engine's transaction); it waits On hold."""
    fallout_open_for_failed_task(
        task_id=task_id, error_code=error_code, error=error, actor=actor, at=at
    )
