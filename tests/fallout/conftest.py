"""Fixtures of the fallout tests: instant adapters, a clean decision cache, fallout staff,
and an in-progress order whose automated task has failed into a fallout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from decisions.evaluator import decision_cache_clear
from decomposition.models import DomainOrder
from fallout.models import FalloutRecord
from orchestration.models import OrderTask, PlanTemplate
from orchestration.services import (
    order_orchestrate,
    order_task_run,
    tasks_open_ready,
)
from ordermgmt.actor import Actor
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role
from orders.models import CustomerOrder
from tests.orchestration.factories import DomainOrderFactory, automated, plan


@pytest.fixture(autouse=True)
def _fresh_decision_cache() -> Iterator[None]:
    decision_cache_clear()
    yield
    decision_cache_clear()


@pytest.fixture(autouse=True)
def _instant_engine(settings) -> None:
    settings.ORCHESTRATION_ADAPTERS = {}
    settings.ORCHESTRATION_MAX_ATTEMPTS = 3
    settings.ORCHESTRATION_RETRY_BASE_SECONDS = 0
    settings.ORCHESTRATION_RETRY_MAX_SECONDS = 0
    settings.ORCHESTRATION_INLINE_WAIT_SECONDS = 0


@pytest.fixture
def fallout_desk(db) -> WorkGroup:
    return WorkGroup.objects.get_or_create(
        code="fallout_desk", defaults={"name": "Fallout desk"}
    )[0]


@pytest.fixture
def fallout_agent(make_user, fallout_desk):
    user = make_user("fo_agent", Role.FALLOUT_AGENT)
    fallout_desk.members.add(user)
    return user


@pytest.fixture
def fallout_manager(make_user, fallout_desk):
    user = make_user("fo_manager", Role.FALLOUT_MANAGER)
    fallout_desk.members.add(user)
    return user


@pytest.fixture
def agent_actor(fallout_agent) -> Actor:
    return Actor.for_user(fallout_agent)


@dataclass
class Failed:
    order: CustomerOrder
    domain_order: DomainOrder
    tasks: dict[str, OrderTask]
    fallout: FalloutRecord

    def task(self, code: str) -> OrderTask:
        return OrderTask.objects.get(pk=self.tasks[code].pk)


def run_until_failed(task_id: int, actor: Actor) -> None:
    """Run a task whose adapter always fails until its retries are used up."""
    for _ in range(3):
        order_task_run(task_id=task_id, actor=actor)


def order_with_failed_task(
    settings, job_actor: Actor, *, adapter: str = "billing_activation", **fields
) -> Failed:
    """An order whose first task (`adapter`) failed three times, then a second task."""
    if not PlanTemplate.objects.filter(code="product").exists():
        plan(
            "product",
            automated("activate", adapter=adapter),
            automated("notify", "activate", adapter="shipping"),
            default_for_kind="product",
        )
    domain_order = DomainOrderFactory(
        characteristics={"billing_account": "BAD-1"}, **fields
    )
    # Set before orchestrating: outside a test transaction the opened task is queued
    # and (Q_CLUSTER sync) run at once.
    settings.ORCHESTRATION_ADAPTERS = {adapter: {"failure_rate": 1.0}}
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    tasks = {t.code: t for t in OrderTask.objects.filter(domain_order=domain_order)}
    tasks_open_ready(actor=job_actor, order_id=domain_order.order_id)
    run_until_failed(tasks["activate"].pk, job_actor)
    settings.ORCHESTRATION_ADAPTERS = {}
    return Failed(
        order=domain_order.order,
        domain_order=domain_order,
        tasks=tasks,
        fallout=FalloutRecord.objects.get(task_id=tasks["activate"].pk),
    )


@pytest.fixture
def failed(settings, job_actor) -> Failed:
    return order_with_failed_task(settings, job_actor)
