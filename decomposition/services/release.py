"""Staggered decomposition: values for an Awaiting information domain order arrive (from
an enrichment task, an agent or a TMF622 PATCH); once its mandatory characteristics are
known it is released (Qualified) and the orders waiting below it in its line are planned
again from its values: kept ones get their mapped values and are released (or wait for
their own missing values), new ones are created, ones the new values no longer need are
canceled. Released orders are announced through decomposition.hooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone
from django_fsm import can_proceed

from catalog.rules import characteristic_errors
from decomposition.audit import AuditAction
from decomposition.hooks import domain_orders_released_notify
from decomposition.models import (
    DomainOrder,
    DomainOrderAction,
    DomainOrderState,
)
from decomposition.planner import PlannedOrder, Planner
from decomposition.rules import mandatory_missing
from decomposition.selectors import (
    DecompositionTree,
    decision_tables_compiled,
    decomposition_trees,
    domain_order_descendants_for_update,
    domain_order_get_for_update,
)
from decomposition.services.decompose import decision_keys, planned_orders_insert
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record, audit_record_many
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.transactions import service_atomic

_S = DomainOrderState


def domain_order_information_receive(
    *, domain_order_id: int, characteristics: Mapping[str, Any], actor: Actor
) -> DomainOrder:
    """Add missing values to an Awaiting information domain order; release it when none
    are missing any more, with the orders waiting below it."""
    with service_atomic():
        domain_order = domain_order_get_for_update(domain_order_id=domain_order_id)
        if not can_proceed(domain_order.receive_information):
            raise InvalidTransition(
                subject=domain_order, transition="receive_information"
            )
        tree = decomposition_trees(specification_ids=[domain_order.specification_id])[
            domain_order.specification_id
        ]
        merged = {**domain_order.characteristics, **characteristics}
        _given_values_check(tree=tree, values=merged, given=characteristics)
        missing = mandatory_missing(
            characteristics=tree.root.characteristics, values=merged
        )
        now = timezone.now()
        if missing:
            _still_waiting_save(domain_order, merged, missing, actor=actor, at=now)
            return domain_order
        released = _release(domain_order, tree=tree, values=merged, actor=actor, at=now)
        domain_orders_released_notify(domain_orders=released, actor=actor)
    return domain_order


def _given_values_check(
    *, tree: DecompositionTree, values: Mapping[str, Any], given: Mapping[str, Any]
) -> None:
    errors = characteristic_errors(
        characteristics=tree.root.characteristics, values=values
    )
    known = {char.code for char in tree.root.characteristics}
    relevant = {
        path: messages
        for path, messages in errors.items()
        if path.split(".", 1)[0] in given
    }
    for code in given:
        if code not in known:
            relevant[code] = [
                f"{tree.root.specification} has no characteristic {code}."
            ]
    if relevant:
        raise ValidationFailed(
            "Some values do not fit the specification.",
            errors={f"characteristics.{path}": msgs for path, msgs in relevant.items()},
        )


def _still_waiting_save(
    domain_order: DomainOrder,
    values: dict[str, Any],
    missing: list[str],
    *,
    actor: Actor,
    at: datetime,
) -> None:
    domain_order.characteristics = values
    domain_order.missing_characteristics = missing
    domain_order.save(
        update_fields=["characteristics", "missing_characteristics", "updated_at"]
    )
    audit_record(
        subject=domain_order,
        action=AuditAction.DOMAIN_ORDER_INFORMATION_RECEIVED,
        actor=actor,
        from_state=domain_order.state,
        to_state=domain_order.state,
        data={"missing": missing},
        at=at,
    )


def _release(
    domain_order: DomainOrder,
    *,
    tree: DecompositionTree,
    values: dict[str, Any],
    actor: Actor,
    at: datetime,
) -> list[DomainOrder]:
    """Qualify the domain order and settle the orders waiting below it; return the
    released ones, parents first."""
    waiting = domain_order_descendants_for_update(domain_order=domain_order)
    planner = Planner(
        trees={domain_order.specification_id: tree},
        decisions=decision_tables_compiled(keys=decision_keys(trees=[tree])),
    )
    root = _planned_from_row(domain_order, tree=tree, values=values)
    planner.expand(root)
    planner.settle(root, waiting=False)
    existing = {row.path: row for row in waiting}
    planned = root.walk()[1:]
    if domain_order.action != DomainOrderAction.ADD:
        # A MACD order keeps its delta: only orders that exist are released.
        planned = [item for item in planned if item.path in existing]
    for item in planned:
        item.saved = existing.get(item.path)
    root.saved = domain_order

    from_state = domain_order.state
    domain_order.receive_information(characteristics=root.characteristics, at=at)
    domain_order.save(
        update_fields=[
            "state",
            "characteristics",
            "missing_characteristics",
            "released_at",
            "updated_at",
        ]
    )
    audit_record(
        subject=domain_order,
        action=AuditAction.DOMAIN_ORDER_INFORMATION_RECEIVED,
        actor=actor,
        from_state=from_state,
        to_state=domain_order.state,
        at=at,
    )
    kept = [item for item in planned if item.saved is not None]
    new = [item for item in planned if item.saved is None]
    _waiting_settle(kept, actor=actor, at=at)
    created = planned_orders_insert(new, at=at)
    _created_audit(created, actor=actor, at=at)
    planned_paths = {item.path for item in planned}
    _no_longer_needed_cancel(
        [row for row in waiting if row.path not in planned_paths],
        actor=actor,
        at=at,
    )
    return [domain_order] + [
        item.saved for item in planned if item.saved.state == _S.QUALIFIED
    ]


def _planned_from_row(
    row: DomainOrder, *, tree: DecompositionTree, values: dict[str, Any]
) -> PlannedOrder:
    return PlannedOrder(
        line_id=row.line_id,
        order_id=row.order_id,
        line_number=0,
        kind=row.kind,
        specification_id=row.specification_id,
        specification_code=tree.root.specification.code,
        action=row.action,
        relationship_type=row.relationship_type,
        path=row.path,
        sequence=row.sequence,
        characteristics=dict(values),
        node=tree.root,
        tree=tree,
        inventory_item_id=row.inventory_item_id,
    )


def _waiting_settle(
    kept: Sequence[PlannedOrder], *, actor: Actor, at: datetime
) -> None:
    """Give the waiting (Draft) orders their new values and release or hold them."""
    changed: list[DomainOrder] = []
    for item in kept:
        row: DomainOrder = item.saved
        if row.state != _S.DRAFT:
            continue
        row.characteristics = item.characteristics
        row.updated_at = at
        if item.state == _S.QUALIFIED:
            row.qualify(at=at)
        elif item.state == _S.AWAITING_INFORMATION:
            row.await_information(missing=item.missing)
        else:
            continue
        changed.append(row)
    if not changed:
        return
    DomainOrder.objects.bulk_update(
        changed,
        fields=[
            "characteristics",
            "missing_characteristics",
            "state",
            "released_at",
            "updated_at",
        ],
    )
    for state in (_S.QUALIFIED, _S.AWAITING_INFORMATION):
        rows = [row for row in changed if row.state == state]
        audit_record_many(
            subjects=rows,
            action=AuditAction.DOMAIN_ORDER_RELEASED,
            actor=actor,
            from_states=[_S.DRAFT] * len(rows),
            to_state=state,
            at=at,
        )


def _created_audit(
    created: Sequence[DomainOrder], *, actor: Actor, at: datetime
) -> None:
    for state in (_S.QUALIFIED, _S.AWAITING_INFORMATION, _S.DRAFT):
        audit_record_many(
            subjects=[row for row in created if row.state == state],
            action=AuditAction.DOMAIN_ORDER_CREATED,
            actor=actor,
            to_state=state,
            at=at,
        )


def _no_longer_needed_cancel(
    rows: Sequence[DomainOrder], *, actor: Actor, at: datetime
) -> None:
    canceled = [row for row in rows if can_proceed(row.cancel)]
    from_states = [row.state for row in canceled]
    for row in canceled:
        row.cancel(at=at)
        row.updated_at = at
    if not canceled:
        return
    DomainOrder.objects.bulk_update(
        canceled, fields=["state", "canceled_at", "interrupted_state", "updated_at"]
    )
    audit_record_many(
        subjects=canceled,
        action=AuditAction.DOMAIN_ORDER_CANCELED,
        actor=actor,
        from_states=from_states,
        to_state=_S.CANCELED,
        reason="No longer needed with the values received.",
        at=at,
    )
