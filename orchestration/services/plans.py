"""Plan templates: create a plan with its task templates, replace its dependencies, and
check a stored plan. Every write refuses a dependency cycle with a CycleError."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

from orchestration.adapters import ADAPTERS
from orchestration.audit import AuditAction
from orchestration.exceptions import PlanInvalid
from orchestration.models import (
    PlanDefaultKind,
    PlanTemplate,
    TaskTemplate,
    TaskTemplateDependency,
    TaskType,
)
from orchestration.rules import graph_require_acyclic
from orchestration.selectors import plan_template_get, plan_template_get_for_update
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import ValidationFailed
from ordermgmt.models import WorkGroup


@dataclass(frozen=True)
class TaskTemplateSpec:
    """One task of a plan to create; `depends_on` and `compensation` name task codes."""

    code: str
    name: str
    task_type: str = TaskType.AUTOMATED
    adapter: str = ""
    work_group_code: str = ""
    sla_minutes: int = 60
    is_ponr: bool = False
    depends_on: tuple[str, ...] = ()
    compensation: str = ""
    description: str = ""


def plan_dependencies_check(
    *, plan_code: str, dependencies: Mapping[str, Sequence[str]]
) -> None:
    """Refuse dependencies on tasks outside the plan and dependency cycles."""
    unknown = sorted(
        {dep for deps in dependencies.values() for dep in deps} - set(dependencies)
    )
    if unknown:
        raise ValidationFailed(
            f"Plan {plan_code} has dependencies on tasks it does not have: "
            f"{', '.join(unknown)}.",
            errors={"depends_on": [f"Unknown task {code}." for code in unknown]},
        )
    graph_require_acyclic(dependencies, label=f"Plan {plan_code}")


def _task_specs_check(*, plan_code: str, tasks: Sequence[TaskTemplateSpec]) -> None:
    errors: dict[str, list[str]] = {}
    codes = [task.code for task in tasks]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        errors["code"] = [f"Task code {code} is used twice." for code in duplicates]
    for task in tasks:
        if task.task_type == TaskType.AUTOMATED and task.adapter not in ADAPTERS:
            errors.setdefault(task.code, []).append(
                f"An automated task needs a known adapter, not {task.adapter!r}."
            )
        if task.task_type == TaskType.MANUAL and task.adapter:
            errors.setdefault(task.code, []).append("A manual task has no adapter.")
        if task.compensation and task.compensation not in codes:
            errors.setdefault(task.code, []).append(
                f"Compensation {task.compensation} is not a task of the plan."
            )
    if errors:
        raise ValidationFailed(f"Plan {plan_code} is not valid.", errors=errors)
    plan_dependencies_check(
        plan_code=plan_code, dependencies={t.code: t.depends_on for t in tasks}
    )


def _work_groups(*, tasks: Sequence[TaskTemplateSpec]) -> dict[str, WorkGroup]:
    wanted = {task.work_group_code for task in tasks if task.work_group_code}
    groups = {group.code: group for group in WorkGroup.objects.filter(code__in=wanted)}
    missing = sorted(wanted - groups.keys())
    if missing:
        raise ValidationFailed(
            f"Unknown work groups: {', '.join(missing)}.",
            errors={"work_group": [f"No work group {code}." for code in missing]},
        )
    return groups


def plan_template_create(
    *,
    code: str,
    name: str,
    tasks: Sequence[TaskTemplateSpec],
    actor: Actor,
    description: str = "",
    default_for_kind: str = "",
    is_active: bool = True,
) -> PlanTemplate:
    """Create a plan with its task templates and dependencies; refuse cycles."""
    if default_for_kind and default_for_kind not in PlanDefaultKind.values:
        raise ValidationFailed(
            f"{default_for_kind!r} is not a domain order kind.",
            errors={"default_for_kind": ["Choose product, service or resource."]},
        )
    _task_specs_check(plan_code=code, tasks=tasks)
    with transaction.atomic():
        if PlanTemplate.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"A plan {code} exists already.",
                errors={"code": ["Already used."]},
            )
        if (
            default_for_kind
            and is_active
            and PlanTemplate.objects.filter(
                default_for_kind=default_for_kind, is_active=True
            ).exists()
        ):
            raise PlanInvalid(
                f"Another active plan is already the default for {default_for_kind} "
                "orders.",
                kind=default_for_kind,
            )
        groups = _work_groups(tasks=tasks)
        plan = PlanTemplate.objects.create(
            code=code,
            name=name,
            description=description,
            default_for_kind=default_for_kind,
            is_active=is_active,
        )
        templates = TaskTemplate.objects.bulk_create(
            [
                TaskTemplate(
                    plan=plan,
                    code=task.code,
                    name=task.name,
                    description=task.description,
                    task_type=task.task_type,
                    adapter=task.adapter,
                    work_group=groups.get(task.work_group_code),
                    sla_minutes=task.sla_minutes,
                    is_ponr=task.is_ponr,
                    position=index,
                )
                for index, task in enumerate(tasks, start=1)
            ]
        )
        by_code = {template.code: template for template in templates}
        compensated = [
            (by_code[task.code], by_code[task.compensation])
            for task in tasks
            if task.compensation
        ]
        for template, compensation in compensated:
            template.compensation = compensation
        TaskTemplate.objects.bulk_update(
            [template for template, _ in compensated], ["compensation"]
        )
        TaskTemplateDependency.objects.bulk_create(
            [
                TaskTemplateDependency(task=by_code[task.code], depends_on=by_code[dep])
                for task in tasks
                for dep in dict.fromkeys(task.depends_on)
            ]
        )
        audit_record(
            subject=plan,
            action=AuditAction.PLAN_CREATED,
            actor=actor,
            data={"tasks": [task.code for task in tasks]},
        )
    return plan


def plan_template_dependencies_set(
    *, plan_id: int, dependencies: Mapping[str, Sequence[str]], actor: Actor
) -> PlanTemplate:
    """Replace the dependencies of a plan's tasks (by task code); refuse cycles.

    Tasks missing from `dependencies` keep none.
    """
    with transaction.atomic():
        plan = plan_template_get_for_update(plan_id=plan_id)
        templates = {t.code: t for t in TaskTemplate.objects.filter(plan=plan)}
        wanted = {code: list(dependencies.get(code, ())) for code in templates}
        extra = sorted(set(dependencies) - templates.keys())
        if extra:
            raise ValidationFailed(
                f"Plan {plan.code} has no tasks {', '.join(extra)}.",
                errors={"task": [f"Unknown task {code}." for code in extra]},
            )
        plan_dependencies_check(plan_code=plan.code, dependencies=wanted)
        TaskTemplateDependency.objects.filter(task__plan=plan).delete()
        TaskTemplateDependency.objects.bulk_create(
            [
                TaskTemplateDependency(task=templates[code], depends_on=templates[dep])
                for code, deps in wanted.items()
                for dep in dict.fromkeys(deps)
            ]
        )
        audit_record(
            subject=plan,
            action=AuditAction.PLAN_DEPENDENCIES_SET,
            actor=actor,
            data={"dependencies": {c: d for c, d in wanted.items() if d}},
        )
    return plan


def plan_template_check(*, plan_id: int) -> None:
    """Refuse a stored plan that has a cycle or a dependency on another plan's task."""
    plan = plan_template_get(plan_id=plan_id)
    templates = list(plan.task_templates.all())
    codes = {template.pk: template.code for template in templates}
    foreign = [
        dep
        for template in templates
        for dep in template.dependencies.all()
        if dep.depends_on_id not in codes
    ]
    if foreign:
        raise PlanInvalid(
            f"Plan {plan.code} depends on tasks of another plan.",
            dependencies=[dep.pk for dep in foreign],
        )
    plan_dependencies_check(
        plan_code=plan.code,
        dependencies={
            t.code: [codes[d.depends_on_id] for d in t.dependencies.all()]
            for t in templates
        },
    )
