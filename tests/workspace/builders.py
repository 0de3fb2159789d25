"""Orders in the states the workspace pages act on, built from the order factories."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from ordermgmt.models import WorkGroup
from orders.models import (
    Account,
    ApprovalStatus,
    CustomerOrder,
    CustomerOrderState,
    EnrichmentTask,
    LineState,
)
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory


def order_pending_approval(
    *,
    account: Account,
    group: WorkGroup,
    captured_by: User | None = None,
    lines: int = 1,
) -> CustomerOrder:
    """A New order waiting for the approvers, as the approval policy leaves it."""
    order = CustomerOrderFactory(
        account=account,
        state=CustomerOrderState.NEW,
        approval_status=ApprovalStatus.PENDING,
        approval_reason="Manual discount above 20 %",
        approval_group=group,
        discount_percent=Decimal("25"),
        discount_reason="Loyal customer",
        submitted_at=timezone.now(),
        captured_by=captured_by,
        monthly_recurring_total=Decimal("30.00"),
    )
    for _ in range(lines):
        CustomerOrderLineFactory(order=order, state=LineState.NEW)
    return order


def enrichment_task_open(
    *, account: Account, group: WorkGroup, offering, codes: list[str]
) -> EnrichmentTask:
    """An open task for a line of an order in enrichment, asking for `codes`."""
    order = CustomerOrderFactory(
        account=account,
        state=CustomerOrderState.ENRICHMENT_IN_PROGRESS,
        submitted_at=timezone.now(),
    )
    line = CustomerOrderLineFactory(
        order=order,
        state=LineState.ENRICHMENT_IN_PROGRESS,
        offering=offering,
        specification=offering.product_specification,
        characteristics={"bandwidth": 300},
    )
    return EnrichmentTask.objects.create(
        order=order, line=line, work_group=group, characteristics=codes
    )
