"""The fulfillment pump: acknowledged orders wait as FulfillmentRequests, pump jobs begin
them in batches and run their tasks, a refused order is set aside without stopping the
others, wakes are bounded and the sweep revives a lost pump (docs/adr/0018)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from catalog.models import ProductOffering
from decomposition.models import DomainOrder
from fixtures.demo.load import demo_load
from orchestration.audit import AuditAction
from orchestration.exceptions import NoPlanForDomainOrder
from orchestration.models import (
    FulfillmentPump,
    FulfillmentRequest,
    OrderTask,
    OrderTaskState,
)
from orchestration.services import pump
from orchestration.services.fulfillment import order_fulfillment_begin
from orchestration.services.orchestrate import order_orchestrate
from ordermgmt.actor import Actor
from ordermgmt.models import AuditEvent
from orders.models import Account, CustomerOrder, CustomerOrderState, OrderChannel
from orders.services import order_capture
from orders.services.capture_input import LineInput
from tests.orders.factories import CustomerOrderFactory

FULFILLMENT = Actor.job("fulfillment")
ENGINE = Actor.job("engine")
PLAN_GAP = "No plan covers the domain orders of this order."


def _pump() -> int:
    return pump.orders_fulfillment_pump(actor=FULFILLMENT, engine_actor=ENGINE)


def _self_install_order() -> CustomerOrder:
    """A self-install order captured and submitted through the API channel: the policy
    acknowledges it at once (needs demo_load())."""
    offering = ProductOffering.objects.get(code="OFF_FIBER_SELF_INSTALL")
    return order_capture(
        account_id=Account.objects.get(name="Jane Doe").pk,
        actor=Actor.for_user(User.objects.get(username="integrator")),
        channel=OrderChannel.API,
        lines=[
            LineInput(
                ref="1", offering_id=offering.pk, characteristics={"bandwidth": 500}
            )
        ],
        submit=True,
    )


def _acknowledged(count: int, capture_on_commit) -> list[CustomerOrder]:
    """Capture `count` self-install orders and run their on-commit effects (the
    acknowledgement hook and the pump wake)."""
    orders = []
    for _ in range(count):
        with capture_on_commit(execute=True):
            orders.append(_self_install_order())
    return orders


def _states(orders: list[CustomerOrder]) -> list[str]:
    by_pk = dict(
        CustomerOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list(
            "pk", "state"
        )
    )
    return [by_pk[o.pk] for o in orders]


def _audit_count(action: str, order: CustomerOrder) -> int:
    return AuditEvent.objects.filter(
        action=action, subject_type__model="customerorder", subject_id=str(order.pk)
    ).count()


@pytest.fixture
def queued(monkeypatch) -> list[tuple[Any, ...]]:
    """Pump jobs queued by the wake, recorded instead of run."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(pump, "async_task", lambda *args, **kwargs: calls.append(args))
    return calls


@pytest.fixture
def batches(monkeypatch) -> list[int]:
    """The size of every batch a pump claimed."""
    sizes: list[int] = []
    original = pump.order_work_run_on

    def spy(*, work: Callable[[], list[int]], actor: Actor) -> list[int]:
        result = original(work=work, actor=actor)
        sizes.append(len(result))
        return result

    monkeypatch.setattr(pump, "order_work_run_on", spy)
    return sizes


def _plan_gap_for(monkeypatch, order_id: int) -> set[int]:
    """Orchestrating the order is refused as if no plan covered it (after its
    decomposition wrote its domain orders, so the refusal must roll them back); return
    the set of refused order ids (clear it to fix the gap)."""
    refused = {order_id}

    def orchestrate(*, order_id: int, actor: Actor):
        if order_id in refused:
            raise NoPlanForDomainOrder(PLAN_GAP)
        return order_orchestrate(order_id=order_id, actor=actor)

    monkeypatch.setattr(
        "orchestration.services.fulfillment.order_orchestrate", orchestrate
    )
    return refused


# --- capture writes requests, the pump completes them ---------------------------------


