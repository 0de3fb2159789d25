"""Factories for jeopardy tests: open order tasks built directly (the scan only reads
their clock, plan and order), and the jeopardy_thresholds table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import factory
from django.utils import timezone

from fixtures.demo.decisions import decision_table_build
from fixtures.demo.jeopardy import JEOPARDY_THRESHOLDS
from orchestration.models import (
    OrderTask,
    OrderTaskState,
    PlanTemplate,
    TaskTemplate,
    TaskType,
)
from ordermgmt.actor import Actor
from tests.orchestration.factories import DomainOrderFactory

ADMIN = Actor.job("test_jeopardy")


class PlanTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTemplate

    code = factory.Sequence(lambda n: f"jeop_plan_{n}")
    name = factory.Sequence(lambda n: f"Plan {n}")


class TaskTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskTemplate

    plan = factory.SubFactory(PlanTemplateFactory)
    code = factory.Sequence(lambda n: f"step_{n}")
    name = factory.Sequence(lambda n: f"Step {n}")
    task_type = TaskType.MANUAL
    sla_minutes = 100


class OrderTaskFactory(factory.django.DjangoModelFactory):
    """An open manual task with a 100-minute SLA, opened now and due a jeopardy check."""

    class Meta:
        model = OrderTask

    domain_order = factory.SubFactory(DomainOrderFactory, in_progress=True)
    order = factory.SelfAttribute("domain_order.order")
    line = factory.SelfAttribute("domain_order.line")
    template = factory.SubFactory(TaskTemplateFactory)
    code = factory.SelfAttribute("template.code")
    name = factory.SelfAttribute("template.name")
    task_type = TaskType.MANUAL
    state = OrderTaskState.OPEN
    sla_minutes = 100
    opened_at = factory.LazyFunction(timezone.now)
    planned_start = factory.SelfAttribute("opened_at")
    planned_end = factory.LazyAttribute(
        lambda o: o.opened_at + timedelta(minutes=o.sla_minutes)
    )
    due_at = factory.SelfAttribute("planned_end")
    jeopardy_check_at = factory.SelfAttribute("opened_at")


def task_opened(minutes_ago: float, *, now: datetime, **fields: object) -> OrderTask:
    """An open task opened `minutes_ago` before `now`, due a check."""
    opened = now - timedelta(minutes=minutes_ago)
    return OrderTaskFactory(opened_at=opened, **fields)


def thresholds_publish(rows: Sequence[tuple[list[str], list[str]]] | None = None):
    """Publish jeopardy_thresholds (the demo rows unless others are given)."""
    table = JEOPARDY_THRESHOLDS
    if rows is not None:
        from dataclasses import replace

        table = replace(table, rows=list(rows))
    decision_table_build(table=table, actor=ADMIN)
