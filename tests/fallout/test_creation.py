"""Fallouts open when an automated task fails after its retries (and when an agent
reports a problem); the task waits On hold."""

from __future__ import annotations

import pytest

from fallout.audit import AuditAction
from fallout.models import FalloutSource, FalloutState
from orchestration.models import OrderTaskState
from ordermgmt.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_failing_adapter_opens_a_routed_fallout_and_holds_the_task(failed):
    fallout = failed.fallout
    task = failed.task("activate")

    assert task.state == OrderTaskState.ON_HOLD
    assert fallout.state == FalloutState.OPEN
    assert fallout.number == f"FO{fallout.pk + 1000:07d}"
    assert fallout.source == FalloutSource.AUTOMATED
    assert fallout.order_id == failed.order.pk
    assert fallout.line_id == task.line_id
    assert fallout.adapter == "billing_activation"
    assert fallout.error_code == "BILL-500"
    assert fallout.attempts == 3
    assert fallout.request["characteristics"] == {"billing_account": "BAD-1"}
    assert fallout.response["error_code"] == "BILL-500"
    assert fallout.fallout_type.code == "billing_issue"
    assert fallout.work_group.code == "fallout_desk"
    assert AuditEvent.objects.filter(
        subject_type__model="falloutrecord",
        subject_id=str(fallout.pk),
        action=AuditAction.FALLOUT_OPENED,
    ).exists()
    assert failed.task("notify").state == OrderTaskState.DRAFT
