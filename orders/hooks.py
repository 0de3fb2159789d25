"""Hooks orders offers to higher apps: what they want to hear about, without orders
importing them.

- ORDER_ACKNOWLEDGED: order_id, actor — the order was approved (by a person or the
  policy). Sent after the acknowledging transaction commits, so receivers see the order
  and start their own work (e.g. enqueue fulfillment on the worker).
"""

from __future__ import annotations

from ordermgmt.hooks import Hook

ORDER_ACKNOWLEDGED = Hook("order_acknowledged")