@pytest.mark.django_db
def test_acknowledging_orders_writes_one_request_each_and_wakes_the_pump(
    django_capture_on_commit_callbacks, queued, settings
):
    # given the demo and at most two pump jobs waiting at once
    settings.ORCHESTRATION_PUMP_JOBS = 2
    demo_load()

    # when three orders are acknowledged
    orders = _acknowledged(3, django_capture_on_commit_callbacks)

    # then each waits as one due request, nothing is begun yet, two jobs were queued
    requests = FulfillmentRequest.objects.order_by("order_id")
    assert [r.order_id for r in requests] == [o.pk for o in orders]
    assert {(r.attempts, r.last_error) for r in requests} == {(0, "")}
    assert all(r.retry_at <= timezone.now() for r in requests)
    assert _states(orders) == [CustomerOrderState.ACKNOWLEDGED] * 3
    assert not OrderTask.objects.filter(order__in=orders).exists()
    assert queued == [(pump.PUMP_TASK,), (pump.PUMP_TASK,)]
    assert FulfillmentPump.objects.get().jobs_queued == 2


@pytest.mark.django_db
def test_pump_completes_the_acknowledged_orders_and_deletes_their_requests(
    django_capture_on_commit_callbacks, queued, batches
):
    # given three acknowledged orders waiting for the pump
    demo_load()
    orders = _acknowledged(3, django_capture_on_commit_callbacks)

    # when a pump job runs
    claimed = _pump()

    # then it began them in one batch and ran their tasks to the end
    assert claimed == 3
    assert batches == [3]
    assert _states(orders) == [CustomerOrderState.COMPLETED] * 3
    assert set(
        OrderTask.objects.filter(order__in=orders).values_list("state", flat=True)
    ) == {OrderTaskState.CLOSED_COMPLETE}
    assert not FulfillmentRequest.objects.exists()
    assert [_audit_count(AuditAction.ORDER_ORCHESTRATED, o) for o in orders] == [1] * 3


@pytest.mark.django_db
def test_pump_drains_more_orders_than_a_batch_in_several_batches(
    django_capture_on_commit_callbacks, queued, batches, settings
):
    # given five acknowledged orders and batches of two
    settings.ORCHESTRATION_PUMP_BATCH = 2
    demo_load()
    orders = _acknowledged(5, django_capture_on_commit_callbacks)

    # when one pump job runs
    claimed = _pump()

    # then it claimed batch after batch until one came back short
    assert claimed == 5
    assert batches == [2, 2, 1]
    assert _states(orders) == [CustomerOrderState.COMPLETED] * 5
    assert not FulfillmentRequest.objects.exists()


@pytest.mark.django_db
def test_pump_out_of_budget_leaves_the_rest_to_a_successor_job(
    django_capture_on_commit_callbacks, queued, batches, settings
):
    # given five acknowledged orders, batches of two and no run-on budget
    settings.ORCHESTRATION_PUMP_BATCH = 2
    settings.ORCHESTRATION_RUN_ON_SECONDS = 0
    demo_load()
    _acknowledged(5, django_capture_on_commit_callbacks)
    queued.clear()

    # when one pump job runs
    claimed = _pump()

    # then it stopped after its first batch and queued a successor for the rest
    assert claimed == 2
    assert batches == [2]
    assert FulfillmentRequest.objects.count() == 3
    assert queued == [(pump.PUMP_TASK,)]


@pytest.mark.django_db
def test_wake_in_sync_mode_fulfills_each_acknowledged_order(
    django_capture_on_commit_callbacks,
):
    # given the demo (the worker runs inline: Q_CLUSTER sync)
    demo_load()

    # when two orders are acknowledged and their on-commit effects run
    orders = _acknowledged(2, django_capture_on_commit_callbacks)

    # then the woken pump began and completed them, and no job is left counted
    assert _states(orders) == [CustomerOrderState.COMPLETED] * 2
    assert not FulfillmentRequest.objects.exists()
    assert FulfillmentPump.objects.get().jobs_queued == 0


