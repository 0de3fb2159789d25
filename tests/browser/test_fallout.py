"""A fallout agent opens a billing fallout from the queue, corrects the characteristic
the billing system refused and retries; the order then completes."""

from __future__ import annotations

import pytest

from fallout.models import FalloutRecord, FalloutState
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role
from orders.models import CustomerOrder, CustomerOrderState
from tests.fallout.conftest import order_with_failed_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fallout_agent_fixes_a_characteristic_retries_and_the_order_completes(
    live_server, browser, settings, make_user, job_actor
):
    # given an order whose billing activation failed three times into a fallout
    settings.ORCHESTRATION_RETRY_BASE_SECONDS = 0
    settings.ORCHESTRATION_INLINE_WAIT_SECONDS = 0
    agent = make_user("fo_agent", Role.FALLOUT_AGENT, first_name="Fay")
    WorkGroup.objects.get_or_create(
        code="fallout_desk", defaults={"name": "Fallout desk"}
    )[0].members.add(agent)
    failed = order_with_failed_task(settings, job_actor)
    assert failed.fallout.work_group.code == "fallout_desk"

    # when the fallout agent signs in, finds it in the queue and opens it
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "fo_agent")
    page.fill("#id_password", "pw-fo_agent")
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/workspace/fallout/")
    page.locator("[data-testid=fallout-queue]").get_by_text(
        failed.fallout.number
    ).click()
    page.locator("[data-testid=fallout-error]", has_text="BILL-500").wait_for()
    page.locator("[data-testid=take]").click()
    page.locator("[data-testid=fallout-state]", has_text="In progress").wait_for()

    # and corrects the billing account and retries
    page.fill("input[name=ch__billing_account]", "BA-1001")
    page.fill("#correct-reason", "Billing account number was mistyped.")
    page.locator("[data-testid=correct-and-retry]").click()

    # then the fallout is closed and the order completes (the worker runs inline)
    page.locator("[data-testid=fallout-state]", has_text="Closed complete").wait_for()
    page.locator("text=Values corrected").wait_for()
    fallout = FalloutRecord.objects.get(pk=failed.fallout.pk)
    assert fallout.state == FalloutState.CLOSED_COMPLETE
    assert CustomerOrder.objects.get(pk=failed.order.pk).state == (
        CustomerOrderState.COMPLETED
    )
    page.locator("[data-testid=fallout-order]").click()
    page.locator("[data-testid=order-state]", has_text="Completed").wait_for()
    page.locator("[data-testid=history-fallout]").first.wait_for()
