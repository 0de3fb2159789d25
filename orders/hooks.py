"""Hooks orders offers to higher apps: what they want to hear about, without orders
importing them. Receivers run inside the orders service's transaction; to start slow
work they schedule it with transaction.on_commit.

- ORDER_ACKNOWLEDGED: order_id, actor — the order was approved (by a person or the policy).
"""

from __future__ import annotations

from ordermgmt.hooks import Hook

ORDER_ACKNOWLEDGED = Hook("order_acknowledged")
