"""Writes on accounts and customer orders; import services from here.

Order and line lifecycle (DESIGN.md section 3): draft -> submitted -> enrichment in
progress (<-> enrichment on hold) -> new -> acknowledged | rejected -> in progress ->
completed | partial | failed, with the side states awaiting information, on hold, revision
in progress, assessing cancellation, cancellation in progress and canceled (lines also
scheduled). Modules: `capture` (a whole order at once, a draft, draft cancel), `lines`
(draft lines), `drafts` (header fields, discount), `line_checks` / `order_checks` (line
validation, bundles, compatibility), `submission` (submit, then enrichment and approval),
`enrichment` (policy and tasks), `approval` (policy, approve, reject), `policies` (the
decision tables), `fulfillment` (in progress, line and order outcomes, point of no
return; set-based for the task engine), `pricing_link`, `line_writes` and `accounts`. Each service locks the
order, then its lines in ascending pk, then its tasks; checks, transitions, saves and
writes AuditEvents in one transaction; lines and their events are written set-based,
never one query per line.
"""

from orders.services.accounts import (
    account_create,
    account_portal_user_add,
    account_reactivate,
    account_suspend,
    contact_add,
)
from orders.services.approval import order_approve, order_reject
from orders.services.capture import (
    order_capture,
    order_capture_with_lines,
    order_draft_cancel,
    order_draft_create,
)
from orders.services.capture_input import LineInput
from orders.services.drafts import order_discount_set, order_update
from orders.services.enrichment import (
    enrichment_task_claim,
    enrichment_task_complete,
    order_enrichment_hold,
    order_enrichment_resume,
)
from orders.services.fulfillment import (
    LineFinish,
    OrderFinish,
    order_finish,
    order_fulfillment_start,
    order_line_finish,
    order_line_ponr_mark,
    order_lines_finish,
    order_lines_ponr_mark,
    orders_finish,
)
from orders.services.lines import (
    order_line_add,
    order_line_change,
    order_line_remove,
)
from orders.services.submission import order_submit

__all__ = [
    "LineFinish",
    "LineInput",
    "OrderFinish",
    "account_create",
    "account_portal_user_add",
    "account_reactivate",
    "account_suspend",
    "contact_add",
    "enrichment_task_claim",
    "enrichment_task_complete",
    "order_approve",
    "order_capture",
    "order_capture_with_lines",
    "order_discount_set",
    "order_draft_cancel",
    "order_draft_create",
    "order_enrichment_hold",
    "order_enrichment_resume",
    "order_finish",
    "order_fulfillment_start",
    "order_line_add",
    "order_line_change",
    "order_line_finish",
    "order_line_ponr_mark",
    "order_line_remove",
    "order_lines_finish",
    "order_lines_ponr_mark",
    "order_reject",
    "order_submit",
    "order_update",
    "orders_finish",
]
