"""Who may act on fallouts: fallout agents and managers (model permissions of their roles,
ordermgmt.roles); assigning work to other people is for fallout managers."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from fallout.exceptions import NotFalloutStaff
from ordermgmt.actor import Actor

WORK_PERMISSION = "fallout.change_falloutrecord"
ASSIGN_PERMISSION = "fallout.assign_falloutrecord"


def _has_perm(*, actor: Actor, permission: str) -> bool:
    if actor.user_id is None:
        return False
    user = get_user_model().objects.filter(pk=actor.user_id, is_active=True).first()
    return bool(user is not None and user.has_perm(permission))


def fallout_staff_check(*, actor: Actor, doing: str) -> None:
    """Refuse anyone but fallout staff (and superusers); scheduled jobs may act too."""
    if actor.is_job or _has_perm(actor=actor, permission=WORK_PERMISSION):
        return
    raise NotFalloutStaff(f"{actor} is not fallout staff and so cannot {doing}.")


def fallout_manager_check(*, actor: Actor, doing: str) -> None:
    """Refuse anyone but fallout managers (and superusers)."""
    if _has_perm(actor=actor, permission=ASSIGN_PERMISSION):
        return
    raise NotFalloutStaff(f"{actor} is not a fallout manager and so cannot {doing}.")
