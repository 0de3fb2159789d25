"""Manual tasks: claim, notes and completion by members of the task's work group."""

from __future__ import annotations

import pytest

from decomposition.models import DomainOrderState
from orchestration.audit import AuditAction
from orchestration.exceptions import NotAGroupMember, TaskClaimedByOther, TaskNotManual
from orchestration.models import OrderTask, OrderTaskState
from orchestration.selectors import order_task_queue
from orchestration.services import (
    order_orchestrate,
    order_task_claim,
    order_task_complete,
    order_task_note_add,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.models import AuditEvent
from tests.orchestration.factories import (
    DomainOrderFactory,
    WorkGroupFactory,
    automated,
    group_member,
    manual,
    plan,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def field_group():
    return WorkGroupFactory(code="field", name="Field engineers")


@pytest.fixture
def engineer(make_user, field_group):
    return Actor.for_user(group_member(make_user, field_group, "engineer"))


@pytest.fixture
def outsider(make_user):
    return Actor.for_user(make_user("outsider"))


@pytest.fixture
def survey(job_actor, field_group):
    plan(
        "install",
        manual("survey", group=field_group.code),
        automated("activate", "survey"),
        default_for_kind="product",
    )
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    return OrderTask.objects.get(domain_order=domain_order, code="survey")


def _fresh(task):
    return OrderTask.objects.get(pk=task.pk)


def test_member_claims_an_open_manual_task(survey, engineer):
    order_task_claim(task_id=survey.pk, actor=engineer)

    task = _fresh(survey)
    assert task.state == OrderTaskState.IN_PROGRESS
    assert task.assignee_id == engineer.user_id
    assert task.claimed_at is not None
    assert task.domain_order.state == DomainOrderState.IN_PROGRESS
    event = AuditEvent.objects.get(
        action=AuditAction.TASK_CLAIMED, subject_id=str(task.pk)
    )
    assert (event.from_state, event.to_state) == ("open", "in_progress")
    assert event.actor_user_id == engineer.user_id


def test_non_member_cannot_claim(survey, outsider):
    with pytest.raises(NotAGroupMember):
        order_task_claim(task_id=survey.pk, actor=outsider)

    assert _fresh(survey).state == OrderTaskState.OPEN


def test_claim_twice_is_refused(survey, engineer):
    order_task_claim(task_id=survey.pk, actor=engineer)

    with pytest.raises(InvalidTransition):
        order_task_claim(task_id=survey.pk, actor=engineer)


def test_draft_task_cannot_be_claimed(job_actor, field_group, engineer):
    plan(
        "p",
        automated("first"),
        manual("then", "first", group=field_group.code),
        default_for_kind="product",
    )
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    then = OrderTask.objects.get(code="then")

    with pytest.raises(InvalidTransition):
        order_task_claim(task_id=then.pk, actor=engineer)


def test_automated_task_cannot_be_claimed_or_completed(job_actor, survey, engineer):
    activate = OrderTask.objects.get(code="activate")
    with pytest.raises(TaskNotManual):
        order_task_claim(task_id=activate.pk, actor=engineer)
    with pytest.raises(TaskNotManual):
        order_task_complete(task_id=activate.pk, data={}, actor=engineer)


def test_member_completes_with_data_and_what_waited_opens(survey, engineer):
    order_task_claim(task_id=survey.pk, actor=engineer)

    order_task_complete(
        task_id=survey.pk, data={"ont_serial": "ALCL123"}, actor=engineer
    )

    task = _fresh(survey)
    assert task.state == OrderTaskState.CLOSED_COMPLETE
    assert task.data == {"ont_serial": "ALCL123"}
    assert task.completed_at is not None
    assert OrderTask.objects.get(code="activate").state == OrderTaskState.OPEN
    assert AuditEvent.objects.filter(
        action=AuditAction.TASK_COMPLETED, subject_id=str(task.pk)
    ).exists()


def test_member_may_complete_an_unclaimed_open_task(survey, engineer):
    order_task_complete(task_id=survey.pk, data={}, actor=engineer)

    task = _fresh(survey)
    assert task.state == OrderTaskState.CLOSED_COMPLETE
    assert task.domain_order.state == DomainOrderState.IN_PROGRESS


def test_non_member_cannot_complete(survey, outsider):
    with pytest.raises(NotAGroupMember):
        order_task_complete(task_id=survey.pk, data={}, actor=outsider)

    assert _fresh(survey).state == OrderTaskState.OPEN
    assert OrderTask.objects.get(code="activate").state == OrderTaskState.DRAFT


def test_only_the_claimant_completes_a_claimed_task(
    survey, engineer, make_user, field_group
):
    colleague = Actor.for_user(group_member(make_user, field_group, "colleague"))
    order_task_claim(task_id=survey.pk, actor=engineer)

    with pytest.raises(TaskClaimedByOther):
        order_task_complete(task_id=survey.pk, data={}, actor=colleague)

    assert _fresh(survey).state == OrderTaskState.IN_PROGRESS


def test_completed_task_cannot_be_completed_again(survey, engineer):
    order_task_complete(task_id=survey.pk, data={"a": 1}, actor=engineer)

    with pytest.raises(InvalidTransition):
        order_task_complete(task_id=survey.pk, data={"a": 2}, actor=engineer)

    assert _fresh(survey).data == {"a": 1}


def test_completion_data_must_be_a_mapping(survey, engineer):
    with pytest.raises(ValidationFailed):
        order_task_complete(task_id=survey.pk, data=["x"], actor=engineer)


def test_job_actor_cannot_work_manual_tasks(survey, job_actor):
    with pytest.raises(NotAGroupMember):
        order_task_claim(task_id=survey.pk, actor=job_actor)


def test_superuser_may_work_any_queue(survey, make_user):
    boss = Actor.for_user(make_user("boss", is_superuser=True))

    order_task_complete(task_id=survey.pk, data={}, actor=boss)

    assert _fresh(survey).state == OrderTaskState.CLOSED_COMPLETE


def test_member_adds_a_note(survey, engineer):
    note = order_task_note_add(
        task_id=survey.pk, text="  Customer away until 3pm ", actor=engineer
    )

    assert note.text == "Customer away until 3pm"
    assert note.author_id == engineer.user_id
    assert list(survey.notes.values_list("text", flat=True)) == [note.text]
    assert AuditEvent.objects.filter(
        action=AuditAction.TASK_NOTE_ADDED, subject_id=str(survey.pk)
    ).exists()


def test_note_needs_text_and_membership(survey, engineer, outsider):
    with pytest.raises(ValidationFailed):
        order_task_note_add(task_id=survey.pk, text="  ", actor=engineer)
    with pytest.raises(NotAGroupMember):
        order_task_note_add(task_id=survey.pk, text="hi", actor=outsider)
    assert not survey.notes.exists()


def test_queue_shows_open_manual_tasks_of_my_groups(survey, engineer, outsider):
    assert list(order_task_queue(user_id=engineer.user_id)) == [survey]
    assert list(order_task_queue(user_id=outsider.user_id)) == []
