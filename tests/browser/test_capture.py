"""An agent captures the demo fiber bundle with characteristics, sees the price and
submits it with a discount that needs approval; an approver approves it."""

from __future__ import annotations

import pytest

from fixtures.demo.load import demo_load
from orders.models import CustomerOrder, CustomerOrderState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")


def test_agent_captures_a_fiber_bundle_and_an_approver_approves_it(
    live_server, browser
):
    logins = {login.username: login.password for login in demo_load()}

    # given an agent in the workspace, starting an order for Jane Doe
    agent = browser.new_context().new_page()
    agent.set_default_timeout(15_000)
    _sign_in(agent, live_server.url, "agent", logins["agent"])
    agent.click("[data-testid=new-order]")
    agent.fill("#account-q", "Jane")
    agent.locator("#account-results label", has_text="Jane Doe").click()
    agent.click("text=Start order")
    agent.wait_for_selector("[data-testid=offering-picker]")

    # when the bundle is added: its children come as lines under it
    agent.click("button.offering:has-text('Fiber Home Bundle')")
    agent.click("text=Add to order")
    internet = agent.locator("tr.child-line", has_text="Fiber Internet")
    internet.wait_for()

    # and the internet line is configured in the generated form, checked as typed
    internet.locator("text=Edit").click()
    agent.select_option("select[name=ch__bandwidth]", "500")
    agent.fill("input[name=ch__installation_address__line1]", "12 Harbour Street")
    agent.wait_for_selector("#err-ch__installation_address:has-text('needs a city')")
    agent.fill("input[name=ch__installation_address__city]", "Hamburg")
    agent.fill("input[name=ch__installation_address__postcode]", "20457")
    agent.fill("input[name=ch__installation_address__country]", "DE")
    agent.wait_for_selector("#err-ch__installation_address:empty", state="attached")
    agent.click("text=Save line")
    agent.wait_for_selector("tr.child-line:has-text('500 Mbps')")

    # then the price shows, and follows the discount that needs approval
    monthly = agent.locator("[data-testid=monthly-total]")
    assert monthly.inner_text() != "0.00 EUR"
    before = monthly.inner_text()
    agent.fill("#discount input[name=percent]", "25")
    agent.fill("#discount input[name=reason]", "Loyal customer")
    agent.click("text=Apply discount")
    agent.wait_for_function(
        "before => document.querySelector('[data-testid=monthly-total]')"
        ".innerText !== before",
        arg=before,
    )

    agent.click("[data-testid=submit-order]")
    agent.wait_for_selector("[data-testid=order-state]")
    assert agent.inner_text("[data-testid=order-state]") == "Enrichment in progress"
    order = CustomerOrder.objects.get(pk=int(agent.url.rstrip("/").split("/")[-1]))
    assert order.state == CustomerOrderState.ENRICHMENT_IN_PROGRESS
    assert order.lines.count() == 4
    task = order.enrichment_tasks.get()

    # when the fulfillment agent claims the enrichment task and fills in what it asks
    fulfiller = browser.new_context().new_page()
    fulfiller.set_default_timeout(15_000)
    _sign_in(
        fulfiller, live_server.url, "fulfillment_agent", logins["fulfillment_agent"]
    )
    task_row = fulfiller.locator(f"#task-{task.pk}")
    task_row.locator("text=Claim").click()
    for code in task.characteristics:
        task_row.locator(f"[name=ch__{code}]").fill("AL-4711")
    task_row.locator("text=Complete task").click()
    task_row.locator("text=Closed complete").wait_for()

    # then the order is New and waits for the approver (the discount is above 20 %)
    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    assert order.approval_status == "pending"

    # when the approver approves it from the queue, the row goes
    approver = browser.new_context().new_page()
    approver.set_default_timeout(15_000)
    _sign_in(approver, live_server.url, "approver", logins["approver"])
    row = approver.locator(f"#queue-{order.pk}")
    assert "Manual discount above 20 %" in row.inner_text()
    row.locator(f"[data-testid=approve-{order.pk}]").click()
    row.wait_for(state="detached")

    # then the order is acknowledged, as its page says
    order.refresh_from_db()
    assert order.state in {
        CustomerOrderState.ACKNOWLEDGED,
        CustomerOrderState.IN_PROGRESS,
    }
    approver.goto(f"{live_server.url}/workspace/orders/{order.pk}/")
    # (fulfillment starts as soon as the approval commits: the worker runs inline here)
    assert approver.inner_text("[data-testid=order-state]") in {
        "Acknowledged",
        "In progress",
    }
    for page in (agent, fulfiller, approver):
        page.context.close()
