"""Routing of new fallouts by the fallout_routing table: each input of a rule, the
defaults when nothing matches, when the table is absent, or when a rule names a group
or type that does not exist. A fallout never goes nowhere."""

from __future__ import annotations

import pytest

from fallout.models import FalloutRecord, FalloutType
from fallout.services import fallout_report
from fixtures.demo.decisions import Table, decision_table_build
from fixtures.demo.fallout import fallout_routing_build
from orchestration.models import OrderTask
from orchestration.services import order_orchestrate, tasks_open_ready
from ordermgmt.actor import Actor
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role
from tests.fallout.conftest import order_with_failed_task
from tests.orchestration.factories import (
    DomainOrderFactory,
    WorkGroupFactory,
    manual,
    plan,
)

pytestmark = pytest.mark.django_db

ADMIN = Actor.job("test_routing")


def _table(rows) -> None:
    decision_table_build(
        table=Table(
            "fallout_routing",
            "Fallout routing",
            "fallout_routing",
            "first",
            [
                ("error_code", "text"),
                ("task_code", "text"),
                ("task_type", "text"),
                ("specification", "text"),
                ("customer", "text"),
            ],
            [
                ("fallout_type", "text"),
                ("work_group", "text"),
                ("priority", "integer"),
            ],
            rows,
        ),
        actor=ADMIN,
    )


@pytest.fixture
def groups(db) -> dict[str, WorkGroup]:
    return {
        code: WorkGroupFactory(code=code, name=code)
        for code in ("billing_team", "porting_team", "vip_desk", "spec_team")
    }


def _route(fallout: FalloutRecord) -> tuple[str, str, int]:
    fallout = FalloutRecord.objects.select_related("fallout_type", "work_group").get(
        pk=fallout.pk
    )
    return fallout.fallout_type.code, fallout.work_group.code, fallout.priority


def test_rule_on_error_code(settings, job_actor, groups):
    _table([(["BILL-500", "-", "-", "-", "-"], ["billing_issue", "billing_team", "0"])])

    failed = order_with_failed_task(settings, job_actor)

    assert _route(failed.fallout) == ("billing_issue", "billing_team", 0)
    assert failed.fallout.routed_by == "fallout_routing#1"


def test_rule_on_task_code_and_type(settings, job_actor, groups):
    _table(
        [
            (["-", "other", "-", "-", "-"], ["data_error", "vip_desk", "0"]),
            (
                ["-", "activate", "automated", "-", "-"],
                ["data_error", "porting_team", "3"],
            ),
        ]
    )

    failed = order_with_failed_task(settings, job_actor)

    assert _route(failed.fallout) == ("data_error", "porting_team", 3)
    assert failed.fallout.routed_by == "fallout_routing#2"


def test_rule_on_specification(settings, job_actor, groups):
    from tests.catalog.factories import SpecificationFactory

    spec = SpecificationFactory(published=True, code="PS_ROUTED")
    _table(
        [
            (
                ["-", "-", "-", "PS_ROUTED", "-"],
                ["provisioning_failure", "spec_team", "1"],
            )
        ]
    )

    failed = order_with_failed_task(settings, job_actor, specification=spec)

    assert _route(failed.fallout) == ("provisioning_failure", "spec_team", 1)


def test_rule_on_customer(settings, job_actor, groups):
    from tests.orders.factories import CustomerOrderFactory

    order = CustomerOrderFactory(state="in_progress")
    number = order.account.number
    _table([(["-", "-", "-", "-", number], ["billing_issue", "vip_desk", "0"])])

    failed = order_with_failed_task(settings, job_actor, order=order)

    assert _route(failed.fallout) == ("billing_issue", "vip_desk", 0)


def test_unmatched_goes_to_the_default_desk(settings, job_actor, groups):
    _table([(["NOPE", "-", "-", "-", "-"], ["data_error", "vip_desk", "0"])])

    failed = order_with_failed_task(settings, job_actor, adapter="number_porting")

    assert _route(failed.fallout) == ("provisioning_failure", "fallout_desk", 2)
    assert failed.fallout.routed_by == ""


def test_without_a_table_the_default_route_is_taken(settings, job_actor):
    failed = order_with_failed_task(settings, job_actor, adapter="inventory_allocation")

    assert _route(failed.fallout) == (
        "inventory_allocation_failure",
        "fallout_desk",
        2,
    )


def test_unknown_group_or_type_in_a_rule_falls_back(settings, job_actor):
    _table([(["BILL-500", "-", "-", "-", "-"], ["no_such_type", "no_such_group", "1"])])

    failed = order_with_failed_task(settings, job_actor)

    assert _route(failed.fallout) == ("billing_issue", "fallout_desk", 1)


def test_an_admin_defined_type_can_be_routed_to(settings, job_actor):
    FalloutType.objects.create(code="porting_rejected", name="Porting rejected")
    _table([(["PORT-409", "-", "-", "-", "-"], ["porting_rejected", "-", "1"])])

    failed = order_with_failed_task(settings, job_actor, adapter="number_porting")

    assert _route(failed.fallout)[0] == "porting_rejected"


def test_demo_table_routes_a_reported_wrong_data_problem(job_actor, make_user):
    # given the demo routing table and a manual task of a fiber team member
    fallout_routing_build(actor=ADMIN)
    team = WorkGroupFactory(code="fiber_team")
    member = make_user("fiber1", Role.FULFILLMENT_AGENT)
    team.members.add(member)
    plan("product", manual("survey", group="fiber_team"), default_for_kind="product")
    domain_order = DomainOrderFactory()
    order_orchestrate(order_id=domain_order.order_id, actor=job_actor)
    tasks_open_ready(actor=job_actor, order_id=domain_order.order_id)
    task = OrderTask.objects.get(domain_order=domain_order)

    # when
    fallout = fallout_report(
        task_id=task.pk,
        problem="wrong_data",
        text="The address has no house number.",
        actor=Actor.for_user(member),
    )

    # then
    assert _route(fallout) == ("data_error", "fallout_desk", 2)
    assert WorkGroup.objects.filter(code="fallout_desk").exists()
