"""Readable names for audit actions in the order history."""

from django import template

from decomposition.audit import AuditAction as DecompositionAuditAction
from inventory.audit import AuditAction as InventoryAuditAction
from orchestration.audit import AuditAction as OrchestrationAuditAction
from orders.audit import AuditAction as OrderAuditAction

register = template.Library()

_LABELS: dict[str, str] = {
    str(value): str(label)
    for enum in (
        OrderAuditAction,
        InventoryAuditAction,
        DecompositionAuditAction,
        OrchestrationAuditAction,
    )
    for value, label in enum.choices
}


@register.filter
def audit_label(action: str) -> str:
    """Return the human label of an audit action, or the action itself if unknown."""
    return _LABELS.get(action, action)