@pytest.mark.django_db
def test_sweep_writes_the_request_an_acknowledged_order_lost(
    django_capture_on_commit_callbacks, queued
):
    # given an order acknowledged two minutes ago whose hook never ran (the process
    # stopped between the approval's commit and the hook)
    demo_load()
    FulfillmentRequest.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        order = _self_install_order()
    CustomerOrder.objects.filter(pk=order.pk).update(
        approved_at=timezone.now() - timedelta(minutes=2)
    )
    assert not FulfillmentRequest.objects.filter(order=order).exists()

    # when the sweep runs
    assert pump.fulfillment_requests_sweep() is True

    # then the order has its request and a pump job was queued
    assert FulfillmentRequest.objects.filter(order=order).exists()
    assert queued == [(pump.PUMP_TASK,)]


@pytest.mark.django_db
def test_sweep_leaves_a_just_acknowledged_order_to_its_hook(
    django_capture_on_commit_callbacks, queued
):
    demo_load()
    FulfillmentRequest.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        order = _self_install_order()

    assert pump.fulfillment_requests_sweep() is False

    assert not FulfillmentRequest.objects.filter(order=order).exists()
    assert queued == []


# --- a refused order is set aside, the others go on -----------------------------------


@pytest.mark.django_db
def test_refused_order_is_set_aside_and_the_rest_of_its_batch_completes(
    django_capture_on_commit_callbacks, queued, monkeypatch
):
    # given three acknowledged orders, the middle one with a plan gap
    demo_load()
    first, refused, last = _acknowledged(3, django_capture_on_commit_callbacks)
    _plan_gap_for(monkeypatch, refused.pk)

    # when a pump job begins them in one batch
    started = timezone.now()
    claimed = _pump()

    # then the others completed and lost their requests
    assert claimed == 3
    assert _states([first, last]) == [CustomerOrderState.COMPLETED] * 2
    assert list(FulfillmentRequest.objects.values_list("order_id", flat=True)) == [
        refused.pk
    ]
    assert [_audit_count(AuditAction.ORDER_ORCHESTRATED, o) for o in (first, last)] == [
        1,
        1,
    ]
    # and the refused one rolled back whole and keeps its request for a later try
    assert _states([refused]) == [CustomerOrderState.ACKNOWLEDGED]
    assert not DomainOrder.objects.filter(order=refused).exists()
    assert not OrderTask.objects.filter(order=refused).exists()
    request = FulfillmentRequest.objects.get(order=refused)
    assert request.attempts == 1
    assert request.last_error == PLAN_GAP
    assert request.retry_at >= started + pump.REFUSED_RETRY
    refusals = AuditEvent.objects.filter(
        action=AuditAction.FULFILLMENT_REFUSED, subject_id=str(refused.pk)
    )
    assert [(e.subject_type.model, e.reason, e.data) for e in refusals] == [
        ("customerorder", PLAN_GAP, {"attempts": 1})
    ]


@pytest.mark.django_db
def test_refused_request_waits_for_its_retry_and_then_begins(
    django_capture_on_commit_callbacks, queued, monkeypatch
):
    # given an order set aside by a plan gap
    demo_load()
    (order,) = _acknowledged(1, django_capture_on_commit_callbacks)
    gap = _plan_gap_for(monkeypatch, order.pk)
    _pump()

    # when a pump runs before its retry is due: nothing is claimed or counted again
    assert _pump() == 0
    assert FulfillmentRequest.objects.get(order=order).attempts == 1

    # when the gap is fixed and the retry has come
    gap.clear()
    FulfillmentRequest.objects.filter(order=order).update(retry_at=timezone.now())
    claimed = _pump()

    # then the order is begun and completed, its request gone
    assert claimed == 1
    assert _states([order]) == [CustomerOrderState.COMPLETED]
    assert not FulfillmentRequest.objects.exists()
    assert _audit_count(AuditAction.FULFILLMENT_REFUSED, order) == 1


# --- waking is bounded ----------------------------------------------------------------


@pytest.mark.django_db
def test_wake_queues_at_most_pump_jobs_until_a_pump_starts(queued, settings):
    # given at most two pump jobs waiting at once
    settings.ORCHESTRATION_PUMP_JOBS = 2

    # when the pump is woken three times
    woken = [pump.fulfillment_pump_wake() for _ in range(3)]

    # then two jobs were queued and counted
    assert woken == [True, True, False]
    assert len(queued) == 2
    assert FulfillmentPump.objects.get().jobs_queued == 2

    # when one of them starts (nothing to claim), a wake queues again
    assert _pump() == 0
    assert FulfillmentPump.objects.get().jobs_queued == 1
    assert pump.fulfillment_pump_wake() is True
    assert len(queued) == 3
    assert FulfillmentPump.objects.get().jobs_queued == 2


