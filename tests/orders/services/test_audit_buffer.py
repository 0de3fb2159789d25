"""AuditBuffer keeps an order service's events in order and writes them in one INSERT,
reading subjects' ids (and lazy data) only then."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ordermgmt.models import AuditEvent
from orders.services.audit_buffer import AuditBuffer

pytestmark = pytest.mark.django_db


def test_flush_writes_events_in_order_with_ids_known_only_after_saving(
    job_actor, django_assert_num_queries
):
    ContentType.objects.get_for_model(Group)  # cached in a running process
    buffer = AuditBuffer()
    first, second = Group(name="first"), Group(name="second")
    buffer.record(subject=first, action="made", actor=job_actor, to_state="new")
    buffer.record_many(
        subjects=[first, second],
        action="moved",
        actor=job_actor,
        from_states=["new", "old"],
        to_state="done",
        data=lambda: {"ids": [first.pk, second.pk]},
    )

    with transaction.atomic():
        first.save()
        second.save()
        with django_assert_num_queries(1):
            buffer.flush()

    events = list(AuditEvent.objects.order_by("pk"))
    assert [(e.action, e.subject, e.from_state, e.to_state) for e in events] == [
        ("made", first, "", "new"),
        ("moved", first, "new", "done"),
        ("moved", second, "old", "done"),
    ]
    assert events[1].data == events[2].data == {"ids": [first.pk, second.pk]}
    assert len(buffer) == 0


def test_record_many_needs_one_from_state_per_subject(job_actor):
    with pytest.raises(ValueError, match="one state per subject"):
        AuditBuffer().record_many(
            subjects=[Group(name="a"), Group(name="b")],
            action="x",
            actor=job_actor,
            from_states=["draft"],
        )


def test_a_failing_flush_leaves_no_event(job_actor):
    buffer = AuditBuffer()
    buffer.record(subject=Group(name="never saved"), action="x", actor=job_actor)
    with pytest.raises(ValueError, match="Save"), transaction.atomic():
        buffer.flush()
    assert not AuditEvent.objects.exists()
