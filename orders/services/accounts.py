"""Customer accounts: create, suspend / reactivate, contacts and portal users."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed
from guardian.shortcuts import assign_perm

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.roles import Role
from orders.audit import AuditAction
from orders.exceptions import AlreadyPortalUser
from orders.models import (
    ACCOUNT_NUMBER_PREFIX,
    Account,
    AccountKind,
    AccountUser,
    Contact,
    ContactRole,
    CustomerSegment,
    display_number,
)
from orders.selectors import VIEW_ACCOUNT_PERMISSION, account_get_for_update


def _check_fields(instance: Account | Contact, *, label: str) -> None:
    # The state field is protected: full_clean() must not write it back.
    try:
        instance.full_clean(exclude=["number", "state"])
    except ValidationError as exc:
        raise ValidationFailed(
            f"The {label} is not valid.", errors=exc.message_dict
        ) from exc


def account_create(
    *,
    name: str,
    actor: Actor,
    kind: str = AccountKind.ORGANISATION,
    segment: str = CustomerSegment.CONSUMER,
    region: str = "",
    currency: str = "EUR",
    billing_address: dict[str, Any] | None = None,
    service_address: dict[str, Any] | None = None,
) -> Account:
    """Open a customer account with its ACC number."""
    with transaction.atomic():
        account = Account(
            name=name,
            kind=kind,
            segment=segment,
            region=region,
            currency=currency,
            billing_address=billing_address or {},
            service_address=service_address or {},
        )
        _check_fields(account, label="account")
        account.save()
        account.number = display_number(prefix=ACCOUNT_NUMBER_PREFIX, pk=account.pk)
        account.save(update_fields=["number"])
        audit_record(
            subject=account,
            action=AuditAction.ACCOUNT_CREATED,
            actor=actor,
            to_state=account.state,
            data={"name": name, "segment": segment},
        )
    return account


def account_suspend(*, account_id: int, actor: Actor, reason: str = "") -> Account:
    """Suspend an account: it can no longer place new orders."""
    with transaction.atomic():
        account = account_get_for_update(account_id=account_id)
        if not can_proceed(account.suspend):
            raise InvalidTransition(subject=account, transition="suspend")
        from_state = account.state
        account.suspend(at=timezone.now())
        account.save(update_fields=["state", "suspended_at", "updated_at"])
        audit_record(
            subject=account,
            action=AuditAction.ACCOUNT_SUSPENDED,
            actor=actor,
            from_state=from_state,
            to_state=account.state,
            reason=reason,
        )
    return account


def account_reactivate(*, account_id: int, actor: Actor, reason: str = "") -> Account:
    """Reactivate a suspended account."""
    with transaction.atomic():
        account = account_get_for_update(account_id=account_id)
        if not can_proceed(account.reactivate):
            raise InvalidTransition(subject=account, transition="reactivate")
        from_state = account.state
        account.reactivate()
        account.save(update_fields=["state", "suspended_at", "updated_at"])
        audit_record(
            subject=account,
            action=AuditAction.ACCOUNT_REACTIVATED,
            actor=actor,
            from_state=from_state,
            to_state=account.state,
            reason=reason,
        )
    return account


def contact_add(
    *,
    account_id: int,
    name: str,
    actor: Actor,
    email: str = "",
    phone: str = "",
    role: str = ContactRole.PRIMARY,
) -> Contact:
    """Add a contact person to an account."""
    with transaction.atomic():
        account = account_get_for_update(account_id=account_id)
        contact = Contact(
            account=account, name=name, email=email, phone=phone, role=role
        )
        _check_fields(contact, label="contact")
        contact.save()
        audit_record(
            subject=account,
            action=AuditAction.CONTACT_ADDED,
            actor=actor,
            data={"contact_id": contact.pk, "name": name, "role": role},
        )
    return contact


def account_portal_user_add(
    *, account_id: int, user_id: int, actor: Actor
) -> AccountUser:
    """Let a user see and order for one account in the portal (Customer role, view_account)."""
    with transaction.atomic():
        account = account_get_for_update(account_id=account_id)
        user = get_user_model().objects.filter(pk=user_id).first()
        if user is None:
            raise NotFound(f"User {user_id} does not exist.")
        existing = AccountUser.objects.filter(user_id=user_id).first()
        if existing is not None:
            raise AlreadyPortalUser(
                f"User {user.get_username()} already belongs to account "
                f"{existing.account_id}.",
                account_id=existing.account_id,
            )
        membership = AccountUser.objects.create(account=account, user=user)
        customer_group, _ = Group.objects.get_or_create(name=Role.CUSTOMER.label)
        user.groups.add(customer_group)
        assign_perm(VIEW_ACCOUNT_PERMISSION, user, account)
        audit_record(
            subject=account,
            action=AuditAction.PORTAL_USER_ADDED,
            actor=actor,
            data={"user_id": user_id, "username": user.get_username()},
        )
    return membership
