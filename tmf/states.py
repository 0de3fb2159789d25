"""TMF622 states and actions as a mapping at the API edge (DESIGN.md section 3).

Orders and lines store only their own states; TMF names are computed on the way out and
reversed (one TMF state → several stored states) for `?state=` filters.
"""

from __future__ import annotations

from django.db import models

from orders.models import CustomerOrderState, LineAction, LineState


class TmfOrderState(models.TextChoices):
    ACKNOWLEDGED = "acknowledged"
    REJECTED = "rejected"
    PENDING = "pending"
    HELD = "held"
    IN_PROGRESS = "inProgress"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    FAILED = "failed"
    PARTIAL = "partial"
    ASSESSING_CANCELLATION = "assessingCancellation"
    PENDING_CANCELLATION = "pendingCancellation"


class TmfItemAction(models.TextChoices):
    ADD = "add"
    MODIFY = "modify"
    DELETE = "delete"
    NO_CHANGE = "noChange"


_S = CustomerOrderState
_T = TmfOrderState

ORDER_STATE_TO_TMF: dict[str, str] = {
    # New and everything before it is "acknowledged" to a TMF client (v4 has no draft).
    _S.DRAFT: _T.ACKNOWLEDGED,
    _S.SUBMITTED: _T.ACKNOWLEDGED,
    _S.ENRICHMENT_IN_PROGRESS: _T.ACKNOWLEDGED,
    _S.ENRICHMENT_ON_HOLD: _T.ACKNOWLEDGED,
    _S.NEW: _T.ACKNOWLEDGED,
    _S.ACKNOWLEDGED: _T.ACKNOWLEDGED,
    _S.REJECTED: _T.REJECTED,
    _S.IN_PROGRESS: _T.IN_PROGRESS,
    _S.REVISION_IN_PROGRESS: _T.IN_PROGRESS,
    _S.AWAITING_INFORMATION: _T.PENDING,
    _S.ON_HOLD: _T.HELD,
    _S.ASSESSING_CANCELLATION: _T.ASSESSING_CANCELLATION,
    _S.CANCELLATION_IN_PROGRESS: _T.PENDING_CANCELLATION,
    _S.CANCELED: _T.CANCELLED,
    _S.COMPLETED: _T.COMPLETED,
    _S.PARTIAL: _T.PARTIAL,
    _S.FAILED: _T.FAILED,
}

# Line states have the same names as order states, plus `scheduled` (work is planned).
LINE_STATE_TO_TMF: dict[str, str] = {
    **{str(state): tmf for state, tmf in ORDER_STATE_TO_TMF.items()},
    LineState.SCHEDULED: _T.IN_PROGRESS,
}

ACTION_FROM_TMF: dict[str, str] = {
    TmfItemAction.ADD: LineAction.ADD,
    TmfItemAction.MODIFY: LineAction.CHANGE,
    TmfItemAction.DELETE: LineAction.DELETE,
    TmfItemAction.NO_CHANGE: LineAction.NO_CHANGE,
}

# Suspend and resume have no TMF v4 action: they modify the product's status.
ACTION_TO_TMF: dict[str, str] = {
    LineAction.ADD: TmfItemAction.ADD,
    LineAction.CHANGE: TmfItemAction.MODIFY,
    LineAction.SUSPEND: TmfItemAction.MODIFY,
    LineAction.RESUME: TmfItemAction.MODIFY,
    LineAction.DELETE: TmfItemAction.DELETE,
    LineAction.NO_CHANGE: TmfItemAction.NO_CHANGE,
}


def tmf_order_state(state: str) -> str:
    """Return the TMF622 state of a stored order state."""
    return ORDER_STATE_TO_TMF[state]


def tmf_item_state(state: str) -> str:
    """Return the TMF622 item state of a stored line state."""
    return LINE_STATE_TO_TMF[state]


def order_states_for_tmf(tmf_state: str) -> list[str]:
    """Return the stored order states a TMF state stands for (empty for an unknown one)."""
    return [
        state for state, mapped in ORDER_STATE_TO_TMF.items() if mapped == tmf_state
    ]
