"""The portal shows a customer its own account and nothing of anyone else's."""

import pytest
from django.urls import reverse

from ordermgmt.roles import Role
from orders.services import account_portal_user_add
from tests.orders.factories import AccountFactory, CustomerOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_and_other(make_user, job_actor):
    own, other = AccountFactory(name="Own Ltd"), AccountFactory(name="Other plc")
    customer = make_user("cust", Role.CUSTOMER)
    account_portal_user_add(account_id=own.pk, user_id=customer.pk, actor=job_actor)
    return (
        customer,
        CustomerOrderFactory(account=own),
        CustomerOrderFactory(account=other),
    )


def test_portal_home_lists_only_the_customers_own_orders(client, own_and_other):
    customer, own_order, other_order = own_and_other
    client.force_login(customer)

    response = client.get(reverse("portal:home"))

    assert response.status_code == 200
    assert own_order.number.encode() in response.content
    assert other_order.number.encode() not in response.content
    assert b"Own Ltd" in response.content


def test_customer_cannot_open_another_accounts_order(client, own_and_other):
    customer, own_order, other_order = own_and_other
    client.force_login(customer)

    assert (
        client.get(reverse("portal:order-detail", args=[own_order.pk])).status_code
        == 200
    )
    response = client.get(reverse("portal:order-detail", args=[other_order.pk]))
    assert response.status_code == 404


def test_customer_without_account_is_told_so(client, make_user):
    client.force_login(make_user("lonely", Role.CUSTOMER))
    response = client.get(reverse("portal:home"))
    assert b"not linked to a customer account" in response.content


def test_portal_needs_sign_in(client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_portal_home_is_served_in_a_bounded_number_of_queries(
    client, own_and_other, django_assert_max_num_queries
):
    customer, own_order, _ = own_and_other
    for _ in range(10):
        CustomerOrderFactory(account=own_order.account)
    client.force_login(customer)
    with django_assert_max_num_queries(12):
        client.get(reverse("portal:home"))
