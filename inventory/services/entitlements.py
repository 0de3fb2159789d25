"""Entitlements following their items through MACD orders: end, suspend, resume, revise.

The item services of `inventory.services.item_sets` call these in their transaction,
after the items moved, so what a contract grants always follows what the account owns:
a disconnected item's entitlements end (its whole contract when no item of the contract
is left), a suspended item's are suspended, a resumed item's active again, and a changed
item's take its new values (docs/adr/0016). Contracts are locked before entitlements,
each set in ascending pk order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from inventory.audit import AuditAction
from inventory.models import (
    Contract,
    ContractState,
    Entitlement,
    EntitlementState,
    InventoryItemState,
)
from inventory.rules import contract_end_date, contract_term_months
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record_many
from ordermgmt.locking import lock_many
from ordermgmt.writes import rows_save_transitioned

_GRANTING = (EntitlementState.ACTIVE, EntitlementState.SUSPENDED)


@dataclass(frozen=True)
class EntitlementRevision:
    """New values for the entitlements on one changed item; None keeps the value."""

    characteristics: Mapping[str, Any]
    monthly_value: Decimal | None = None
    one_time_value: Decimal | None = None


def entitlements_end_for_items(
    *, item_ids: Collection[int], actor: Actor, at: datetime, reason: str = ""
) -> list[Contract]:
    """End what contracts grant on disconnected items; return the contracts terminated.

    A contract none of whose items is still owned (all inactive) is terminated with
    every entitlement it still grants; other contracts keep running and lose only the
    entitlements on these items. Call after the items became inactive.
    """
    contract_ids = set(
        Entitlement.objects.filter(
            inventory_item_id__in=item_ids, state__in=_GRANTING
        ).values_list("contract_id", flat=True)
    )
    if not contract_ids:
        return []
    contracts = lock_many(
        Contract.objects.filter(pk__in=contract_ids, state=ContractState.ACTIVE)
    )
    owned_by_contract: dict[int, bool] = defaultdict(bool)
    for contract_id, item_state in Entitlement.objects.filter(
        contract_id__in=contract_ids
    ).values_list("contract_id", "inventory_item__state"):
        owned_by_contract[contract_id] |= item_state != InventoryItemState.INACTIVE
    ending = [c for c in contracts if not owned_by_contract[c.pk]]
    for contract in ending:
        contract.terminate(at=at)
    rows_save_transitioned(
        rows=ending,
        from_states=[ContractState.ACTIVE] * len(ending),
        fields=["state", "terminated_at"],
        at=at,
    )
    audit_record_many(
        subjects=ending,
        action=AuditAction.CONTRACT_TERMINATED,
        actor=actor,
        from_states=[ContractState.ACTIVE] * len(ending),
        to_state=ContractState.TERMINATED,
        reason=reason,
        at=at,
    )
    entitlements = lock_many(
        Entitlement.objects.filter(
            contract_id__in=[c.pk for c in ending], state__in=_GRANTING
        )
        | Entitlement.objects.filter(
            inventory_item_id__in=item_ids,
            contract_id__in=[c.pk for c in contracts],
            state__in=_GRANTING,
        )
    )
    _entitlements_move(
        entitlements=entitlements,
        action=AuditAction.ENTITLEMENT_TERMINATED,
        to_state=EntitlementState.TERMINATED,
        fields=["state", "terminated_at"],
        actor=actor,
        at=at,
        reason=reason,
    )
    return ending


def entitlements_suspend_for_items(
    *, item_ids: Collection[int], actor: Actor, at: datetime, reason: str = ""
) -> list[Entitlement]:
    """Suspend the active entitlements on suspended items."""
    entitlements = lock_many(
        Entitlement.objects.filter(
            inventory_item_id__in=item_ids, state=EntitlementState.ACTIVE
        )
    )
    return _entitlements_move(
        entitlements=entitlements,
        action=AuditAction.ENTITLEMENT_SUSPENDED,
        to_state=EntitlementState.SUSPENDED,
        fields=["state", "suspended_at"],
        actor=actor,
        at=at,
        reason=reason,
    )


def entitlements_resume_for_items(
    *, item_ids: Collection[int], actor: Actor, at: datetime, reason: str = ""
) -> list[Entitlement]:
    """Make the suspended entitlements on resumed items active again."""
    entitlements = lock_many(
        Entitlement.objects.filter(
            inventory_item_id__in=item_ids, state=EntitlementState.SUSPENDED
        )
    )
    return _entitlements_move(
        entitlements=entitlements,
        action=AuditAction.ENTITLEMENT_RESUMED,
        to_state=EntitlementState.ACTIVE,
        fields=["state", "suspended_at"],
        actor=actor,
        at=at,
        reason=reason,
    )


def _entitlements_move(
    *,
    entitlements: list[Entitlement],
    action: str,
    to_state: str,
    fields: list[str],
    actor: Actor,
    at: datetime,
    reason: str,
) -> list[Entitlement]:
    from_states = [entitlement.state for entitlement in entitlements]
    for entitlement in entitlements:
        if to_state == EntitlementState.TERMINATED:
            entitlement.terminate(at=at)
        elif to_state == EntitlementState.SUSPENDED:
            entitlement.suspend(at=at)
        else:
            entitlement.resume()
    rows_save_transitioned(
        rows=entitlements, from_states=from_states, fields=fields, at=at
    )
    audit_record_many(
        subjects=entitlements,
        action=action,
        actor=actor,
        from_states=from_states,
        to_state=to_state,
        reason=reason,
        at=at,
    )
    return entitlements


def entitlements_revise_for_items(
    *,
    revisions: Mapping[int, EntitlementRevision],
    actor: Actor,
    at: datetime,
    order_number: str = "",
) -> list[Contract]:
    """Give the entitlements on changed items their new values; return the contracts
    revised.

    Each contract's values become the sums of the entitlements it still grants, and its
    term follows the longest `contract_term` among them, counted from its start date (a
    change never makes a second contract). Entitlements already ended are left alone.
    """
    if not revisions:
        return []
    contract_ids = set(
        Entitlement.objects.filter(
            inventory_item_id__in=revisions, state__in=_GRANTING
        ).values_list("contract_id", flat=True)
    )
    contracts = lock_many(
        Contract.objects.filter(pk__in=contract_ids, state=ContractState.ACTIVE)
    )
    granting = lock_many(
        Entitlement.objects.filter(
            contract_id__in=[c.pk for c in contracts], state__in=_GRANTING
        )
    )
    revised = [e for e in granting if e.inventory_item_id in revisions]
    for entitlement in revised:
        revision = revisions[entitlement.inventory_item_id]
        entitlement.characteristics = dict(revision.characteristics)
        if revision.monthly_value is not None:
            entitlement.monthly_value = revision.monthly_value
        if revision.one_time_value is not None:
            entitlement.one_time_value = revision.one_time_value
        entitlement.updated_at = at
    Entitlement.objects.bulk_update(
        revised,
        fields=["characteristics", "monthly_value", "one_time_value", "updated_at"],
    )
    by_contract: dict[int, list[Entitlement]] = defaultdict(list)
    for entitlement in granting:
        by_contract[entitlement.contract_id].append(entitlement)
    for contract in contracts:
        _contract_totals_set(contract=contract, entitlements=by_contract[contract.pk])
        contract.updated_at = at
    Contract.objects.bulk_update(
        contracts,
        fields=[
            "monthly_value",
            "one_time_value",
            "term_months",
            "end_date",
            "updated_at",
        ],
    )
    audit_record_many(
        subjects=revised,
        action=AuditAction.ENTITLEMENT_REVISED,
        actor=actor,
        data={"order_number": order_number},
        at=at,
    )
    audit_record_many(
        subjects=contracts,
        action=AuditAction.CONTRACT_REVISED,
        actor=actor,
        data={"order_number": order_number},
        at=at,
    )
    return contracts


def _contract_totals_set(
    *, contract: Contract, entitlements: list[Entitlement]
) -> None:
    contract.monthly_value = sum((e.monthly_value for e in entitlements), Decimal("0"))
    contract.one_time_value = sum(
        (e.one_time_value for e in entitlements), Decimal("0")
    )
    term = contract_term_months(
        characteristics=[e.characteristics for e in entitlements]
    )
    if term is not None and term != contract.term_months:
        contract.term_months = term
        contract.end_date = contract_end_date(
            start_date=contract.start_date, term_months=term
        )
