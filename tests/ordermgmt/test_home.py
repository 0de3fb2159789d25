"""Each role's home page leads to a page that belongs to that role."""

import pytest
from django.urls import reverse

from ordermgmt.roles import Role

pytestmark = pytest.mark.django_db

ROLE_PLACES = [
    (Role.CUSTOMER, "portal:home"),
    (Role.ORDER_AGENT, "workspace:agent"),
    (Role.ORDER_APPROVER, "workspace:approver"),
    (Role.ORDER_MANAGER, "workspace:order-manager"),
    (Role.FULFILLMENT_AGENT, "workspace:fulfillment"),
    (Role.FULFILLMENT_MANAGER, "workspace:fulfillment-manager"),
    (Role.FALLOUT_AGENT, "workspace:fallout"),
    (Role.FALLOUT_MANAGER, "workspace:fallout-manager"),
    (Role.PROCESS_ADMIN, "admin:index"),
    (Role.INTEGRATOR, "api-docs"),
]


@pytest.mark.parametrize(("role", "url_name"), ROLE_PLACES)
def test_home_sends_each_role_to_its_place(client, make_user, role, url_name):
    user = make_user(f"u-{role.value}", role, is_staff=role is Role.PROCESS_ADMIN)
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse(url_name)
    assert client.get(response["Location"]).status_code == 200


def test_home_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_role_is_told_so(client, make_user):
    client.force_login(make_user("nobody"))
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert b"no role" in response.content


@pytest.mark.parametrize(
    "url_name",
    ["workspace:agent", "workspace:approver", "workspace:fallout-manager"],
)
def test_workspaces_refuse_other_roles(client, make_user, url_name):
    client.force_login(make_user("cust", Role.CUSTOMER))
    assert client.get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize(
    "url_name", [url for _, url in ROLE_PLACES if url.startswith("workspace:")]
)
def test_no_workspace_is_a_placeholder_any_more(client, make_user, url_name):
    client.force_login(make_user("boss", is_superuser=True))
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert b'data-testid="placeholder"' not in response.content


def test_login_page_signs_a_user_in(client, make_user):
    make_user("approver1", Role.ORDER_APPROVER)
    response = client.post(
        reverse("login"), {"username": "approver1", "password": "pw-approver1"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home"))["Location"] == reverse("workspace:approver")
