import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ordermgmt.actor import Actor
from ordermgmt.audit import (
    audit_batched,
    audit_history,
    audit_record,
    audit_record_many,
)
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.locking import lock_one
from ordermgmt.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_record_writes_one_row_with_actor_and_states(agent_user):
    group = Group.objects.create(name="subject")
    with transaction.atomic():
        event = audit_record(
            subject=group,
            action="thing.moved",
            actor=Actor.for_user(agent_user),
            from_state="a",
            to_state="b",
            reason="because",
            data={"n": 1},
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.from_state, stored.to_state) == (
        "thing.moved",
        "a",
        "b",
    )
    assert stored.actor_user == agent_user
    assert stored.actor_label == "agent1"
    assert stored.subject == group
    assert stored.data == {"n": 1}


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused():
    group = Group.objects.create(name="subject")
    with pytest.raises(RuntimeError):
        audit_record(subject=group, action="x", actor=Actor.job("t"))


def test_audit_record_makes_decimals_and_dates_json_safe(job_actor):
    from datetime import date
    from decimal import Decimal

    group = Group.objects.create(name="subject")
    with transaction.atomic():
        audit_record(
            subject=group,
            action="x",
            actor=job_actor,
            data={"amount": Decimal("1.10"), "on": date(2026, 1, 2)},
        )
    assert AuditEvent.objects.get().data == {"amount": "1.10", "on": "2026-01-02"}


def test_audit_history_returns_one_subjects_events_oldest_first(job_actor):
    first, second = Group.objects.create(name="a"), Group.objects.create(name="b")
    with transaction.atomic():
        audit_record(subject=first, action="one", actor=job_actor)
        audit_record(subject=second, action="other", actor=job_actor)
        audit_record(subject=first, action="two", actor=job_actor)
    assert [e.action for e in audit_history(subject=first)] == ["one", "two"]
    assert job_actor.is_job
    assert str(job_actor) == "job:test"


@pytest.mark.django_db(transaction=True)
def test_lock_one_refuses_outside_transaction_and_reports_missing_rows():
    with pytest.raises(RuntimeError):
        lock_one(Group.objects.all(), pk=1, label="Group")
    with transaction.atomic(), pytest.raises(NotFound) as excinfo:
        lock_one(Group.objects.all(), pk=999, label="Group")
    assert excinfo.value.code == "not_found"


def test_domain_errors_carry_stable_codes_and_details():
    group = Group(name="g")
    error = InvalidTransition(subject=group, transition="submit", state="draft")
    assert error.as_dict()["code"] == "invalid_transition"
    assert "cannot submit" in error.message
    failed = ValidationFailed("bad", errors={"speed": ["not allowed"]})
    assert failed.as_dict() == {
        "code": "validation_failed",
        "message": "bad",
        "details": {"errors": {"speed": ["not allowed"]}},
    }


def test_actor_for_anonymous_is_refused():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="anonymous"):
        Actor.for_user(AnonymousUser())


def test_audit_record_many_writes_one_row_per_subject_in_one_insert(
    job_actor, django_assert_num_queries
):
    from ordermgmt.audit import audit_record_many

    groups = [Group.objects.create(name=f"g{i}") for i in range(5)]
    with transaction.atomic(), django_assert_num_queries(1):
        audit_record_many(
            subjects=groups,
            action="line.submitted",
            actor=job_actor,
            from_states=["draft"] * 5,
            to_state="submitted",
        )
    events = AuditEvent.objects.order_by("subject_id")
    assert [e.subject for e in events] == groups
    assert {(e.from_state, e.to_state) for e in events} == {("draft", "submitted")}


def test_audit_record_many_needs_one_from_state_per_subject(job_actor):
    from ordermgmt.audit import audit_record_many

    groups = [Group.objects.create(name="a"), Group.objects.create(name="b")]
    with transaction.atomic(), pytest.raises(ValueError, match="one state per subject"):
        audit_record_many(
            subjects=groups, action="x", actor=job_actor, from_states=["draft"]
        )


