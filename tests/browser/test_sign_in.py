"""A person signs in through the real login form and lands in its role's place."""

import pytest

from ordermgmt.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("role", "heading"),
    [
        (Role.ORDER_AGENT, "Order agent workspace"),
        (Role.FALLOUT_MANAGER, "Fallout management"),
    ],
)
def test_person_signs_in_and_lands_in_its_workspace(
    live_server, page, make_user, role, heading
):
    make_user("person", role)

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "person")
    page.fill("#id_password", "pw-person")
    page.click("button[type=submit]")

    page.wait_for_selector("h1")
    assert page.inner_text("h1") == heading
    assert page.locator("nav.places a[aria-current=page]").count() == 1

    page.click("text=Sign out")
    page.wait_for_selector("#id_username")


def test_wrong_password_is_told_and_stays_on_login(live_server, page, make_user):
    make_user("person", Role.ORDER_AGENT)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "person")
    page.fill("#id_password", "nope")
    page.click("button[type=submit]")
    assert "didn't match" in page.inner_text("[role=alert]")
