"""Correcting a domain order's characteristic values while it is being fulfilled (a
fallout agent fixing the data an automated task failed on)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from decomposition.audit import AuditAction
from decomposition.models import FINAL_STATES, DomainOrder
from decomposition.selectors import domain_order_get_for_update
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.transactions import service_atomic


def domain_order_characteristics_correct(
    *, domain_order_id: int, values: Mapping[str, Any], actor: Actor, reason: str = ""
) -> DomainOrder:
    """Overwrite some characteristic values of an unfinished domain order; the values
    it is activated with later are the corrected ones."""
    if not isinstance(values, Mapping) or not values:
        raise ValidationFailed(
            "Give at least one value to correct.", errors={"values": ["Required."]}
        )
    with service_atomic():
        domain_order = domain_order_get_for_update(domain_order_id=domain_order_id)
        if domain_order.state in FINAL_STATES:
            raise InvalidTransition(
                subject=domain_order, transition="correct_characteristics"
            )
        before = dict(domain_order.characteristics or {})
        changed = {
            code: value for code, value in values.items() if before.get(code) != value
        }
        if not changed:
            return domain_order
        domain_order.characteristics = {**before, **changed}
        domain_order.save(update_fields=["characteristics", "updated_at"])
        audit_record(
            subject=domain_order,
            action=AuditAction.DOMAIN_ORDER_CHARACTERISTICS_CORRECTED,
            actor=actor,
            reason=reason,
            data={
                "before": {code: before.get(code) for code in changed},
                "after": changed,
            },
            at=timezone.now(),
        )
    return domain_order
