"""The order page's orchestration view on demo orders decomposed and started through the
services: the SVG tree of line → domain orders → tasks, live while in progress, and a
manual task worked from the queue opening the next one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from decomposition.models import DomainOrder
from orchestration.models import OrderTask, OrderTaskState
from orchestration.services import order_task_claim, order_task_complete
from ordermgmt.actor import Actor
from orders.models import CustomerOrderState
from tests.orders.factories import CustomerOrderFactory
from tests.workspace.builders import automated_tasks_run, demo_order_in_fulfillment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _numbers_drawn(content: bytes) -> set[str]:
    return set(
        re.findall(r'data-testid="domain-order" data-number="(\w+)"', content.decode())
    )


def test_order_page_draws_the_tree_of_a_decomposed_fiber_order(client, demo):
    # given a Fiber Internet order decomposed and started
    order = demo_order_in_fulfillment()
    domain_orders = DomainOrder.objects.filter(order=order)
    client.force_login(demo["fulfillment_agent"])

    # when
    response = client.get(reverse("workspace:order-detail", args=[order.pk]))

    # then every domain order is a box, every task a chip, the line a band
    content = response.content
    assert response.status_code == 200
    assert b'data-testid="orchestration-graph"' in content
    assert _numbers_drawn(content) == {d.number for d in domain_orders}
    assert (
        content.count(b'data-testid="task-chip"')
        == OrderTask.objects.filter(order=order).count()
    )
    assert content.count(b'data-testid="line-band"') == 1
    # parent / child lines and the plan's task-after-task arrows
    assert content.count(b"og-edge-tree") == domain_orders.count() - 1
    assert content.count(b"og-edge-plan") == 3  # site survey → install → activate; ship
    assert b"Site survey" in content
    assert b'hx-trigger="every 5s"' in content


def test_a_bundle_order_draws_a_band_per_line_and_the_requires_edge(client, demo):
    order = demo_order_in_fulfillment(offering_code="OFF_FIBER_HOME_BUNDLE")
    client.force_login(demo["fulfillment_manager"])

    response = client.get(reverse("workspace:order-detail", args=[order.pk]))

    content = response.content
    assert content.count(b'data-testid="line-band"') == order.lines.count()
    # voice waits for internet
    assert content.count(b"og-edge-requires") == 1
    assert (
        len(_numbers_drawn(content)) == DomainOrder.objects.filter(order=order).count()
    )


def test_the_partial_shows_task_states_and_refreshes_the_order_state(client, demo):
    # given the automated resource tasks done, so the site survey is open
    order = demo_order_in_fulfillment()
    automated_tasks_run(order_id=order.pk)
    survey = OrderTask.objects.get(order=order, code="site_survey")
    assert survey.state == OrderTaskState.OPEN
    client.force_login(demo["agent"])

    # when the view polls
    response = client.get(
        reverse("workspace:order-orchestration", args=[order.pk]), **HTMX
    )

    # then the chips carry the current states and the order's badge comes out of band
    content = response.content.decode()
    assert f'data-task="{survey.pk}" data-state="open"' in content
    assert content.count('data-state="closed_complete"') >= 3
    assert 'id="order-state"' in content
    assert 'hx-swap-oob="true"' in content
    assert 'hx-trigger="every 5s"' in content


def test_a_finished_order_stops_polling(client, demo):
    # given a fiber order fulfilled to the end: automated tasks and both manual ones
    order = demo_order_in_fulfillment()
    agent = Actor.for_user(demo["fulfillment_agent"])
    for code in ("site_survey", "install_ont"):
        automated_tasks_run(order_id=order.pk)
        task = OrderTask.objects.get(order=order, code=code)
        order_task_claim(task_id=task.pk, actor=agent)
        order_task_complete(task_id=task.pk, data={}, actor=agent)
    automated_tasks_run(order_id=order.pk)
    order.refresh_from_db()
    assert order.state == CustomerOrderState.COMPLETED
    client.force_login(demo["agent"])

    response = client.get(
        reverse("workspace:order-orchestration", args=[order.pk]), **HTMX
    )

    assert b'data-testid="orchestration-graph"' in response.content
    assert b"every 5s" not in response.content
    assert b'data-state="open"' not in response.content
    assert b">Completed</span>" in response.content


def test_an_order_not_yet_decomposed_says_when_fulfillment_starts(client, demo):
    order = CustomerOrderFactory(state=CustomerOrderState.ACKNOWLEDGED)
    client.force_login(demo["agent"])

    response = client.get(reverse("workspace:order-detail", args=[order.pk]))

    assert b'data-testid="orchestration"' in response.content
    assert b"Waiting for the worker" in response.content
    assert b"orchestration-graph" not in response.content


def test_a_finished_order_never_decomposed_has_no_orchestration_view(client, demo):
    order = CustomerOrderFactory(state=CustomerOrderState.COMPLETED)
    client.force_login(demo["agent"])

    response = client.get(reverse("workspace:order-detail", args=[order.pk]))

    assert b'data-testid="orchestration"' not in response.content


def test_customers_cannot_read_the_orchestration_partial(client, demo):
    order = demo_order_in_fulfillment()
    client.force_login(demo["customer"])

    response = client.get(reverse("workspace:order-orchestration", args=[order.pk]))

    assert response.status_code == 403


def test_working_the_site_survey_from_the_queue_opens_the_installation(client, demo):
    # given a fiber order whose automated resource tasks are done
    order = demo_order_in_fulfillment()
    automated_tasks_run(order_id=order.pk)
    survey = OrderTask.objects.get(order=order, code="site_survey")
    install = OrderTask.objects.get(order=order, code="install_ont")
    assert install.state == OrderTaskState.DRAFT
    agent = demo["fulfillment_agent"]
    client.force_login(agent)
    queue = client.get(reverse("workspace:fulfillment"))
    assert f'<tbody id="order-task-{survey.pk}"'.encode() in queue.content

    # when the agent claims, notes and completes it on the page
    client.post(reverse("workspace:order-task-claim", args=[survey.pk]), **HTMX)
    client.post(
        reverse("workspace:order-task-note", args=[survey.pk]),
        {"text": "Duct free, ONT on the wall by the door."},
        **HTMX,
    )
    client.post(
        reverse("workspace:order-task-complete", args=[survey.pk]),
        {"key_0": "duct", "value_0": "free"},
        **HTMX,
    )

    # then the survey is done with its data, and the installation is open in the queue
    survey.refresh_from_db()
    install.refresh_from_db()
    assert survey.state == OrderTaskState.CLOSED_COMPLETE
    assert survey.assignee == agent
    assert survey.data["duct"] == "free"
    assert survey.notes.get().text.startswith("Duct free")
    assert install.state == OrderTaskState.OPEN
    queue = client.get(reverse("workspace:fulfillment"))
    assert f'<tbody id="order-task-{install.pk}"'.encode() in queue.content
    assert f'<tbody id="order-task-{survey.pk}"'.encode() not in queue.content
