"""Set-based MACD writes on inventory items: begin a change, disconnect, suspend, resume.

Orchestration calls these when a change, delete, suspend or resume order begins or its
domain orders close. Each takes the items the order acts on; disconnect, suspend and
resume also move every item beneath them (a service's resources follow it), and the
entitlements on the items follow too (inventory.services.entitlements). Items already in
the target state are left alone, so a repeated call changes nothing; an item in a state
the move does not start from refuses the whole set. Items beneath the named ones that
are inactive already (disconnected earlier) stay as they are. Items are locked in
ascending pk order, before any contract or entitlement. A fixed number of queries per
call, whatever the number of items (plus one per tree level).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django_fsm import can_proceed

from inventory.audit import AuditAction
from inventory.models import InventoryItem, InventoryItemState
from inventory.selectors import inventory_item_subtree_ids
from inventory.services.entitlements import (
    entitlements_end_for_items,
    entitlements_resume_for_items,
    entitlements_suspend_for_items,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record_many
from ordermgmt.exceptions import InvalidTransition, NotFound
from ordermgmt.locking import lock_many
from ordermgmt.transactions import service_atomic
from ordermgmt.writes import rows_save_transitioned

_S = InventoryItemState


def _items_lock(
    *, item_ids: Collection[int], with_subtree: bool
) -> list[InventoryItem]:
    """Lock the named items (and those beneath them); NotFound if one is missing.
    Inactive items beneath the named ones are dropped."""
    wanted = set(item_ids)
    ids = inventory_item_subtree_ids(item_ids=wanted) if with_subtree else wanted
    items = lock_many(InventoryItem.objects.filter(pk__in=ids))
    missing = wanted - {item.pk for item in items}
    if missing:
        raise NotFound(f"Inventory items {sorted(missing)} do not exist.")
    return [item for item in items if item.pk in wanted or item.state != _S.INACTIVE]


def _to_move(
    *,
    items: list[InventoryItem],
    target: str,
    transition: str,
    allowed: Callable[[InventoryItem], bool],
) -> list[InventoryItem]:
    """The items not yet in `target`; refuse the set if one cannot make the move."""
    moving = [item for item in items if item.state != target]
    for item in moving:
        if not allowed(item):
            raise InvalidTransition(subject=item, transition=transition)
    return moving


@dataclass(frozen=True)
class _Move:
    """One kind of set-based move: the transition, its target, what it writes."""

    transition: str
    target: str
    fields: tuple[str, ...]
    action: str
    with_subtree: bool
    # What the entitlements on the moved items do (None: nothing).
    entitlements: Callable[..., object] | None = None


def _move(
    *,
    move: _Move,
    item_ids: Collection[int],
    actor: Actor,
    reason: str,
    at: datetime,
) -> list[InventoryItem]:
    """Lock, check the whole set, transition, save and audit the items that move."""
    with service_atomic():
        items = _items_lock(item_ids=item_ids, with_subtree=move.with_subtree)
        moving = _to_move(
            items=items,
            target=move.target,
            transition=move.transition,
            allowed=lambda item: can_proceed(getattr(item, move.transition)),
        )
        from_states: Sequence[str] = [item.state for item in moving]
        for item in moving:
            _apply(item=item, transition=move.transition, at=at)
        rows_save_transitioned(
            rows=moving,
            from_states=list(from_states),
            fields=["state", *move.fields],
            at=at,
        )
        audit_record_many(
            subjects=moving,
            action=move.action,
            actor=actor,
            from_states=from_states,
            to_state=move.target,
            reason=reason,
            at=at,
        )
        if move.entitlements is not None:
            move.entitlements(
                item_ids=[item.pk for item in moving],
                actor=actor,
                at=at,
                reason=reason,
            )
    return items


def _apply(*, item: InventoryItem, transition: str, at: datetime) -> None:
    if transition == "resume":
        item.resume()
    else:
        getattr(item, transition)(at=at)


_CHANGE_BEGIN = _Move(
    transition="begin_change",
    target=_S.CHANGE_PENDING,
    fields=("change_pending_at",),
    action=AuditAction.ITEM_CHANGE_BEGUN,
    with_subtree=False,
)
_DISCONNECT = _Move(
    transition="disconnect",
    target=_S.INACTIVE,
    fields=("terminated_at",),
    action=AuditAction.ITEM_DISCONNECTED,
    with_subtree=True,
    entitlements=entitlements_end_for_items,
)
_SUSPEND = _Move(
    transition="suspend",
    target=_S.SUSPENDED,
    fields=("suspended_at",),
    action=AuditAction.ITEM_SUSPENDED,
    with_subtree=True,
    entitlements=entitlements_suspend_for_items,
)
_RESUME = _Move(
    transition="resume",
    target=_S.ACTIVE,
    fields=("suspended_at",),
    action=AuditAction.ITEM_RESUMED,
    with_subtree=True,
    entitlements=entitlements_resume_for_items,
)


def inventory_items_change_begin(
    *, item_ids: Collection[int], actor: Actor, at: datetime | None = None
) -> list[InventoryItem]:
    """Mark active items as being changed by an order in flight (Change pending)."""
    return _move(
        move=_CHANGE_BEGIN,
        item_ids=item_ids,
        actor=actor,
        reason="",
        at=at or timezone.now(),
    )


def inventory_items_disconnect(
    *,
    item_ids: Collection[int],
    actor: Actor,
    reason: str = "",
    at: datetime | None = None,
) -> list[InventoryItem]:
    """Disconnect items and everything beneath them, and end what contracts grant on
    them: the account no longer owns them (they are kept, inactive, for history)."""
    return _move(
        move=_DISCONNECT,
        item_ids=item_ids,
        actor=actor,
        reason=reason,
        at=at or timezone.now(),
    )


def inventory_items_suspend(
    *,
    item_ids: Collection[int],
    actor: Actor,
    reason: str = "",
    at: datetime | None = None,
) -> list[InventoryItem]:
    """Suspend active items and everything beneath them, with their entitlements."""
    return _move(
        move=_SUSPEND,
        item_ids=item_ids,
        actor=actor,
        reason=reason,
        at=at or timezone.now(),
    )


def inventory_items_resume(
    *,
    item_ids: Collection[int],
    actor: Actor,
    reason: str = "",
    at: datetime | None = None,
) -> list[InventoryItem]:
    """Resume suspended items and everything beneath them, with their entitlements."""
    return _move(
        move=_RESUME,
        item_ids=item_ids,
        actor=actor,
        reason=reason,
        at=at or timezone.now(),
    )
