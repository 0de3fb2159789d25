"""Hooks: how orchestration tells lower apps (orders, inventory) and later ones (fallout)
what happened, without importing them.

Receivers run inside the orchestration service's transaction, after its row locks
(order → domain order → tasks), so what they write commits or rolls back with it, and
each event is sent exactly once. Connect receivers in an AppConfig.ready():

    ORDER_LINE_DONE.connect(my_receiver)

Receiver keyword arguments:
- ORDER_LINE_DONE: order_id, line_id, outcome (rules.LineOutcome), actor, at
- ORDER_DONE: order_id, outcome (rules.OrderOutcome), actor, at
- ORDER_LINE_PONR: order_id, line_id, task_id, actor, at (the line's first PONR task)
- DOMAIN_ORDER_CLOSED: order_id, line_id, domain_order_id, actor, at
- ORDER_TASK_FAILED: order_id, task_id, error_code, error, actor, at (retries used up)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Receiver = Callable[..., None]


class Hook:
    """A named list of receivers, called in the order they were connected."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._receivers: list[Receiver] = []

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, {len(self._receivers)} receivers)"

    def connect(self, receiver: Receiver) -> Receiver:
        """Add a receiver once (connecting it again changes nothing); return it."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Receiver) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)

    def send(self, **kwargs: Any) -> None:
        for receiver in list(self._receivers):
            receiver(**kwargs)


ORDER_LINE_DONE = Hook("order_line_done")
ORDER_DONE = Hook("order_done")
ORDER_LINE_PONR = Hook("order_line_ponr")
DOMAIN_ORDER_CLOSED = Hook("domain_order_closed")
ORDER_TASK_FAILED = Hook("order_task_failed")
