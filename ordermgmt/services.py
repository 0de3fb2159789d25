"""Kernel writes: people and their roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.db import models, transaction

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import ValidationFailed
from ordermgmt.roles import Role


class KernelAuditAction(models.TextChoices):
    USER_CREATED = "user.created", "User created"


def user_create(
    *,
    username: str,
    password: str,
    roles: Iterable[Role],
    actor: Actor,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user holding the given roles; process admins may open the admin site."""
    roles = list(roles)
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise ValidationFailed(
                f"The username {username!r} is taken.",
                errors={"username": ["Already used."]},
            )
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_staff=Role.PROCESS_ADMIN in roles,
        )
        groups = list(Group.objects.filter(name__in=[role.label for role in roles]))
        if len(groups) != len(roles):
            raise ValidationFailed(
                "A role group is missing; run `manage.py sync_roles` first.",
                errors={"roles": [role.label for role in roles]},
            )
        user.groups.add(*groups)
        audit_record(
            subject=user,
            action=KernelAuditAction.USER_CREATED,
            actor=actor,
            data={"username": username, "roles": [role.value for role in roles]},
        )
    return user
