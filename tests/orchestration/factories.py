"""Factories for orchestration tests: domain orders built directly (not through the
decomposer), plans through the plan service, the plan_selection table, work groups."""

from __future__ import annotations

from collections.abc import Sequence

import factory
from django.contrib.auth.models import User

from decomposition.models import (
    DomainOrder,
    DomainOrderAction,
    DomainOrderKind,
    DomainOrderState,
)
from fixtures.demo.decisions import Table, decision_table_build
from orchestration.models import PlanTemplate, TaskType
from orchestration.services import TaskTemplateSpec, plan_template_create
from ordermgmt.actor import Actor
from ordermgmt.models import WorkGroup
from orders.models import CustomerOrderState, LineState
from tests.catalog.factories import SpecificationFactory
from tests.orders.factories import CustomerOrderFactory, CustomerOrderLineFactory

ADMIN = Actor.job("test_plans")


class WorkGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkGroup

    code = factory.Sequence(lambda n: f"group-{n}")
    name = factory.Sequence(lambda n: f"Group {n}")


class DomainOrderFactory(factory.django.DjangoModelFactory):
    """A released product order of an in-progress line; pass `parent` for a child."""

    class Meta:
        model = DomainOrder

    order = factory.SubFactory(
        CustomerOrderFactory, state=CustomerOrderState.IN_PROGRESS
    )
    line = factory.SubFactory(
        CustomerOrderLineFactory,
        order=factory.SelfAttribute("..order"),
        state=LineState.IN_PROGRESS,
    )
    number = factory.Sequence(lambda n: f"PO{8000000 + n:07d}")
    kind = DomainOrderKind.PRODUCT
    specification = factory.SubFactory(SpecificationFactory, published=True)
    action = DomainOrderAction.ADD
    path = factory.Sequence(lambda n: f"1/N.{n}")
    state = DomainOrderState.QUALIFIED

    class Params:
        awaiting_information = factory.Trait(
            state=DomainOrderState.AWAITING_INFORMATION,
            missing_characteristics=["port_number"],
        )
        in_progress = factory.Trait(state=DomainOrderState.IN_PROGRESS)


def domain_order_child(
    parent: DomainOrder, *, kind: str = DomainOrderKind.SERVICE, **fields: object
) -> DomainOrder:
    """A child domain order of the same line, one level down the tree."""
    return DomainOrderFactory(
        order=parent.order,
        line=parent.line,
        parent=parent,
        kind=kind,
        **fields,
    )


def automated(
    code: str,
    *depends_on: str,
    adapter: str = "network_provisioning",
    sla: int = 60,
    ponr: bool = False,
) -> TaskTemplateSpec:
    return TaskTemplateSpec(
        code=code,
        name=code.replace("_", " ").title(),
        task_type=TaskType.AUTOMATED,
        adapter=adapter,
        sla_minutes=sla,
        is_ponr=ponr,
        depends_on=depends_on,
    )


def manual(
    code: str, *depends_on: str, group: str, sla: int = 60, ponr: bool = False
) -> TaskTemplateSpec:
    return TaskTemplateSpec(
        code=code,
        name=code.replace("_", " ").title(),
        task_type=TaskType.MANUAL,
        work_group_code=group,
        sla_minutes=sla,
        is_ponr=ponr,
        depends_on=depends_on,
    )


def plan(
    code: str, *tasks: TaskTemplateSpec, default_for_kind: str = ""
) -> PlanTemplate:
    """Create a plan through the service (cycles are refused there)."""
    return plan_template_create(
        code=code,
        name=code.replace("_", " ").title(),
        tasks=list(tasks),
        default_for_kind=default_for_kind,
        actor=ADMIN,
    )


def default_plans() -> dict[str, PlanTemplate]:
    """One automated single-task default plan per domain order kind."""
    return {
        kind: plan(
            f"default_{kind}",
            automated(f"{kind}_activate", sla=30),
            default_for_kind=kind,
        )
        for kind in DomainOrderKind.values
    }


def plan_selection_publish(rows: Sequence[tuple[list[str], list[str]]]) -> None:
    """Publish plan_selection (first hit): specification, kind, action → plan."""
    decision_table_build(
        table=Table(
            "plan_selection",
            "Plan selection",
            "plan_selection",
            "first",
            [
                ("specification", "text"),
                ("domain_order_kind", "text"),
                ("action", "text"),
            ],
            [("plan", "text")],
            list(rows),
        ),
        actor=ADMIN,
    )


def group_member(make_user, group: WorkGroup, username: str) -> User:
    user = make_user(username)
    group.members.add(user)
    return user
