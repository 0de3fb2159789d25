"""Account services: create, suspend / reactivate, contacts, portal users."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import get_perms

from ordermgmt.audit import audit_history
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.roles import Role
from orders.audit import AuditAction
from orders.exceptions import AlreadyPortalUser
from orders.models import Account, AccountState, AccountUser, CustomerSegment
from orders.services import (
    account_create,
    account_portal_user_add,
    account_reactivate,
    account_suspend,
    contact_add,
)
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_account_create_numbers_the_account_and_audits(actor):
    account = account_create(
        name="Acme",
        actor=actor,
        segment=CustomerSegment.ENTERPRISE,
        billing_address={"city": "Leeds"},
    )

    assert re.fullmatch(r"ACC\d{7}", account.number)
    assert account.number == f"ACC{account.pk + 1000:07d}"
    assert account.state == AccountState.ACTIVE
    assert audit_history(subject=account).get().action == AuditAction.ACCOUNT_CREATED


def test_account_create_refuses_a_bad_currency(actor):
    with pytest.raises(ValidationFailed) as caught:
        account_create(name="Acme", actor=actor, currency="euro")

    assert "currency" in caught.value.errors
    assert not Account.objects.exists()


def test_account_suspend_and_reactivate(actor):
    account = AccountFactory()

    account_suspend(account_id=account.pk, actor=actor, reason="unpaid")
    account.refresh_from_db()
    assert account.state == AccountState.SUSPENDED
    assert account.suspended_at is not None

    account_reactivate(account_id=account.pk, actor=actor)
    account.refresh_from_db()
    assert account.state == AccountState.ACTIVE
    assert account.suspended_at is None
    actions = list(audit_history(subject=account).values_list("action", flat=True))
    assert actions == [AuditAction.ACCOUNT_SUSPENDED, AuditAction.ACCOUNT_REACTIVATED]


def test_account_suspend_refuses_a_suspended_account(actor):
    account = AccountFactory(state=AccountState.SUSPENDED)

    with pytest.raises(InvalidTransition):
        account_suspend(account_id=account.pk, actor=actor)


def test_account_reactivate_refuses_an_active_account(actor):
    account = AccountFactory()

    with pytest.raises(InvalidTransition):
        account_reactivate(account_id=account.pk, actor=actor)

    assert not audit_history(subject=account).exists()


def test_contact_add_records_the_contact_on_the_account(actor):
    account = AccountFactory()

    contact = contact_add(
        account_id=account.pk, name="Ann", email="ann@example.com", actor=actor
    )

    assert list(account.contacts.all()) == [contact]
    event = audit_history(subject=account).get()
    assert event.data["contact_id"] == contact.pk


def test_contact_add_refuses_a_bad_email(actor):
    account = AccountFactory()

    with pytest.raises(ValidationFailed) as caught:
        contact_add(
            account_id=account.pk, name="Ann", email="not-an-email", actor=actor
        )

    assert "email" in caught.value.errors
    assert not account.contacts.exists()
    assert not audit_history(subject=account).exists()


def test_account_portal_user_add_grants_group_and_object_permission(make_user, actor):
    account = AccountFactory()
    other = AccountFactory()
    user = make_user("portal1")

    membership = account_portal_user_add(
        account_id=account.pk, user_id=user.pk, actor=actor
    )

    assert membership.account == account
    assert AccountUser.objects.get(user=user) == membership
    assert user.groups.filter(name=Role.CUSTOMER.label).exists()
    assert "view_account" in get_perms(user, account)
    assert "view_account" not in get_perms(user, other)
    assert audit_history(subject=account).get().action == AuditAction.PORTAL_USER_ADDED


def test_account_portal_user_add_refuses_a_second_account(make_user, actor):
    user = make_user("portal1")
    first, second = AccountFactory(), AccountFactory()
    account_portal_user_add(account_id=first.pk, user_id=user.pk, actor=actor)

    with pytest.raises(AlreadyPortalUser):
        account_portal_user_add(account_id=second.pk, user_id=user.pk, actor=actor)

    assert "view_account" not in get_perms(user, second)
    assert not audit_history(subject=second).exists()


def test_account_portal_user_add_unknown_user_is_not_found(actor):
    account = AccountFactory()

    with pytest.raises(NotFound):
        account_portal_user_add(account_id=account.pk, user_id=999_999, actor=actor)

    assert not Group.objects.filter(
        name=Role.CUSTOMER.label, user__isnull=False
    ).exists()
