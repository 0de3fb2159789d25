"""TMF622 states and actions are a complete mapping of the stored ones (DESIGN.md 3)."""

import pytest

from orders.models import CustomerOrderState, LineAction, LineState
from tmf.states import (
    ACTION_FROM_TMF,
    ACTION_TO_TMF,
    TmfOrderState,
    order_states_for_tmf,
    tmf_item_state,
    tmf_order_state,
)

TMF_ORDER_STATES = {
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "completed",
    "failed",
    "partial",
    "assessingCancellation",
    "pendingCancellation",
}


@pytest.mark.parametrize(
    ("stored", "tmf"),
    [
        ("draft", "acknowledged"),
        ("submitted", "acknowledged"),
        ("enrichment_in_progress", "acknowledged"),
        ("enrichment_on_hold", "acknowledged"),
        ("new", "acknowledged"),
        ("acknowledged", "acknowledged"),
        ("in_progress", "inProgress"),
        ("revision_in_progress", "inProgress"),
        ("awaiting_information", "pending"),
        ("on_hold", "held"),
        ("assessing_cancellation", "assessingCancellation"),
        ("cancellation_in_progress", "pendingCancellation"),
        ("canceled", "cancelled"),
        ("completed", "completed"),
        ("partial", "partial"),
        ("failed", "failed"),
        ("rejected", "rejected"),
    ],
)
def test_order_state_mapping(stored, tmf):
    assert tmf_order_state(stored) == tmf


def test_every_stored_order_state_maps_to_a_tmf_state():
    assert {tmf_order_state(s) for s in CustomerOrderState} == TMF_ORDER_STATES
    assert set(TmfOrderState.values) == TMF_ORDER_STATES


def test_every_line_state_maps_and_items_never_are_partial_unless_stored_so():
    mapped = {tmf_item_state(s) for s in LineState}
    assert mapped <= TMF_ORDER_STATES
    assert tmf_item_state(LineState.SCHEDULED) == "inProgress"


def test_tmf_state_filter_reverses_the_mapping():
    assert set(order_states_for_tmf("inProgress")) == {
        "in_progress",
        "revision_in_progress",
    }
    assert "new" in order_states_for_tmf("acknowledged")
    assert order_states_for_tmf("nonsense") == []


def test_every_line_action_has_a_tmf_action_and_back():
    assert set(ACTION_TO_TMF) == set(LineAction.values)
    for tmf, stored in ACTION_FROM_TMF.items():
        assert ACTION_TO_TMF[stored] == tmf
