"""What orchestration does when orders tells it an order was acknowledged."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_q.tasks import async_task


def order_acknowledged(*, order_id: int, **_: Any) -> None:
    """Start fulfillment on the worker once the approval has committed."""
    transaction.on_commit(
        lambda: async_task(
            "orchestration.tasks.order_fulfillment_begin_task",
            order_id,
            task_name=f"fulfillment-begin-{order_id}",
        )
    )
