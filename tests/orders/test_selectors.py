"""Who sees which orders: customers their accounts' (object permissions), staff all."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from ordermgmt.actor import Actor
from ordermgmt.exceptions import NotFound
from ordermgmt.roles import Role
from orders.selectors import (
    account_ids_for_user,
    order_get_for_user,
    orders_visible_to,
)
from orders.services import account_portal_user_add
from tests.orders.factories import AccountFactory, CustomerOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts():
    return AccountFactory(), AccountFactory()


@pytest.fixture
def customer(make_user, accounts, job_actor):
    user = make_user("portal-a", Role.CUSTOMER)
    account_portal_user_add(account_id=accounts[0].pk, user_id=user.pk, actor=job_actor)
    return user


def test_account_ids_for_user_lists_only_granted_accounts(customer, accounts):
    assert account_ids_for_user(user=customer) == [accounts[0].pk]


def test_orders_visible_to_a_customer_are_its_accounts_only(customer, accounts):
    own = CustomerOrderFactory(account=accounts[0])
    CustomerOrderFactory(account=accounts[1])

    assert list(orders_visible_to(user=customer)) == [own]


def test_orders_visible_to_a_customer_ignore_a_model_permission(customer, accounts):
    # The Customer role holds view_customerorder model-wide; it must not widen the scope.
    customer.user_permissions.add(
        Permission.objects.get(codename="view_customerorder"),
        Permission.objects.get(codename="view_account"),
    )
    own = CustomerOrderFactory(account=accounts[0])
    CustomerOrderFactory(account=accounts[1])

    assert list(orders_visible_to(user=customer)) == [own]


def test_order_get_for_user_hides_another_accounts_order(customer, accounts):
    foreign = CustomerOrderFactory(account=accounts[1])

    with pytest.raises(NotFound):
        order_get_for_user(user=customer, order_id=foreign.pk)


def test_order_get_for_user_returns_the_customers_own_order(customer, accounts):
    own = CustomerOrderFactory(account=accounts[0])

    assert order_get_for_user(user=customer, order_id=own.pk) == own


def test_orders_visible_to_staff_with_the_model_permission_are_all(make_user, accounts):
    agent = make_user("agent-x")
    agent.user_permissions.add(Permission.objects.get(codename="view_customerorder"))
    orders = {CustomerOrderFactory(account=account) for account in accounts}

    assert set(orders_visible_to(user=agent)) == orders


def test_orders_visible_to_a_user_without_permissions_are_none(make_user, accounts):
    CustomerOrderFactory(account=accounts[0])
    nobody = make_user("nobody")

    assert not orders_visible_to(user=nobody).exists()
    assert account_ids_for_user(user=nobody) == []


def test_orders_visible_to_an_anonymous_user_are_none(accounts):
    from django.contrib.auth.models import AnonymousUser

    CustomerOrderFactory(account=accounts[0])

    assert not orders_visible_to(user=AnonymousUser()).exists()


def test_order_get_for_user_unknown_order_is_not_found(customer):
    with pytest.raises(NotFound):
        order_get_for_user(user=customer, order_id=999_999)


def test_actor_of_a_customer_is_usable_for_services(customer):
    assert Actor.for_user(customer).user_id == customer.pk
