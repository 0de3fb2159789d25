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

from ordermgmt.hooks import Hook

ORDER_LINE_DONE = Hook("order_line_done")
ORDER_DONE = Hook("order_done")
ORDER_LINE_PONR = Hook("order_line_ponr")
DOMAIN_ORDER_CLOSED = Hook("domain_order_closed")
ORDER_TASK_FAILED = Hook("order_task_failed")
