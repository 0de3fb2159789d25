"""Orders in the states the workspace pages act on: built from the order factories, or
(fulfillment) captured and started through the services on the demo catalog."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from catalog.models import LifecycleStatus, ProductOffering
from decomposition.models import DomainOrder
from orchestration.models import (
    OrderTask,
    OrderTaskState,
    PlanTemplate,
    TaskTemplate,
    TaskType,
)
from orchestration.services import order_task_run
from orchestration.services.fulfillment import order_fulfillment_begin
from ordermgmt.actor import Actor
from ordermgmt.models import WorkGroup
from orders.models import (
    Account,
    ApprovalStatus,
    CustomerOrder,
    CustomerOrderState,
    EnrichmentTask,
    EnrichmentTaskState,
    LineState,
    OrderChannel,
)
from orders.services import (
    LineInput,
    enrichment_task_claim,
    enrichment_task_complete,
    order_capture,
)
from tests.orchestration.factories import DomainOrderFactory
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


# --- fulfillment: demo orders decomposed and orchestrated through the services --------

DEMO_ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}


def demo_order_in_fulfillment(
    *, offering_code: str = "OFF_FIBER_INTERNET", account_name: str = "Jane Doe"
) -> CustomerOrder:
    """A demo order as the agent captures it, enriched by the fulfillment agent, approved
    by policy and started: decomposed, planned, its first tasks open (the worker's step
    is called directly). Needs demo_load()."""
    users = {user.username: user for user in User.objects.all()}
    account = Account.objects.get(name=account_name)
    offering = ProductOffering.objects.get(
        code=offering_code, lifecycle_status=LifecycleStatus.PUBLISHED
    )
    characteristics = (
        {"bandwidth": 300, "installation_address": DEMO_ADDRESS}
        if offering_code == "OFF_FIBER_INTERNET"
        else {}
    )
    order = order_capture(
        account_id=account.pk,
        actor=Actor.for_user(users["agent"]),
        channel=OrderChannel.AGENT,
        lines=[
            LineInput(ref="1", offering_id=offering.pk, characteristics=characteristics)
        ],
    )
    fulfiller = Actor.for_user(users["fulfillment_agent"])
    for task in order.enrichment_tasks.filter(state=EnrichmentTaskState.OPEN):
        enrichment_task_claim(task_id=task.pk, actor=fulfiller)
        enrichment_task_complete(
            task_id=task.pk,
            characteristics={
                code: DEMO_ADDRESS if code == "installation_address" else "AL-4711"
                for code in task.characteristics
            },
            actor=fulfiller,
        )
    order.refresh_from_db()
    # With on-commit effects running (transaction=True tests) the worker started it.
    assert order.state in (
        CustomerOrderState.ACKNOWLEDGED,
        CustomerOrderState.IN_PROGRESS,
    ), order.state
    order_fulfillment_begin(order_id=order.pk, actor=Actor.job("t"))
    order.refresh_from_db()
    return order


def automated_tasks_run(*, order_id: int) -> None:
    """Run the order's open automated tasks as the worker would, until none is open."""
    while True:
        ids = list(
            OrderTask.objects.filter(
                order_id=order_id,
                task_type=TaskType.AUTOMATED,
                state=OrderTaskState.OPEN,
            ).values_list("pk", flat=True)
        )
        if not ids:
            return
        for task_id in ids:
            order_task_run(task_id=task_id, actor=Actor.job("worker"))


def order_task(
    *,
    group: WorkGroup | None,
    code: str = "site_survey",
    name: str = "Site survey",
    state: str = OrderTaskState.OPEN,
    task_type: str = TaskType.MANUAL,
    domain_order: DomainOrder | None = None,
    **fields: Any,
) -> OrderTask:
    """A task of a plan template `code` on a (new) in-progress domain order, its state
    set at construction (tests of transitions go through the services)."""
    plan, _ = PlanTemplate.objects.get_or_create(
        code="WS_PLAN", defaults={"name": "Workspace test plan"}
    )
    template, _ = TaskTemplate.objects.get_or_create(
        plan=plan,
        code=code,
        defaults={
            "name": name,
            "task_type": task_type,
            "adapter": "" if task_type == TaskType.MANUAL else "network_provisioning",
            "work_group": group,
        },
    )
    domain_order = domain_order or DomainOrderFactory(in_progress=True)
    return OrderTask.objects.create(
        domain_order=domain_order,
        order=domain_order.order,
        line=domain_order.line,
        template=template,
        code=code,
        name=name,
        task_type=task_type,
        adapter=template.adapter,
        work_group=group,
        state=state,
        **fields,
    )
