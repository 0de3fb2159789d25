"""Enrichment on submit: the policy's derived values and tasks; claim, complete, hold."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.roles import Role
from orders.audit import AuditAction
from orders.exceptions import NotAGroupMember, PolicyMisconfigured
from orders.models import (
    ApprovalStatus,
    CustomerOrder,
    CustomerOrderState,
    EnrichmentTask,
    EnrichmentTaskState,
    LineState,
    OrderChannel,
)
from orders.services import (
    LineInput,
    enrichment_task_claim,
    enrichment_task_complete,
    order_capture,
    order_enrichment_hold,
    order_enrichment_resume,
)
from tests.orders.factories import AccountFactory
from tests.orders.policy_tables import (
    BOOLEAN,
    CHOICE,
    TEXT,
    approve_all_but_big_discounts,
    enrichment_policy_publish,
    simple_offering,
    work_group,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def line_offering():
    return simple_offering(
        "LINE",
        speed={"value_type": CHOICE, "allowed_values": [100, 1000]},
        access_id=TEXT,
        port={"value_type": "integer", "min_value": 1, "max_value": 64},
        listed=BOOLEAN,
    )


@pytest.fixture
def fulfiller(make_user):
    return make_user("felix", Role.FULFILLMENT_AGENT)


@pytest.fixture
def provisioning(fulfiller):
    return work_group("provisioning", fulfiller)


def tasks_policy(line_offering, codes="access_id,port", group="provisioning"):
    enrichment_policy_publish(
        [
            (
                ["-", line_offering.product_specification.code, "add"],
                ["", "", group, codes],
            )
        ]
    )


def submit_lines(actor, offering, *values_per_line, channel=OrderChannel.AGENT):
    return order_capture(
        account_id=AccountFactory().pk,
        actor=actor,
        channel=channel,
        lines=[
            LineInput(ref=str(n), offering_id=offering.pk, characteristics=values)
            for n, values in enumerate(values_per_line, start=1)
        ],
    )


# --- the policy on submit ------------------------------------------------------------------


def test_submit_without_an_enrichment_policy_makes_the_order_new(actor, line_offering):
    order = submit_lines(actor, line_offering, {"speed": 100})

    assert order.state == CustomerOrderState.NEW
    assert not EnrichmentTask.objects.exists()


def test_submit_opens_a_task_per_line_listing_only_missing_values(
    actor, line_offering, provisioning
):
    tasks_policy(line_offering)

    order = submit_lines(
        actor, line_offering, {"speed": 100}, {"speed": 100, "access_id": "AL-1"}
    )

    order.refresh_from_db()
    assert order.state == CustomerOrderState.ENRICHMENT_IN_PROGRESS
    assert set(order.lines.values_list("state", flat=True)) == {
        LineState.ENRICHMENT_IN_PROGRESS
    }
    tasks = {t.line.item_ref: t for t in EnrichmentTask.objects.select_related("line")}
    assert tasks["1"].characteristics == ["access_id", "port"]
    assert tasks["2"].characteristics == ["port"]
    assert {t.work_group_id for t in tasks.values()} == {provisioning.pk}
    assert all(t.state == EnrichmentTaskState.OPEN for t in tasks.values())
    assert audit_history(subject=tasks["1"]).get().action == (
        AuditAction.ENRICHMENT_TASK_OPENED
    )


def test_submit_opens_no_task_when_nothing_is_missing(
    actor, line_offering, provisioning
):
    tasks_policy(line_offering)
    approve_all_but_big_discounts()

    order = submit_lines(actor, line_offering, {"access_id": "AL-1", "port": 3})

    assert order.state == CustomerOrderState.ACKNOWLEDGED
    assert not EnrichmentTask.objects.exists()


def test_submit_sets_derived_values_typed_and_keeps_given_ones(actor, line_offering):
    enrichment_policy_publish(
        [
            (["-", "-", "add"], ["listed", "true", "", ""]),
            (["-", "-", "add"], ["speed", "1000", "", ""]),
        ]
    )

    order = submit_lines(actor, line_offering, {}, {"speed": 100})

    lines = {line.item_ref: line for line in order.lines.all()}
    assert lines["1"].characteristics == {"listed": True, "speed": 1000}
    assert lines["2"].characteristics == {"listed": True, "speed": 100}
    event = audit_history(subject=order).get(
        action=AuditAction.ORDER_ENRICHMENT_FINISHED
    )
    assert event.data["derived"][str(lines["1"].pk)] == {"listed": True, "speed": 1000}


def test_submit_reads_characteristic_inputs_of_the_policy_from_the_line(
    actor, line_offering, provisioning
):
    enrichment_policy_publish(
        [(["-", "-", "add", "1000"], ["", "", "provisioning", ""])],
        extra_inputs=[("speed", "integer")],
    )

    order = submit_lines(actor, line_offering, {"speed": 1000}, {"speed": 100}, {})

    assert order.state == CustomerOrderState.ENRICHMENT_IN_PROGRESS
    task = EnrichmentTask.objects.get()
    assert task.line.item_ref == "1"
    assert task.characteristics == []


def test_submit_refuses_a_policy_naming_an_unknown_group(actor, line_offering):
    tasks_policy(line_offering, group="nobody")

    with pytest.raises(PolicyMisconfigured):
        submit_lines(actor, line_offering, {})

    assert not CustomerOrder.objects.exists()


# --- claim ---------------------------------------------------------------------------------


@pytest.fixture
def task(actor, line_offering, provisioning):
    tasks_policy(line_offering)
    submit_lines(actor, line_offering, {"speed": 100})
    return EnrichmentTask.objects.get()


def test_enrichment_task_claim_by_a_group_member(task, fulfiller):
    claimed = enrichment_task_claim(task_id=task.pk, actor=Actor.for_user(fulfiller))

    assert claimed.state == EnrichmentTaskState.IN_PROGRESS
    assert claimed.assignee_id == fulfiller.pk
    assert audit_history(subject=task).last().action == (
        AuditAction.ENRICHMENT_TASK_CLAIMED
    )


def test_enrichment_task_claim_refuses_someone_outside_the_group(task, make_user):
    outsider = make_user("other", Role.FULFILLMENT_AGENT)

    with pytest.raises(NotAGroupMember):
        enrichment_task_claim(task_id=task.pk, actor=Actor.for_user(outsider))

    task.refresh_from_db()
    assert task.state == EnrichmentTaskState.OPEN


def test_enrichment_task_claim_refuses_a_claimed_task(task, fulfiller):
    enrichment_task_claim(task_id=task.pk, actor=Actor.for_user(fulfiller))

    with pytest.raises(InvalidTransition):
        enrichment_task_claim(task_id=task.pk, actor=Actor.for_user(fulfiller))


# --- complete ------------------------------------------------------------------------------


def test_enrichment_task_complete_checks_values_against_the_specification(
    task, fulfiller
):
    with pytest.raises(ValidationFailed) as caught:
        enrichment_task_complete(
            task_id=task.pk,
            characteristics={"access_id": "AL-9", "port": 99},
            actor=Actor.for_user(fulfiller),
        )

    assert set(caught.value.errors) == {"characteristics.port"}
    task.refresh_from_db()
    assert task.state == EnrichmentTaskState.OPEN


def test_enrichment_task_complete_needs_every_value_the_task_asks_for(task, fulfiller):
    with pytest.raises(ValidationFailed) as caught:
        enrichment_task_complete(
            task_id=task.pk,
            characteristics={"access_id": "AL-9"},
            actor=Actor.for_user(fulfiller),
        )

    assert set(caught.value.errors) == {"characteristics.port"}


def test_enrichment_task_complete_refuses_someone_outside_the_group(task, make_user):
    with pytest.raises(NotAGroupMember):
        enrichment_task_complete(
            task_id=task.pk,
            characteristics={"access_id": "AL-9", "port": 2},
            actor=Actor.for_user(make_user("other")),
        )


def test_completing_the_last_task_makes_the_order_new_and_runs_approval(
    task, fulfiller
):
    approve_all_but_big_discounts()

    done = enrichment_task_complete(
        task_id=task.pk,
        characteristics={"access_id": "AL-9", "port": 2},
        actor=Actor.for_user(fulfiller),
    )

    assert done.state == EnrichmentTaskState.CLOSED_COMPLETE
    assert done.data == {"access_id": "AL-9", "port": 2}
    line = done.line
    line.refresh_from_db()
    assert line.characteristics == {"speed": 100, "access_id": "AL-9", "port": 2}
    order = CustomerOrder.objects.get(pk=task.order_id)
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    assert order.approval_status == ApprovalStatus.NOT_REQUIRED
    assert order.price_frozen_at is not None
    assert line.state == LineState.ACKNOWLEDGED
    actions = [e.action for e in audit_history(subject=order)]
    assert actions[-2:] == [
        AuditAction.ORDER_ENRICHMENT_FINISHED,
        AuditAction.ORDER_APPROVED,
    ]


def test_completing_one_of_two_tasks_keeps_the_order_in_enrichment(
    actor, line_offering, provisioning, fulfiller
):
    tasks_policy(line_offering)
    order = submit_lines(actor, line_offering, {}, {})
    first, second = EnrichmentTask.objects.order_by("pk")

    enrichment_task_complete(
        task_id=first.pk,
        characteristics={"access_id": "A", "port": 1},
        actor=Actor.for_user(fulfiller),
    )

    order.refresh_from_db()
    assert order.state == CustomerOrderState.ENRICHMENT_IN_PROGRESS
    second.refresh_from_db()
    assert second.state == EnrichmentTaskState.OPEN


# --- hold and resume -----------------------------------------------------------------------


def test_enrichment_hold_and_resume_move_order_and_lines(task, fulfiller, actor):
    held = order_enrichment_hold(order_id=task.order_id, actor=actor, reason="ask")

    assert held.state == CustomerOrderState.ENRICHMENT_ON_HOLD
    assert set(held.lines.values_list("state", flat=True)) == {
        LineState.ENRICHMENT_ON_HOLD
    }
    with pytest.raises(InvalidTransition):
        enrichment_task_complete(
            task_id=task.pk,
            characteristics={"access_id": "A", "port": 1},
            actor=Actor.for_user(fulfiller),
        )
    with pytest.raises(InvalidTransition):
        order_enrichment_hold(order_id=task.order_id, actor=actor)

    resumed = order_enrichment_resume(order_id=task.order_id, actor=actor)

    assert resumed.state == CustomerOrderState.ENRICHMENT_IN_PROGRESS
    assert set(resumed.lines.values_list("state", flat=True)) == {
        LineState.ENRICHMENT_IN_PROGRESS
    }
    actions = [e.action for e in audit_history(subject=resumed)][-2:]
    assert actions == [
        AuditAction.ORDER_ENRICHMENT_HELD,
        AuditAction.ORDER_ENRICHMENT_RESUMED,
    ]


def test_enrichment_resume_refuses_an_order_not_on_hold(task, actor):
    with pytest.raises(InvalidTransition):
        order_enrichment_resume(order_id=task.order_id, actor=actor)


# --- two fulfillers at once ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_completing_the_last_two_tasks_at_once_makes_the_order_new_once(
    make_user,
):
    # given an order with two open tasks and an approval policy that queues
    from tests.orders.policy_tables import approval_policy_publish

    agent = make_user("agent-x", Role.ORDER_AGENT)
    fulfillers = [make_user(f"f{n}", Role.FULFILLMENT_AGENT) for n in range(2)]
    work_group("provisioning", *fulfillers)
    work_group("approvers")
    offering = simple_offering("RACE", access_id=TEXT)
    tasks_policy(offering, codes="access_id")
    approval_policy_publish(
        [(["-", "-", "-", "-", "-"], ["queue", "check", "approvers"])]
    )
    order = submit_lines(Actor.for_user(agent), offering, {}, {})
    tasks = list(EnrichmentTask.objects.order_by("pk"))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def complete(task, user):
        try:
            barrier.wait(timeout=10)
            enrichment_task_complete(
                task_id=task.pk,
                characteristics={"access_id": f"AL-{task.pk}"},
                actor=Actor.for_user(user),
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            close_old_connections()

    # when
    threads = [
        threading.Thread(target=complete, args=(task, user))
        for task, user in zip(tasks, fulfillers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then both completed, and the order moved to New (and was queued) exactly once
    assert errors == []
    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    assert order.approval_status == ApprovalStatus.PENDING
    history = [e.action for e in audit_history(subject=order)]
    assert history.count(AuditAction.ORDER_ENRICHMENT_FINISHED) == 1
    assert history.count(AuditAction.ORDER_APPROVAL_QUEUED) == 1