@pytest.mark.django_db
def test_wake_without_the_pump_row_creates_it_and_queues(queued, settings):
    settings.ORCHESTRATION_PUMP_JOBS = 2
    pump.fulfillment_pump_wake()
    FulfillmentPump.objects.all().delete()

    assert pump.fulfillment_pump_wake() is True

    assert len(queued) == 2
    assert FulfillmentPump.objects.get().jobs_queued == 1


@pytest.mark.django_db
def test_pump_start_never_counts_below_zero(queued):
    FulfillmentPump.objects.create(pk=1, jobs_queued=0)

    _pump()

    assert FulfillmentPump.objects.get().jobs_queued == 0


# --- the sweep ------------------------------------------------------------------------


def _request(*, due_since: timedelta) -> FulfillmentRequest:
    order = CustomerOrderFactory(state=CustomerOrderState.ACKNOWLEDGED)
    at = timezone.now() - due_since
    return FulfillmentRequest.objects.create(order=order, requested_at=at, retry_at=at)


@pytest.mark.django_db
def test_sweep_revives_a_stuck_pump_for_a_stale_request(queued, settings):
    # given a request due for two minutes and the job count stuck at the maximum
    settings.ORCHESTRATION_PUMP_JOBS = 2
    _request(due_since=timedelta(minutes=2))
    FulfillmentPump.objects.create(pk=1, jobs_queued=2)

    # when the sweep runs
    assert pump.fulfillment_requests_sweep() is True

    # then the count was reset and one pump job queued
    assert queued == [(pump.PUMP_TASK,)]
    assert FulfillmentPump.objects.get().jobs_queued == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "due_since",
    [timedelta(seconds=20), -pump.REFUSED_RETRY],
    ids=["due-only-briefly", "set-aside-for-later"],
)
def test_sweep_leaves_the_pump_alone_without_a_stale_request(
    queued, settings, due_since
):
    settings.ORCHESTRATION_PUMP_JOBS = 2
    _request(due_since=due_since)
    FulfillmentPump.objects.create(pk=1, jobs_queued=2)

    assert pump.fulfillment_requests_sweep() is False

    assert queued == []
    assert FulfillmentPump.objects.get().jobs_queued == 2


@pytest.mark.django_db
def test_sweep_with_no_request_does_nothing(queued):
    assert pump.fulfillment_requests_sweep() is False
    assert queued == []
    assert not FulfillmentPump.objects.exists()


# --- two pumps at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_pumps_at_once_begin_each_order_exactly_once(
    monkeypatch, queued, batches, settings
):
    # given six acknowledged orders (their wakes recorded, not run) and batches of three
    settings.ORCHESTRATION_PUMP_BATCH = 3
    demo_load()
    # (without the requests of the demo's own sample orders: this test follows its own)
    FulfillmentRequest.objects.all().delete()
    orders = [_self_install_order() for _ in range(6)]
    assert FulfillmentRequest.objects.count() == 6
    # and each pump holding its first claimed batch until the other has claimed too:
    # the second claim must skip the first's locked requests, not wait for them
    barrier = threading.Barrier(2)
    holding = threading.local()

    def begin_together(*, order_id: int, actor: Actor):
        if not getattr(holding, "done", False):
            holding.done = True
            barrier.wait(timeout=10)
        return order_fulfillment_begin(order_id=order_id, actor=actor)

    monkeypatch.setattr(pump, "order_fulfillment_begin", begin_together)
    claimed: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            claimed.append(_pump())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    # when two pump jobs run at the same moment
    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then each claimed a batch of its own and every order was begun exactly once
    assert not errors, errors
    assert sorted(claimed) == [3, 3]
    assert sorted(batches) == [0, 0, 3, 3]
    assert [_audit_count(AuditAction.ORDER_ORCHESTRATED, o) for o in orders] == [1] * 6
    assert _states(orders) == [CustomerOrderState.COMPLETED] * 6
    assert not FulfillmentRequest.objects.exists()
