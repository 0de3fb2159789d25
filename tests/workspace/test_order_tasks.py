"""The fulfillment agent's order task queue: what it lists and how it filters, and
claim, note, problem and complete through the page calling the orchestration services."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fallout.models import FalloutRecord, FalloutSource
from orchestration.models import (
    JeopardyLevel,
    OrderTask,
    OrderTaskNote,
    OrderTaskState,
    TaskType,
)
from ordermgmt.models import AuditEvent, WorkGroup
from ordermgmt.roles import Role
from tests.workspace.builders import order_task

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = "workspace:fulfillment"
ROW = re.compile(r'<tbody id="order-task-(\d+)"')


@pytest.fixture
def task(provisioning) -> OrderTask:
    return order_task(group=provisioning, due_at=timezone.now() + timedelta(hours=5))


def _row_ids(response) -> list[int]:
    return [int(pk) for pk in ROW.findall(response.content.decode())]


# --- the queue -------------------------------------------------------------------------


def test_queue_lists_open_and_claimed_manual_tasks_of_the_users_groups(
    client, fulfiller, provisioning, task
):
    # given tasks of the user's group in every state, one automated, one of another group
    claimed = order_task(
        group=provisioning, state=OrderTaskState.IN_PROGRESS, assignee=fulfiller
    )
    order_task(group=provisioning, state=OrderTaskState.DRAFT)
    order_task(group=provisioning, state=OrderTaskState.CLOSED_COMPLETE)
    order_task(
        group=None, code="activate", name="Activate", task_type=TaskType.AUTOMATED
    )
    other = WorkGroup.objects.create(code="other", name="Other team")
    order_task(group=other)
    client.force_login(fulfiller)

    # when
    response = client.get(reverse(QUEUE))

    # then only the open and in-progress manual tasks of its group are listed
    assert response.status_code == 200
    assert sorted(_row_ids(response)) == sorted([task.pk, claimed.pk])
    assert task.order.number.encode() in response.content
    assert b"Enrichment tasks" in response.content


def test_queue_keeps_a_task_the_user_claimed_after_leaving_its_group(
    client, fulfiller, provisioning
):
    other = WorkGroup.objects.create(code="other", name="Other team")
    mine = order_task(group=other, state=OrderTaskState.IN_PROGRESS, assignee=fulfiller)
    client.force_login(fulfiller)

    response = client.get(reverse(QUEUE))

    assert _row_ids(response) == [mine.pk]


def test_queue_is_sorted_by_due_date(client, fulfiller, provisioning):
    now = timezone.now()
    late = order_task(group=provisioning, due_at=now + timedelta(days=3))
    soon = order_task(group=provisioning, due_at=now + timedelta(hours=1))
    undated = order_task(group=provisioning, due_at=None)
    overdue = order_task(group=provisioning, due_at=now - timedelta(hours=2))
    client.force_login(fulfiller)

    response = client.get(reverse(QUEUE))

    assert _row_ids(response) == [overdue.pk, soon.pk, late.pk, undated.pk]
    assert response.content.count(b'data-testid="overdue"') == 1


@pytest.fixture
def spread(provisioning, fulfiller):
    """Tasks due yesterday, later today, in a few days and next month."""
    now = timezone.localtime()
    day_end = now.replace(hour=23, minute=59, second=0, microsecond=0)
    return {
        "overdue": order_task(
            group=provisioning,
            code="install_ont",
            name="Install ONT",
            due_at=now - timedelta(days=1),
            priority=1,
        ),
        "today": order_task(
            group=provisioning,
            due_at=min(now + timedelta(minutes=5), day_end),
            state=OrderTaskState.IN_PROGRESS,
            assignee=fulfiller,
        ),
        "later": order_task(group=provisioning, due_at=now + timedelta(days=40)),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"task": "install_ont"}, ["overdue"]),
        ({"due": "overdue"}, ["overdue"]),
        ({"due": "today"}, ["today"]),
        ({"priority": "1"}, ["overdue"]),
        ({"jeopardy": "jeopardy"}, ["overdue"]),
        ({"jeopardy": "on_track"}, ["today", "later"]),
        ({"assigned": "me"}, ["today"]),
        ({"assigned": "unclaimed"}, ["overdue", "later"]),
    ],
)
def test_queue_filters(client, fulfiller, spread, query, expected):
    client.force_login(fulfiller)

    response = client.get(reverse(QUEUE), query)

    assert _row_ids(response) == [spread[name].pk for name in expected]


def test_jeopardy_filter_includes_tasks_the_scan_flagged_before_they_are_due(
    client, fulfiller, spread
):
    flagged = spread["later"]
    OrderTask.objects.filter(pk=flagged.pk).update(jeopardy_level=JeopardyLevel.MEDIUM)
    client.force_login(fulfiller)

    at_risk = _row_ids(client.get(reverse(QUEUE), {"jeopardy": "jeopardy"}))
    on_track = _row_ids(client.get(reverse(QUEUE), {"jeopardy": "on_track"}))

    assert at_risk == [spread["overdue"].pk, flagged.pk]
    assert on_track == [spread["today"].pk]


def test_due_this_week_includes_today_and_excludes_next_month(
    client, fulfiller, spread
):
    client.force_login(fulfiller)

    response = client.get(reverse(QUEUE), {"due": "week"})

    assert spread["today"].pk in _row_ids(response)
    assert spread["later"].pk not in _row_ids(response)


def test_a_filter_change_answers_with_the_task_table_only(client, fulfiller, spread):
    client.force_login(fulfiller)

    response = client.get(reverse(QUEUE), {"due": "overdue"}, **HTMX)

    assert response.content.lstrip().startswith(b'<div id="order-task-table">')
    assert b"Enrichment tasks" not in response.content
    assert _row_ids(response) == [spread["overdue"].pk]


def test_task_filter_offers_the_manual_tasks_of_the_users_groups(
    client, fulfiller, spread
):
    client.force_login(fulfiller)

    response = client.get(reverse(QUEUE))

    assert b'<option value="install_ont">Install ONT</option>' in response.content


# --- claim -----------------------------------------------------------------------------


def test_claim_through_the_page_takes_the_task_and_opens_its_panel(
    client, fulfiller, task
):
    client.force_login(fulfiller)

    response = client.post(
        reverse("workspace:order-task-claim", args=[task.pk]), **HTMX
    )

    task.refresh_from_db()
    assert response.status_code == 200
    assert task.state == OrderTaskState.IN_PROGRESS
    assert task.assignee == fulfiller
    assert AuditEvent.objects.filter(action="order_task.claimed").exists()
    assert response["HX-Trigger"] == "order-task-changed"
    assert b'data-testid="complete-form"' in response.content
    assert b"claimed by you" in response.content


def test_only_members_of_the_tasks_group_can_claim_it(client, make_user, task):
    outsider = make_user("outsider", Role.FULFILLMENT_AGENT)
    WorkGroup.objects.create(code="other", name="Other team").members.add(outsider)
    client.force_login(outsider)

    response = client.post(
        reverse("workspace:order-task-claim", args=[task.pk]), **HTMX
    )

    task.refresh_from_db()
    assert response.status_code == 404
    assert task.state == OrderTaskState.OPEN
    assert task.assignee is None


def test_claiming_a_task_someone_else_claimed_shows_why(
    client, fulfiller, provisioning, make_user
):
    colleague = make_user("colleague", Role.FULFILLMENT_AGENT)
    provisioning.members.add(colleague)
    taken = order_task(
        group=provisioning, state=OrderTaskState.IN_PROGRESS, assignee=colleague
    )
    client.force_login(fulfiller)

    response = client.post(
        reverse("workspace:order-task-claim", args=[taken.pk]), **HTMX
    )

    taken.refresh_from_db()
    assert taken.assignee == colleague
    assert b'role="alert"' in response.content
    assert b'data-testid="complete-form"' not in response.content


# --- notes and problems ----------------------------------------------------------------


def test_note_added_through_the_page_shows_in_the_panel(client, fulfiller, task):
    client.force_login(fulfiller)

    response = client.post(
        reverse("workspace:order-task-note", args=[task.pk]),
        {"text": "Customer asked for a call first."},
        **HTMX,
    )

    note = OrderTaskNote.objects.get(task=task)
    assert note.author == fulfiller
    assert note.text == "Customer asked for a call first."
    assert b"Customer asked for a call first." in response.content
    assert b"Note added." in response.content


def test_an_empty_note_is_refused_on_the_form(client, fulfiller, task):
    client.force_login(fulfiller)

    response = client.post(
        reverse("workspace:order-task-note", args=[task.pk]), {"text": "  "}, **HTMX
    )

    assert not OrderTaskNote.objects.exists()
    assert b"This field is required." in response.content


def test_report_a_problem_opens_a_fallout_holds_the_task_and_keeps_a_note(
    client, fulfiller, task
):
    client.force_login(fulfiller)
    client.post(reverse("workspace:order-task-claim", args=[task.pk]), **HTMX)

    response = client.post(
        reverse("workspace:order-task-problem", args=[task.pk]),
        {"kind": "site_access", "text": "Gate locked, nobody answered."},
        **HTMX,
    )

    task.refresh_from_db()
    fallout = FalloutRecord.objects.get(task=task)
    assert fallout.source == FalloutSource.REPORTED
    assert fallout.error_code == "site_access"
    assert fallout.error_message == "Gate locked, nobody answered."
    assert fallout.reported_by == fulfiller
    note = OrderTaskNote.objects.get(task=task)
    assert note.text == (
        "Problem reported — No access to the site: Gate locked, nobody answered. "
        f"({fallout.number})"
    )
    assert task.state == OrderTaskState.ON_HOLD
    assert b"problem reported" in response.content
    assert fallout.number.encode() in response.content


def test_a_problem_needs_details(client, fulfiller, task):
    client.force_login(fulfiller)

    response = client.post(
        reverse("workspace:order-task-problem", args=[task.pk]),
        {"kind": "other", "text": ""},
        **HTMX,
    )

    assert not OrderTaskNote.objects.exists()
    assert b'role="alert"' in response.content


# --- complete --------------------------------------------------------------------------


def test_complete_through_the_page_records_the_data_and_closes_the_task(
    client, fulfiller, task
):
    client.force_login(fulfiller)
    client.post(reverse("workspace:order-task-claim", args=[task.pk]), **HTMX)

    response = client.post(
        reverse("workspace:order-task-complete", args=[task.pk]),
        {"key_0": "ont_serial", "value_0": "ZTE-123", "key_1": "", "value_1": ""},
        **HTMX,
    )

    task.refresh_from_db()
    assert task.state == OrderTaskState.CLOSED_COMPLETE
    assert task.data == {"ont_serial": "ZTE-123"}
    assert response["HX-Trigger"] == "order-task-changed"
    assert b"Closed complete" in response.content
    assert b"Task completed" in response.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key_0": "ont_serial", "value_0": ""}, b"Enter a value."),
        ({"key_0": "", "value_0": "ZTE-123"}, b"Name the value."),
        ({"key_0": "2nd", "value_0": "x"}, b"Start with a letter"),
        ({"key_0": "a", "value_0": "1", "key_1": "a", "value_1": "2"}, b"given twice"),
        ({"key_0": "adapter_ref", "value_0": "x"}, b"kept by the task engine"),
    ],
)
def test_complete_with_bad_data_keeps_the_task_open(
    client, fulfiller, task, data, message
):
    client.force_login(fulfiller)
    client.post(reverse("workspace:order-task-claim", args=[task.pk]), **HTMX)

    response = client.post(
        reverse("workspace:order-task-complete", args=[task.pk]), data, **HTMX
    )

    task.refresh_from_db()
    assert task.state == OrderTaskState.IN_PROGRESS
    assert message in response.content


def test_a_task_claimed_by_someone_else_cannot_be_completed(
    client, fulfiller, provisioning, make_user
):
    colleague = make_user("colleague", Role.FULFILLMENT_AGENT)
    provisioning.members.add(colleague)
    taken = order_task(
        group=provisioning, state=OrderTaskState.IN_PROGRESS, assignee=colleague
    )
    client.force_login(fulfiller)

    response = client.post(
        reverse("workspace:order-task-complete", args=[taken.pk]), {}, **HTMX
    )

    taken.refresh_from_db()
    assert taken.state == OrderTaskState.IN_PROGRESS
    assert b"they complete it" in response.content


def test_work_panel_opens_and_closes(client, fulfiller, task):
    client.force_login(fulfiller)
    url = reverse("workspace:order-task-work", args=[task.pk])

    opened = client.get(url, **HTMX)
    closed = client.get(url, {"panel": "0"}, **HTMX)

    assert b'data-testid="task-panel"' in opened.content
    assert b"Claim the task to work on it" in opened.content
    assert b'data-testid="task-panel"' not in closed.content


@pytest.mark.parametrize(
    "name",
    [
        "workspace:order-task-work",
        "workspace:order-task-claim",
        "workspace:order-task-note",
        "workspace:order-task-problem",
        "workspace:order-task-complete",
    ],
)
@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.ORDER_AGENT])
def test_task_actions_refuse_other_roles(client, make_user, task, name, role):
    client.force_login(make_user("someone", role))

    response = client.post(reverse(name, args=[task.pk]), {"text": "x"})

    task.refresh_from_db()
    assert response.status_code == 403
    assert task.state == OrderTaskState.OPEN
    assert not OrderTaskNote.objects.exists()
