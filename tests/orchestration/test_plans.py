"""Plan templates (create, dependencies, cycles refused) and plan selection."""

from __future__ import annotations

import pytest

from decomposition.models import DomainOrderAction, DomainOrderKind
from orchestration.audit import AuditAction
from orchestration.exceptions import NoPlanForDomainOrder, PlanEmpty, PlanInvalid
from orchestration.models import PlanTemplate, TaskTemplate, TaskTemplateDependency
from orchestration.selectors import plan_selection
from orchestration.services import (
    TaskTemplateSpec,
    plan_template_check,
    plan_template_create,
    plan_template_dependencies_set,
)
from ordermgmt.exceptions import CycleError, ValidationFailed
from ordermgmt.models import AuditEvent
from tests.catalog.factories import SpecificationFactory
from tests.orchestration.factories import (
    ADMIN,
    DomainOrderFactory,
    WorkGroupFactory,
    automated,
    manual,
    plan,
    plan_selection_publish,
)

pytestmark = pytest.mark.django_db


def _deps(plan_template):
    return sorted(
        TaskTemplateDependency.objects.filter(task__plan=plan_template).values_list(
            "task__code", "depends_on__code"
        )
    )


def test_plan_is_created_with_tasks_and_dependencies():
    WorkGroupFactory(code="field")

    created = plan(
        "fiber_install",
        automated("design", sla=30),
        manual("install", "design", group="field", sla=240, ponr=True),
        automated("bill", "install", adapter="billing_activation"),
    )

    tasks = {t.code: t for t in created.task_templates.all()}
    assert [t.code for t in created.task_templates.order_by("position")] == [
        "design",
        "install",
        "bill",
    ]
    assert tasks["install"].work_group.code == "field"
    assert tasks["install"].is_ponr
    assert tasks["install"].adapter == ""
    assert tasks["bill"].adapter == "billing_activation"
    assert _deps(created) == [("bill", "install"), ("install", "design")]
    assert AuditEvent.objects.filter(
        action=AuditAction.PLAN_CREATED, subject_id=str(created.pk)
    ).exists()


def test_cyclic_plan_is_refused_with_the_cycle_named():
    with pytest.raises(CycleError) as excinfo:
        plan(
            "loop",
            automated("a", "c"),
            automated("b", "a"),
            automated("c", "b"),
        )

    assert "dependency cycle" in excinfo.value.message
    assert set(excinfo.value.details["cycle"]) == {"a", "b", "c"}
    assert not PlanTemplate.objects.filter(code="loop").exists()
    assert not TaskTemplate.objects.exists()


def test_dependency_on_an_unknown_task_is_refused():
    with pytest.raises(ValidationFailed, match="ghost"):
        plan("p", automated("a", "ghost"))


def test_automated_task_needs_a_known_adapter_and_manual_none():
    with pytest.raises(ValidationFailed):
        plan("p", TaskTemplateSpec(code="a", name="A", adapter="teleport"))
    with pytest.raises(ValidationFailed):
        plan(
            "q",
            TaskTemplateSpec(
                code="a", name="A", task_type="manual", adapter="shipping"
            ),
        )


def test_unknown_work_group_is_refused():
    with pytest.raises(ValidationFailed, match="nobody"):
        plan("p", manual("a", group="nobody"))
    assert not PlanTemplate.objects.exists()


def test_duplicate_task_codes_are_refused():
    with pytest.raises(ValidationFailed):
        plan("p", automated("a"), automated("a"))


def test_compensation_names_a_task_of_the_plan():
    created = plan_template_create(
        code="p",
        name="P",
        tasks=[
            TaskTemplateSpec(code="undo", name="Undo", adapter="network_provisioning"),
            TaskTemplateSpec(
                code="do",
                name="Do",
                adapter="network_provisioning",
                compensation="undo",
            ),
        ],
        actor=ADMIN,
    )

    do = created.task_templates.get(code="do")
    assert do.compensation.code == "undo"


def test_only_one_active_default_plan_per_kind():
    plan("first", automated("a"), default_for_kind="product")

    with pytest.raises(PlanInvalid):
        plan("second", automated("a"), default_for_kind="product")


