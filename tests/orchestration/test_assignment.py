"""A manager steering a task at risk: reassign, raise priority, add a note (each locked
and audited; only fulfillment managers and the group's manager may)."""

from __future__ import annotations

import pytest

from orchestration.audit import AuditAction
from orchestration.exceptions import (
    AssigneeNotInGroup,
    NotATaskManager,
    PriorityNotRaised,
    TaskFinished,
)
from orchestration.models import OrderTask, OrderTaskState
from orchestration.services import (
    order_task_manager_note_add,
    order_task_priority_raise,
    order_task_reassign,
)
from ordermgmt.actor import Actor
from ordermgmt.models import AuditEvent
from ordermgmt.roles import Role
from tests.jeopardy.factories import OrderTaskFactory
from tests.orchestration.factories import WorkGroupFactory, group_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return Actor.for_user(make_user("lead", Role.FULFILLMENT_MANAGER))


@pytest.fixture
def task():
    return OrderTaskFactory(work_group=WorkGroupFactory(), priority=2)


def _fresh(task):
    return OrderTask.objects.get(pk=task.pk)


def test_manager_reassigns_task_to_a_member_of_another_group(make_user, manager, task):
    other = WorkGroupFactory(name="Night shift")
    person = group_member(make_user, other, "night")

    order_task_reassign(
        task_id=task.pk,
        work_group_id=other.pk,
        assignee_id=person.pk,
        reason="SLA",
        actor=manager,
    )

    fresh = _fresh(task)
    assert (fresh.work_group_id, fresh.assignee_id) == (other.pk, person.pk)
    assert fresh.state == OrderTaskState.OPEN
    event = AuditEvent.objects.get(
        action=AuditAction.TASK_REASSIGNED, subject_id=str(task.pk)
    )
    assert event.data["to"] == {"work_group_id": other.pk, "assignee_id": person.pk}
    assert event.reason == "SLA"


def test_reassign_to_a_group_leaves_the_task_unclaimed(manager, task):
    other = WorkGroupFactory()

    order_task_reassign(task_id=task.pk, work_group_id=other.pk, actor=manager)

    assert (_fresh(task).work_group_id, _fresh(task).assignee_id) == (other.pk, None)


def test_reassign_refuses_a_person_outside_the_group(make_user, manager, task):
    stranger = make_user("stranger")

    with pytest.raises(AssigneeNotInGroup):
        order_task_reassign(
            task_id=task.pk,
            work_group_id=task.work_group_id,
            assignee_id=stranger.pk,
            actor=manager,
        )
    assert _fresh(task).assignee_id is None


def test_group_manager_may_reassign_its_tasks(make_user, task):
    lead = make_user("group-lead")
    task.work_group.manager = lead
    task.work_group.save()

    order_task_reassign(
        task_id=task.pk, work_group_id=WorkGroupFactory().pk, actor=Actor.for_user(lead)
    )


@pytest.mark.parametrize("role", [None, Role.FULFILLMENT_AGENT, Role.ORDER_MANAGER])
def test_others_may_not_steer_a_task(make_user, task, role):
    actor = Actor.for_user(make_user("someone", *([role] if role else [])))

    with pytest.raises(NotATaskManager):
        order_task_reassign(task_id=task.pk, work_group_id=None, actor=actor)
    with pytest.raises(NotATaskManager):
        order_task_priority_raise(task_id=task.pk, priority=0, actor=actor)
    with pytest.raises(NotATaskManager):
        order_task_manager_note_add(task_id=task.pk, text="hurry", actor=actor)
    assert not AuditEvent.objects.filter(subject_id=str(task.pk)).exists()


def test_manager_raises_priority(manager, task):
    order_task_priority_raise(task_id=task.pk, priority=0, actor=manager)

    assert _fresh(task).priority == 0
    event = AuditEvent.objects.get(action=AuditAction.TASK_PRIORITY_RAISED)
    assert event.data == {"from": 2, "to": 0}


@pytest.mark.parametrize("priority", [2, 3])
def test_priority_raise_must_make_the_task_more_urgent(manager, task, priority):
    with pytest.raises(PriorityNotRaised):
        order_task_priority_raise(task_id=task.pk, priority=priority, actor=manager)
    assert _fresh(task).priority == 2


def test_finished_task_is_not_steered(manager):
    done = OrderTaskFactory(state=OrderTaskState.CLOSED_COMPLETE)

    with pytest.raises(TaskFinished):
        order_task_priority_raise(task_id=done.pk, priority=0, actor=manager)


def test_manager_adds_a_note_to_a_task_of_any_group(manager, task):
    note = order_task_manager_note_add(
        task_id=task.pk, text=" call the site ", actor=manager
    )

    assert (note.task_id, note.text, note.author_id) == (
        task.pk,
        "call the site",
        manager.user_id,
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.TASK_NOTE_ADDED, subject_id=str(task.pk)
    ).exists()
