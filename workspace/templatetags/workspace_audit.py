"""Readable names for audit actions in the order history."""

from django import template

from decomposition.audit import AuditAction as DecompositionAuditAction
from fallout.audit import AuditAction as FalloutAuditAction
from inventory.audit import AuditAction as InventoryAuditAction
from orchestration.audit import AuditAction as OrchestrationAuditAction
from orchestration.services import InterventionAuditAction
from orders.audit import AuditAction as OrderAuditAction

register = template.Library()

_LABELS: dict[str, str] = {
    str(value): str(label)
    for enum in (
        OrderAuditAction,
        InventoryAuditAction,
        DecompositionAuditAction,
        OrchestrationAuditAction,
        InterventionAuditAction,
        FalloutAuditAction,
    )
    for value, label in enum.choices
}
_LABELS["jeopardy.raised"] = "Jeopardy raised"


@register.filter
def audit_label(action: str) -> str:
    """Return the human label of an audit action, or the action itself if unknown."""
    return _LABELS.get(action, action)


@register.filter
def is_fallout_event(action: str) -> bool:
    """True for the events of fallout handling, which the order timeline marks."""
    return action.startswith("fallout.") or action in _INTERVENTION_ACTIONS


@register.filter
def is_jeopardy_event(action: str) -> bool:
    """True for jeopardy alerts, which the order timeline marks."""
    return action.startswith("jeopardy.")


_INTERVENTION_ACTIONS = frozenset(
    str(value) for value in InterventionAuditAction.values
)
