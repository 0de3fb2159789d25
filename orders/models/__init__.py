"""Customer accounts and customer orders; import models from here."""

from orders.models.accounts import (
    Account,
    AccountKind,
    AccountState,
    AccountUser,
    Contact,
    ContactRole,
    CustomerSegment,
)
from orders.models.common import (
    ACCOUNT_NUMBER_PREFIX,
    ORDER_NUMBER_PREFIX,
    currency_validator,
    display_number,
)
from orders.models.enrichment import EnrichmentTask, EnrichmentTaskState
from orders.models.lines import (
    MACD_ACTIONS,
    CustomerOrderLine,
    LineAction,
    LineState,
    RecurringPeriod,
)
from orders.models.orders import (
    ApprovalStatus,
    CustomerOrder,
    CustomerOrderState,
    OrderChannel,
    OrderPriority,
)

__all__ = [
    "ACCOUNT_NUMBER_PREFIX",
    "MACD_ACTIONS",
    "ORDER_NUMBER_PREFIX",
    "Account",
    "AccountKind",
    "AccountState",
    "AccountUser",
    "ApprovalStatus",
    "Contact",
    "ContactRole",
    "CustomerOrder",
    "CustomerOrderLine",
    "CustomerOrderState",
    "CustomerSegment",
    "EnrichmentTask",
    "EnrichmentTaskState",
    "LineAction",
    "LineState",
    "OrderChannel",
    "OrderPriority",
    "RecurringPeriod",
    "currency_validator",
    "display_number",
]