def test_dependencies_set_replaces_and_refuses_cycles():
    created = plan("p", automated("a"), automated("b", "a"), automated("c"))

    plan_template_dependencies_set(
        plan_id=created.pk, dependencies={"c": ["a", "b"]}, actor=ADMIN
    )
    assert _deps(created) == [("c", "a"), ("c", "b")]

    with pytest.raises(CycleError):
        plan_template_dependencies_set(
            plan_id=created.pk,
            dependencies={"a": ["c"], "c": ["a"]},
            actor=ADMIN,
        )
    assert _deps(created) == [("c", "a"), ("c", "b")]
    assert (
        AuditEvent.objects.filter(action=AuditAction.PLAN_DEPENDENCIES_SET).count() == 1
    )


def test_plan_check_finds_a_cycle_written_behind_the_services_back():
    created = plan("p", automated("a"), automated("b", "a"))
    a, b = created.task_templates.order_by("position")
    TaskTemplateDependency.objects.create(task=a, depends_on=b)

    with pytest.raises(CycleError):
        plan_template_check(plan_id=created.pk)


def test_plan_check_refuses_dependencies_on_another_plans_task():
    one = plan("one", automated("a"))
    other = plan("other", automated("x"))
    TaskTemplateDependency.objects.create(
        task=one.task_templates.get(), depends_on=other.task_templates.get()
    )

    with pytest.raises(PlanInvalid):
        plan_template_check(plan_id=one.pk)


# --- selection -----------------------------------------------------------------------


@pytest.fixture
def plans():
    return {
        "voice_add": plan("voice_add", automated("port", adapter="number_porting")),
        "voice_change": plan("voice_change", automated("reconfigure")),
        "service_default": plan(
            "service_default", automated("activate"), default_for_kind="service"
        ),
    }


def test_decision_table_chooses_by_specification_kind_and_action(plans):
    plan_selection_publish(
        [
            (["PS_VOICE", "product", "add"], ["voice_add"]),
            (["PS_VOICE", "product", "-"], ["voice_change"]),
        ]
    )
    spec = SpecificationFactory(code="PS_VOICE", published=True)
    added = DomainOrderFactory(specification=spec)
    changed = DomainOrderFactory(specification=spec, action=DomainOrderAction.CHANGE)

    chosen = plan_selection(domain_orders=[added, changed])

    assert chosen[added.pk].code == "voice_add"
    assert chosen[changed.pk].code == "voice_change"


def test_no_row_falls_back_to_the_default_plan_of_the_kind(plans):
    plan_selection_publish([(["PS_VOICE", "product", "add"], ["voice_add"])])
    service = DomainOrderFactory(kind=DomainOrderKind.SERVICE)

    assert plan_selection(domain_orders=[service])[service.pk].code == (
        "service_default"
    )


def test_without_a_published_table_defaults_are_used(plans):
    service = DomainOrderFactory(kind=DomainOrderKind.SERVICE)

    assert plan_selection(domain_orders=[service])[service.pk].code == (
        "service_default"
    )


def test_no_row_and_no_default_is_an_error(plans):
    plan_selection_publish([(["PS_VOICE", "product", "add"], ["voice_add"])])
    resource = DomainOrderFactory(kind=DomainOrderKind.RESOURCE)

    with pytest.raises(NoPlanForDomainOrder) as excinfo:
        plan_selection(domain_orders=[resource])

    assert excinfo.value.code == "no_plan"
    assert excinfo.value.details["kind"] == "resource"


def test_table_naming_an_unknown_or_inactive_plan_is_an_error(plans):
    PlanTemplate.objects.filter(code="voice_add").update(is_active=False)
    plan_selection_publish([(["-", "product", "-"], ["voice_add"])])

    with pytest.raises(NoPlanForDomainOrder, match="voice_add"):
        plan_selection(domain_orders=[DomainOrderFactory()])


def test_inactive_default_plan_is_not_used(plans):
    PlanTemplate.objects.filter(code="service_default").update(is_active=False)

    with pytest.raises(NoPlanForDomainOrder):
        plan_selection(domain_orders=[DomainOrderFactory(kind="service")])


def test_plan_without_tasks_is_refused():
    PlanTemplate.objects.create(code="empty", name="Empty", default_for_kind="product")

    with pytest.raises(PlanEmpty):
        plan_selection(domain_orders=[DomainOrderFactory()])
