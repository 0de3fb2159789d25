"""A fulfillment agent works the manual tasks of a Fiber Internet order from its queue
(claim, note, complete with data) while the order page's orchestration view follows
the order live to Completed."""

from __future__ import annotations

import pytest

from decomposition.models import DomainOrder
from fixtures.demo.load import demo_load
from orchestration.models import OrderTask, OrderTaskState
from orders.models import CustomerOrderState
from tests.workspace.builders import demo_order_in_fulfillment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, base_url: str, username: str, password: str):
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    return page


def _work(page, task: OrderTask, *, note: str, data: dict[str, str]) -> None:
    row = page.locator(f"#order-task-{task.pk}")
    row.locator(f"[data-testid=claim-{task.pk}]").click()
    row.locator("text=claimed by you").wait_for()
    row.locator("textarea[name=text]").first.fill(note)
    row.locator("text=Add note").click()
    row.locator("text=Note added.").wait_for()
    for index, (key, value) in enumerate(data.items()):
        row.locator(f"input[name=key_{index}]").fill(key)
        row.locator(f"input[name=value_{index}]").fill(value)
    row.locator("text=Complete task").click()
    row.locator("[data-testid=task-state]", has_text="Closed complete").wait_for()


def test_agent_works_the_manual_tasks_and_the_orchestration_view_follows(
    live_server, browser
):
    # given a Fiber Internet order approved by policy; the worker (inline) ran the
    # automated tasks, so the site survey waits in the fiber provisioning queue
    logins = {login.username: login.password for login in demo_load()}
    order = demo_order_in_fulfillment()
    survey = OrderTask.objects.get(order=order, code="site_survey")
    install = OrderTask.objects.get(order=order, code="install_ont")
    assert survey.state == OrderTaskState.OPEN
    assert install.state == OrderTaskState.DRAFT

    # and a fulfillment manager watching the order page
    watcher = _signed_in(
        browser, live_server.url, "fulfillment_manager", logins["fulfillment_manager"]
    )
    watcher.goto(f"{live_server.url}/workspace/orders/{order.pk}/")
    graph = watcher.locator("[data-testid=orchestration-graph]")
    graph.wait_for()
    drawn = graph.locator("[data-testid=domain-order]")
    assert drawn.count() == DomainOrder.objects.filter(order=order).count()
    assert graph.locator(f"[data-task='{survey.pk}'][data-state=open]").count() == 1

    # when the fulfillment agent works the site survey from its queue
    agent = _signed_in(
        browser, live_server.url, "fulfillment_agent", logins["fulfillment_agent"]
    )
    assert agent.url.endswith("/workspace/fulfillment/")
    _work(agent, survey, note="Duct is free.", data={"duct": "free"})

    # then the installation opens in the queue; the agent works it too
    install.refresh_from_db()
    assert install.state == OrderTaskState.OPEN
    agent.reload()
    _work(agent, install, note="ONT mounted.", data={"ont_serial": "ZTE-0042"})

    # then the order completes on its own, and the watcher's view follows it live
    order.refresh_from_db()
    assert order.state == CustomerOrderState.COMPLETED
    watcher.wait_for_selector(
        f"[data-task='{install.pk}'][data-state=closed_complete]", timeout=20_000
    )
    watcher.locator("[data-testid=order-state]", has_text="Completed").wait_for()
    assert watcher.locator("[data-testid=task-chip][data-state=open]").count() == 0
    survey.refresh_from_db()
    assert survey.data["duct"] == "free"
    assert survey.notes.get().text == "Duct is free."
    for page in (agent, watcher):
        page.context.close()
