"""Each workspace page opens for its roles and refuses everybody else (customers too)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ordermgmt.roles import Role
from tests.orders.factories import AccountFactory, CustomerOrderFactory

pytestmark = pytest.mark.django_db

AGENTS = {Role.ORDER_AGENT, Role.ORDER_MANAGER}
READERS = {
    Role.ORDER_AGENT,
    Role.ORDER_APPROVER,
    Role.ORDER_MANAGER,
    Role.FULFILLMENT_AGENT,
    Role.FULFILLMENT_MANAGER,
    Role.FALLOUT_AGENT,
    Role.FALLOUT_MANAGER,
}

PAGES = [
    ("workspace:agent", False, AGENTS),
    ("workspace:order-create", False, AGENTS),
    ("workspace:order-edit", True, AGENTS),
    ("workspace:order-detail", True, READERS),
    ("workspace:approver", False, {Role.ORDER_APPROVER}),
    ("workspace:fulfillment", False, {Role.FULFILLMENT_AGENT}),
    ("workspace:fulfillment-manager", False, {Role.FULFILLMENT_MANAGER}),
    ("workspace:order-orchestration", True, READERS),
]


@pytest.fixture
def draft(db):
    return CustomerOrderFactory(account=AccountFactory())


def _url(name: str, needs_order: bool, order) -> str:
    return reverse(name, args=[order.pk]) if needs_order else reverse(name)


@pytest.mark.parametrize(("name", "needs_order", "allowed"), PAGES)
@pytest.mark.parametrize("role", list(Role))
def test_page_opens_only_for_its_roles(
    client, make_user, draft, name, needs_order, allowed, role
):
    client.force_login(make_user("someone", role))

    response = client.get(_url(name, needs_order, draft))

    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize(("name", "needs_order", "allowed"), PAGES)
def test_page_sends_anonymous_visitors_to_sign_in(
    client, draft, name, needs_order, allowed
):
    response = client.get(_url(name, needs_order, draft))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_agent_page_keeps_its_heading_and_new_order_action(client, make_user):
    client.force_login(make_user("agent", Role.ORDER_AGENT))

    response = client.get(reverse("workspace:agent"))

    assert b"<h1>Order agent workspace</h1>" in response.content
    assert reverse("workspace:order-create").encode() in response.content


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("workspace:order-approve", "post"),
        ("workspace:order-reject", "post"),
        ("workspace:order-submit", "post"),
        ("workspace:line-add", "post"),
        ("workspace:order-totals", "get"),
    ],
)
def test_customers_cannot_reach_the_order_actions(
    client, make_user, draft, name, method
):
    client.force_login(make_user("cust", Role.CUSTOMER))

    response = getattr(client, method)(reverse(name, args=[draft.pk]))

    assert response.status_code == 403


def test_audit_label_names_known_actions_and_keeps_unknown_ones():
    from workspace.templatetags.workspace_audit import audit_label

    assert audit_label("order.submitted") == "Order submitted"
    assert audit_label("something.else") == "something.else"