def test_audit_record_batch_writes_mixed_events_in_one_insert_in_order(
    agent_user, job_actor, django_assert_num_queries
):
    from django.contrib.contenttypes.models import ContentType

    from ordermgmt.audit import AuditEntry, audit_record_batch

    group = Group.objects.create(name="g")
    ContentType.objects.get_for_model(Group)
    ContentType.objects.get_for_model(agent_user)
    events = [
        AuditEntry(subject=group, action="group.made", actor=job_actor, to_state="new"),
        AuditEntry(
            subject=agent_user,
            action="user.moved",
            actor=Actor.for_user(agent_user),
            from_state="a",
            to_state="b",
            reason="why",
            data={"n": 1},
        ),
        AuditEntry(subject=group, action="group.kept", actor=job_actor),
    ]

    with transaction.atomic(), django_assert_num_queries(1):
        ids = audit_record_batch(events=events)

    stored = list(AuditEvent.objects.filter(pk__in=ids).order_by("pk"))
    assert [e.action for e in stored] == ["group.made", "user.moved", "group.kept"]
    assert [e.subject for e in stored] == [group, agent_user, group]
    moved = stored[1]
    assert (moved.from_state, moved.to_state, moved.reason, moved.data) == (
        "a",
        "b",
        "why",
        {"n": 1},
    )
    assert moved.actor_user == agent_user
    assert stored[0].actor_label == "job:test"
    assert stored[0].occurred_at == stored[2].occurred_at


def test_audit_record_batch_makes_data_json_safe_and_keeps_the_time_given(job_actor):
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from ordermgmt.audit import AuditEntry, audit_record_batch

    group = Group.objects.create(name="g")
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with transaction.atomic():
        audit_record_batch(
            events=[
                AuditEntry(
                    subject=group,
                    action="x",
                    actor=job_actor,
                    data={"amount": Decimal("1.10"), "on": date(2026, 1, 2)},
                    at=at,
                )
            ]
        )
    event = AuditEvent.objects.get()
    assert event.data == {"amount": "1.10", "on": "2026-01-02"}
    assert event.occurred_at == at


def test_audit_record_batch_refuses_an_unsaved_subject_and_writes_nothing(job_actor):
    from ordermgmt.audit import AuditEntry, audit_record_batch

    saved = Group.objects.create(name="g")
    with transaction.atomic(), pytest.raises(ValueError, match="Save"):
        audit_record_batch(
            events=[
                AuditEntry(subject=saved, action="x", actor=job_actor),
                AuditEntry(subject=Group(name="unsaved"), action="x", actor=job_actor),
            ]
        )
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_audit_record_batch_outside_a_transaction_is_refused(job_actor):
    from ordermgmt.audit import AuditEntry, audit_record_batch

    group = Group.objects.create(name="g")
    with pytest.raises(RuntimeError):
        audit_record_batch(
            events=[AuditEntry(subject=group, action="x", actor=job_actor)]
        )


def test_audit_batched_writes_the_block_s_events_in_one_insert_in_order(
    agent_user, django_assert_num_queries
):
    groups = [Group.objects.create(name=f"subject-{n}") for n in range(3)]
    actor = Actor.for_user(agent_user)
    ContentType.objects.get_for_model(Group)  # cached, as in a running process

    # the savepoint, the one insert, the release
    with django_assert_num_queries(3), transaction.atomic(), audit_batched():
        audit_record(subject=groups[0], action="one", actor=actor)
        audit_record_many(subjects=groups[1:], action="two", actor=actor)
        audit_record(subject=groups[0], action="three", actor=actor)

    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "one",
        "two",
        "two",
        "three",
    ]


class _Boom(Exception):
    pass


def _record_then_fail(group: Group, actor: Actor) -> None:
    with transaction.atomic(), audit_batched():
        audit_record(subject=group, action="lost", actor=actor)
        raise _Boom


def test_audit_batched_writes_nothing_when_its_block_fails(agent_user):
    group = Group.objects.create(name="subject")

    with pytest.raises(_Boom):
        _record_then_fail(group, Actor.for_user(agent_user))

    assert not AuditEvent.objects.exists()


def test_audit_history_inside_a_batched_block_sees_its_events(agent_user):
    group = Group.objects.create(name="subject")
    with transaction.atomic(), audit_batched():
        audit_record(subject=group, action="seen", actor=Actor.for_user(agent_user))

        assert [e.action for e in audit_history(subject=group)] == ["seen"]
