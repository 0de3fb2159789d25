"""Pure capture rules: offering eligibility and MACD item states."""

from datetime import UTC, datetime

import pytest

from orders.models import LineAction
from orders.rules import macd_item_errors, offering_eligibility_errors

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def eligibility(**overrides):
    fields = {
        "lifecycle_status": "published",
        "is_sellable": True,
        "valid_from": None,
        "valid_to": None,
        "eligible_segments": [],
        "eligible_regions": [],
        "segment": "consumer",
        "region": "north",
        "at": NOW,
    }
    fields.update(overrides)
    return offering_eligibility_errors(**fields)


def test_an_open_published_offering_is_eligible():
    assert eligibility() == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"lifecycle_status": "draft"},
        {"is_sellable": False},
        {"valid_from": datetime(2025, 7, 1, tzinfo=UTC)},
        {"valid_to": NOW},
        {"eligible_segments": ["enterprise"]},
        {"eligible_regions": ["south"]},
    ],
)
def test_an_offering_is_not_eligible_when(overrides):
    assert len(eligibility(**overrides)) == 1


@pytest.mark.parametrize(
    ("action", "state", "ok"),
    [
        (LineAction.SUSPEND, "active", True),
        (LineAction.SUSPEND, "suspended", False),
        (LineAction.RESUME, "suspended", True),
        (LineAction.RESUME, "active", False),
        (LineAction.DELETE, "suspended", True),
        (LineAction.DELETE, "inactive", False),
        (LineAction.CHANGE, "change_pending", False),
        (LineAction.CHANGE, "installation_pending", False),
    ],
)
def test_macd_item_states(action, state, ok):
    assert (macd_item_errors(action=action, item_state=state) == []) is ok
