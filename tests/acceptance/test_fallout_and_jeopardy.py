"""Issue 5 acceptance, on the demo data.

Fallout: with a demo adapter failing every call, a self-install order falls out; the
fallout is routed by the demo fallout_routing table, its task waits On hold and the
order stays In progress; the demo fallout agent resolves it from the workspace (retry,
complete by hand, skip, cancel the line, bulk retry) and the order completes (or fails,
when its only line is canceled).

Jeopardy: a demo fiber order's manual site survey runs past 50, 75 and 100 % of its SLA
(time moved back on the order); each scan raises its level once, alerts its group once
per level (in-app and by email), the fulfillment manager sees it on the jeopardy board,
and once the fulfillment agent completes it the level clears.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fallout.models import FalloutRecord, FalloutResolution, FalloutState
from fixtures.demo.load import demo_load
from fixtures.demo.people import DEMO_PASSWORD
from inventory.models import InventoryItemState
from inventory.selectors import inventory_items_for_order
from jeopardy.models import JeopardyAlert
from jeopardy.rules import RECHECK_AT_RISK
from jeopardy.services import jeopardy_scan
from orchestration.models import JeopardyLevel, OrderTask, OrderTaskState
from orchestration.tasks import order_tasks_due_run_task
from ordermgmt.actor import Actor
from ordermgmt.models import WorkGroup
from orders.models import (
    Account,
    CustomerOrder,
    CustomerOrderState,
    EnrichmentTaskState,
    LineState,
)
from orders.services import enrichment_task_claim, enrichment_task_complete

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS_URL = "/tmf-api/productOrderingManagement/v4/productOrder"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _instant_engine(settings) -> None:
    # No adapter fails while the demo loads; each test says which one is down.
    settings.ORCHESTRATION_ADAPTERS = {}
    settings.ORCHESTRATION_MAX_ATTEMPTS = 3
    settings.ORCHESTRATION_RETRY_BASE_SECONDS = 0
    settings.ORCHESTRATION_RETRY_MAX_SECONDS = 0
    settings.ORCHESTRATION_INLINE_WAIT_SECONDS = 0


@pytest.fixture
def demo() -> dict[str, User]:
    demo_load()
    return {user.username: user for user in User.objects.all()}


def _adapters_failing(settings, *codes: str) -> None:
    settings.ORCHESTRATION_ADAPTERS = {code: {"failure_rate": 1.0} for code in codes}


def _engine_sweeps() -> None:
    """Run the engine's periodic sweep (ordermgmt.schedules) until nothing is due: it
    queues the retries whose backoff is over, which the inline worker then runs."""
    for _ in range(10):
        if order_tasks_due_run_task() == 0:
            return
    pytest.fail("the engine still had due tasks after ten sweeps")


def _workspace(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def _tmf_order(
    demo: dict[str, User],
    offering: str,
    order_fields: dict[str, object] | None = None,
    **item: object,
) -> CustomerOrder:
    """Place one order of `offering` for the demo's Jane Doe through TMF622."""
    token, _ = Token.objects.get_or_create(user=demo["integrator"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(
        ORDERS_URL,
        {
            "relatedParty": [
                {
                    "id": Account.objects.get(name="Jane Doe").number,
                    "@referredType": "Customer",
                }
            ],
            "productOrderItem": [
                {
                    "id": "1",
                    "action": "add",
                    "productOffering": {"id": offering},
                    **item,
                }
            ],
            **(order_fields or {}),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return CustomerOrder.objects.get(number=response.json()["id"])


# --- fallout ---------------------------------------------------------------------------


def _self_install_falls_out(
    settings, demo: dict[str, User], *, adapter: str
) -> FalloutRecord:
    """Order the self-install offering while `adapter` fails every call, then bring
    the adapter back; return the order's one fallout after checking where it stands."""
    _adapters_failing(settings, adapter)
    order = _tmf_order(
        demo,
        "OFF_FIBER_SELF_INSTALL",
        product={"productCharacteristic": [{"name": "bandwidth", "value": 500}]},
    )
    _engine_sweeps()  # the retries, until the task used up its attempts
    settings.ORCHESTRATION_ADAPTERS = {}

    fallout = FalloutRecord.objects.select_related(
        "fallout_type", "work_group", "task"
    ).get(order=order)
    order.refresh_from_db()
    assert order.state == CustomerOrderState.IN_PROGRESS
    assert fallout.state == FalloutState.OPEN
    assert fallout.number.startswith("FO")
    assert fallout.adapter == adapter
    assert fallout.attempts == settings.ORCHESTRATION_MAX_ATTEMPTS
    assert fallout.task.task_type == "automated"
    assert fallout.task.adapter == adapter
    assert fallout.task.state == OrderTaskState.ON_HOLD
    return fallout


def _assert_routed(
    fallout: FalloutRecord,
    *,
    error_code: str,
    fallout_type: str,
    group: str,
    priority: int,
    rule: int | None,
) -> None:
    """`rule`: the position of the demo fallout_routing row that matched (None: the
    default route, no row matched)."""
    assert fallout.error_code == error_code
    assert fallout.fallout_type.code == fallout_type
    assert fallout.work_group.code == group
    assert fallout.priority == priority
    assert fallout.routed_by == ("" if rule is None else f"fallout_routing#{rule}")


def _post(client: Client, name: str, fallout: FalloutRecord, data: dict) -> None:
    response = client.post(reverse(f"workspace:{name}", args=[fallout.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse(
        "workspace:fallout-detail", args=[fallout.pk]
    )


def _fallout_page(client: Client, fallout: FalloutRecord) -> str:
    response = client.get(reverse("workspace:fallout-detail", args=[fallout.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _assert_order_completed(order_id: int) -> None:
    order = CustomerOrder.objects.get(pk=order_id)
    assert order.state == CustomerOrderState.COMPLETED
    assert set(order.lines.values_list("state", flat=True)) == {LineState.COMPLETED}


def test_billing_fallout_is_taken_and_retried_after_the_outage(settings, demo):
    # given billing is down when the order is placed
    fallout = _self_install_falls_out(settings, demo, adapter="billing_activation")
    _assert_routed(
        fallout,
        error_code="BILL-500",
        fallout_type="billing_issue",
        group="fallout_desk",
        priority=1,
        rule=1,
    )
    agent = _workspace("fallout_agent")
    queue = agent.get(reverse("workspace:fallout"), {"scope": "groups"})
    assert fallout.number in queue.content.decode()

    # when the fallout agent takes it, and retries once billing is back
    _post(agent, "fallout-take", fallout, {})
    fallout.refresh_from_db()
    assert fallout.state == FalloutState.IN_PROGRESS
    assert fallout.assignee == demo["fallout_agent"]
    _post(agent, "fallout-retry", fallout, {"reason": "Billing is back."})

    # then the fallout is closed and the order went on to the end
    fallout.refresh_from_db()
    assert fallout.state == FalloutState.CLOSED_COMPLETE
    assert fallout.resolution == FalloutResolution.RETRIED
    assert OrderTask.objects.get(pk=fallout.task_id).state == "closed_complete"
    _assert_order_completed(fallout.order_id)
    page = _fallout_page(agent, fallout)
    assert "Closed complete" in page
    for event in (
        "Fallout opened",
        "Fallout taken",
        "Fallout resolved",
        "Fallout closed",
    ):
        assert event in page
    assert "Billing is back." in page


def test_network_fallout_is_completed_by_hand_with_a_reason(settings, demo):
    fallout = _self_install_falls_out(settings, demo, adapter="network_provisioning")
    _assert_routed(
        fallout,
        error_code="NET-503",
        fallout_type="provisioning_failure",
        group="fallout_desk",
        priority=2,
        rule=4,
    )
    agent = _workspace("fallout_agent")

    _post(
        agent,
        "fallout-complete",
        fallout,
        {"reason": "Activated on the element manager.", "result": "CKT-BYHAND-1"},
    )

    fallout.refresh_from_db()
    assert fallout.state == FalloutState.CLOSED_COMPLETE
    assert fallout.resolution == FalloutResolution.COMPLETED_BY_HAND
    task = OrderTask.objects.get(pk=fallout.task_id)
    assert task.state == OrderTaskState.CLOSED_COMPLETE
    assert task.data["result_reference"] == "CKT-BYHAND-1"
    _assert_order_completed(fallout.order_id)
    page = _fallout_page(agent, fallout)
    assert "Task completed by hand" in page
    assert "Fallout resolved" in page
    assert "Activated on the element manager." in page


def test_unrouted_shipping_fallout_goes_to_the_desk_and_is_skipped(settings, demo):
    # no demo rule names SHIP-502: the default route (fallout desk) takes it
    fallout = _self_install_falls_out(settings, demo, adapter="shipping")
    _assert_routed(
        fallout,
        error_code="SHIP-502",
        fallout_type="provisioning_failure",
        group="fallout_desk",
        priority=fallout.task.priority,
        rule=None,
    )
    agent = _workspace("fallout_agent")

    _post(agent, "fallout-skip", fallout, {"reason": "Customer collects the ONT."})

    fallout.refresh_from_db()
    assert fallout.state == FalloutState.CLOSED_COMPLETE
    assert fallout.resolution == FalloutResolution.SKIPPED
    assert OrderTask.objects.get(pk=fallout.task_id).state == OrderTaskState.SKIPPED
    _assert_order_completed(fallout.order_id)
    page = _fallout_page(agent, fallout)
    assert "Task skipped" in page
    assert "Fallout resolved" in page
    assert "Customer collects the ONT." in page


def test_allocation_fallout_goes_to_fiber_team_and_its_line_is_canceled(settings, demo):
    fallout = _self_install_falls_out(settings, demo, adapter="inventory_allocation")
    _assert_routed(
        fallout,
        error_code="INV-409",
        fallout_type="inventory_allocation_failure",
        group="fiber_provisioning",
        priority=2,
        rule=2,
    )
    agent = _workspace("fallout_agent")

    _post(agent, "fallout-cancel-line", fallout, {"reason": "No ONT in stock."})

    fallout.refresh_from_db()
    assert fallout.state == FalloutState.CLOSED_COMPLETE
    assert fallout.resolution == FalloutResolution.LINE_CANCELED
    order = CustomerOrder.objects.get(pk=fallout.order_id)
    assert order.state == CustomerOrderState.FAILED
    assert list(order.lines.values_list("state", flat=True)) == [LineState.FAILED]
    # the failed allocation and the work that waited for it are all canceled
    assert set(
        OrderTask.objects.filter(order=order).values_list("state", flat=True)
    ) == {OrderTaskState.CANCELED}
    assert not FalloutRecord.objects.filter(order=order).exclude(
        state__in=(FalloutState.CLOSED_COMPLETE, FalloutState.CANCELED)
    )
    # nothing of the line waits for an installation any more
    items = list(inventory_items_for_order(order_id=order.pk))
    assert len(items) == 3
    assert {item.state for item in items} == {InventoryItemState.INACTIVE}
    page = _fallout_page(agent, fallout)
    assert "Line canceled" in page
    assert "Fallout resolved" in page
    assert "No ONT in stock." in page


def test_bulk_retry_after_a_billing_outage_completes_both_orders(settings, demo):
    first = _self_install_falls_out(settings, demo, adapter="billing_activation")
    second = _self_install_falls_out(settings, demo, adapter="billing_activation")
    assert first.fallout_type == second.fallout_type
    agent = _workspace("fallout_agent")

    response = agent.post(
        reverse("workspace:fallout-bulk-retry"),
        {"fallout_type": first.fallout_type_id, "reason": "Billing outage over."},
    )

    assert response.status_code == 302
    for fallout in (first, second):
        fallout.refresh_from_db()
        assert fallout.state == FalloutState.CLOSED_COMPLETE
        assert fallout.resolution == FalloutResolution.RETRIED
        _assert_order_completed(fallout.order_id)
        page = _fallout_page(agent, fallout)
        assert "Closed complete" in page
        assert "Billing outage over." in page
    queue = agent.get(reverse("workspace:fallout"), {"scope": "groups"})
    assert first.number not in queue.content.decode()


# --- jeopardy --------------------------------------------------------------------------

ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}
TASK_TIMES = (
    "planned_start",
    "planned_end",
    "due_at",
    "opened_at",
    "claimed_at",
    "started_at",
    "jeopardy_check_at",
)
ORDER_TIMES = ("requested_start_date", "requested_completion_date", "committed_date")


def _fiber_order_with_open_survey(
    demo: dict[str, User], **order_fields: object
) -> OrderTask:
    """Order demo Fiber Internet through TMF622; the fulfillment agent enriches it, the
    inline worker decomposes and starts it; return its open manual site survey."""
    order = _tmf_order(demo, "OFF_FIBER_INTERNET", order_fields)
    actor = Actor.for_user(demo["fulfillment_agent"])
    for task in order.enrichment_tasks.filter(state=EnrichmentTaskState.OPEN):
        enrichment_task_claim(task_id=task.pk, actor=actor)
        enrichment_task_complete(
            task_id=task.pk,
            characteristics={
                code: ADDRESS if code == "installation_address" else f"AL-{task.pk}"
                for code in task.characteristics
            },
            actor=actor,
        )
    order.refresh_from_db()
    assert order.state == CustomerOrderState.IN_PROGRESS
    survey = OrderTask.objects.select_related("work_group").get(
        order=order, code="site_survey"
    )
    assert survey.state == OrderTaskState.OPEN
    assert survey.task_type == "manual"
    assert survey.work_group.code == "fiber_provisioning"
    assert survey.sla_minutes == 2 * 24 * 60
    return survey


def _time_passes(order_id: int, delta: timedelta) -> None:
    """Simulate `delta` of elapsed time: every time of the order and its tasks moves
    back by `delta` (the committed date and planned ends as well, so the order is as
    far from its commitment as it would be after waiting)."""
    OrderTask.objects.filter(order_id=order_id).update(
        **{name: F(name) - delta for name in TASK_TIMES}
    )
    CustomerOrder.objects.filter(pk=order_id).update(
        **{name: F(name) - delta for name in ORDER_TIMES}
    )


def _elapse_to(task: OrderTask, percent: int) -> None:
    """Move time on until the task has been open `percent` % of its SLA (+ 1 min)."""
    opened_at = OrderTask.objects.values_list("opened_at", flat=True).get(pk=task.pk)
    target = timedelta(minutes=task.sla_minutes * percent / 100 + 1)
    _time_passes(task.order_id, target - (timezone.now() - opened_at))


def _board_row(client: Client, task: OrderTask) -> str | None:
    response = client.get(reverse("workspace:jeopardy-board"))
    assert response.status_code == 200
    body = response.content.decode()
    start = body.find(f'<tbody id="risk-task-{task.pk}"')
    if start == -1:
        return None
    return body[start : body.index("</tbody>", start)]


def test_task_past_its_sla_is_flagged_and_its_group_alerted_once_per_level(demo):
    # given a demo fiber order whose manual site survey has just opened
    survey = _fiber_order_with_open_survey(demo)
    group = WorkGroup.objects.get(code="fiber_provisioning")
    recipients = sorted(
        {"fulfillment_agent@oms.example", "fulfillment_manager@oms.example"}
    )
    manager = _workspace("fulfillment_manager")
    mail.outbox.clear()
    jeopardy_scan()
    assert OrderTask.objects.get(pk=survey.pk).jeopardy_level == JeopardyLevel.NONE
    assert _board_row(manager, survey) is None

    # when it runs past 50, 75, 100 and 200 % of its SLA (the demo rule for manual
    # field work; the order has no committed date to miss earlier), with the scan run
    # again at each step
    order = CustomerOrder.objects.get(pk=survey.order_id)
    assert order.committed_date is None
    assert order.requested_completion_date is None
    steps = [
        (50, JeopardyLevel.LOW),
        (75, JeopardyLevel.MEDIUM),
        (100, JeopardyLevel.HIGH),
        (200, JeopardyLevel.CRITICAL),
    ]
    for number, (percent, level) in enumerate(steps, start=1):
        _elapse_to(survey, percent)
        first = jeopardy_scan()
        # the next scan, and one a quarter of an hour later (the task is re-assessed
        # then), find nothing new to say
        again = jeopardy_scan()
        _time_passes(survey.order_id, RECHECK_AT_RISK)
        later = jeopardy_scan()

        # then its level rises, with exactly one alert for its group per level...
        task = OrderTask.objects.get(pk=survey.pk)
        assert task.jeopardy_level == level, (percent, task.jeopardy_level)
        assert first.raised == 1
        assert again.looked_at == 0
        assert later.looked_at >= 1
        assert later.raised == 0
        alerts = list(JeopardyAlert.objects.filter(task_id=survey.pk).order_by("level"))
        assert [(a.level, a.work_group_id) for a in alerts] == [
            (lvl, group.pk) for _, lvl in steps[:number]
        ]
        assert len(first.alert_ids) == 1
        assert not again.alert_ids
        assert not later.alert_ids
        # ... one email per level to the group's members and manager...
        assert len(mail.outbox) == number
        message = mail.outbox[-1]
        assert sorted(message.to) == recipients
        assert "Fiber provisioning" in message.subject
        assert f"{level.label}: task Site survey" in message.body
        # ... and the fulfillment manager sees it on the board with its level
        row = _board_row(manager, survey)
        assert row is not None
        assert f'data-testid="jeopardy-level">{level.label}</span>' in row
        assert task.order.number in row

    # when the fulfillment agent claims and completes the survey in the workspace
    fulfiller = _workspace("fulfillment_agent")
    claim = fulfiller.post(
        reverse("workspace:order-task-claim", args=[survey.pk]), **HTMX
    )
    assert claim.status_code == 200
    complete = fulfiller.post(
        reverse("workspace:order-task-complete", args=[survey.pk]),
        {"key_0": "survey_result", "value_0": "ok"},
        **HTMX,
    )
    assert complete.status_code == 200
    assert OrderTask.objects.get(pk=survey.pk).state == OrderTaskState.CLOSED_COMPLETE
    # a finished task leaves the board at once
    assert _board_row(manager, survey) is None

    # then the scan (at the task's next check) clears its level, alerting no one
    _time_passes(survey.order_id, RECHECK_AT_RISK)
    cleared = jeopardy_scan()
    task = OrderTask.objects.get(pk=survey.pk)
    assert task.jeopardy_level == JeopardyLevel.NONE
    assert task.jeopardy_check_at is None
    assert cleared.cleared == 1
    assert JeopardyAlert.objects.filter(task_id=survey.pk).count() == len(steps)
    assert len(mail.outbox) == len(steps)
    # the next manual task (install_ont) opened and is on track
    install = OrderTask.objects.get(order_id=survey.order_id, code="install_ont")
    assert install.state == OrderTaskState.OPEN
    assert install.jeopardy_level == JeopardyLevel.NONE


def test_survey_that_will_miss_the_requested_date_turns_critical_before_200_percent(
    demo,
):
    # given the customer wants the line within 4 days: survey (2 days), installation
    # (1 day) and activation (1 hour) fit if nothing runs late
    wanted = timezone.now() + timedelta(days=4)
    survey = _fiber_order_with_open_survey(
        demo, requestedCompletionDate=wanted.isoformat()
    )
    manager = _workspace("fulfillment_manager")
    mail.outbox.clear()
    jeopardy_scan()
    assert OrderTask.objects.get(pk=survey.pk).jeopardy_level == JeopardyLevel.NONE

    # when the survey has taken 125 % of its SLA, the rest still fits: high
    _elapse_to(survey, 125)
    jeopardy_scan()
    assert OrderTask.objects.get(pk=survey.pk).jeopardy_level == JeopardyLevel.HIGH

    # when it has taken 150 %, the work after it (1 day 1 hour) no longer fits before
    # the requested date: critical, well before the 200 % share of the demo rule
    _elapse_to(survey, 150)
    first = jeopardy_scan()
    _time_passes(survey.order_id, RECHECK_AT_RISK)
    later = jeopardy_scan()

    # then the group was alerted once at each level reached, critical included
    assert OrderTask.objects.get(pk=survey.pk).jeopardy_level == JeopardyLevel.CRITICAL
    assert len(first.alert_ids) == 1
    assert not later.alert_ids
    assert list(
        JeopardyAlert.objects.filter(task_id=survey.pk)
        .order_by("level")
        .values_list("level", flat=True)
    ) == [JeopardyLevel.HIGH, JeopardyLevel.CRITICAL]
    assert len(mail.outbox) == 2
    assert "Critical: task Site survey" in mail.outbox[-1].body
    row = _board_row(manager, survey)
    assert row is not None
    assert 'data-testid="jeopardy-level">Critical</span>' in row
