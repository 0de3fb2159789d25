"""Writes on accounts and customer orders; import services from here.

Order and line lifecycle (DESIGN.md section 3): draft -> submitted -> enrichment in
progress (<-> enrichment on hold) -> new -> acknowledged | rejected -> in progress ->
completed | partial | failed, with the side states awaiting information, on hold, revision
in progress, assessing cancellation, cancellation in progress and canceled (lines also
scheduled). Modules: `capture` (draft, submit, draft cancel), `lines` (draft lines),
`line_checks` (line validation), `line_writes` (an order's lines saved in one UPDATE),
`approval` and `accounts`. Each service locks the order, then its lines in ascending pk,
checks, transitions, saves and writes AuditEvents in one transaction; the lines and their
events are written set-based, never one query per line.
"""

from orders.services.accounts import (
    account_create,
    account_portal_user_add,
    account_reactivate,
    account_suspend,
    contact_add,
)
from orders.services.approval import order_approve, order_reject
from orders.services.capture import order_draft_cancel, order_draft_create, order_submit
from orders.services.lines import (
    order_line_add,
    order_line_change,
    order_line_remove,
)

__all__ = [
    "account_create",
    "account_portal_user_add",
    "account_reactivate",
    "account_suspend",
    "contact_add",
    "order_approve",
    "order_draft_cancel",
    "order_draft_create",
    "order_line_add",
    "order_line_change",
    "order_line_remove",
    "order_reject",
    "order_submit",
]
