"""Kernel writes: people, their roles and their work groups."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.db import models, transaction

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import NotFound, ValidationFailed
from ordermgmt.locking import lock_one
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role


class KernelAuditAction(models.TextChoices):
    USER_CREATED = "user.created", "User created"
    WORK_GROUP_CREATED = "work_group.created", "Work group created"
    WORK_GROUP_MEMBER_ADDED = "work_group.member_added", "Work group member added"


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


def work_group_create(
    *,
    code: str,
    name: str,
    actor: Actor,
    description: str = "",
    manager_id: int | None = None,
    member_ids: Iterable[int] = (),
    email: str = "",
) -> WorkGroup:
    """Create a work group (a team with a queue) with its manager and members."""
    with transaction.atomic():
        if WorkGroup.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"A work group {code!r} exists.", errors={"code": ["Already used."]}
            )
        group = WorkGroup.objects.create(
            code=code,
            name=name,
            description=description,
            manager_id=manager_id,
            email=email,
        )
        members = list(member_ids)
        group.members.add(*members)
        audit_record(
            subject=group,
            action=KernelAuditAction.WORK_GROUP_CREATED,
            actor=actor,
            data={"code": code, "members": members, "manager_id": manager_id},
        )
    return group


def work_group_member_add(*, group_id: int, user_id: int, actor: Actor) -> WorkGroup:
    """Add a person to a work group so its queue shows them the group's work."""
    with transaction.atomic():
        group = lock_one(WorkGroup.objects.all(), pk=group_id, label="Work group")
        if not User.objects.filter(pk=user_id).exists():
            raise NotFound(f"User {user_id} does not exist.")
        group.members.add(user_id)
        audit_record(
            subject=group,
            action=KernelAuditAction.WORK_GROUP_MEMBER_ADDED,
            actor=actor,
            data={"user_id": user_id},
        )
    return group
