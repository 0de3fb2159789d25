"""The plan admin: tasks inline, dependencies by code, cycles refused in the form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orchestration.models import PlanTemplate, TaskTemplateDependency

pytestmark = pytest.mark.django_db

PREFIX = "task_templates"


def _form(tasks: list[dict[str, str]], **plan: str) -> dict[str, str]:
    data = {
        "code": "fiber",
        "name": "Fiber",
        "description": "",
        "is_active": "on",
        "default_for_kind": "",
        f"{PREFIX}-TOTAL_FORMS": str(len(tasks)),
        f"{PREFIX}-INITIAL_FORMS": "0",
        f"{PREFIX}-MIN_NUM_FORMS": "0",
        f"{PREFIX}-MAX_NUM_FORMS": "1000",
        **plan,
    }
    for index, task in enumerate(tasks):
        row = {
            "position": str(index),
            "task_type": "automated",
            "adapter": "network_provisioning",
            "sla_minutes": "60",
            "name": task["code"].title(),
            "depends_on_codes": "",
            **task,
        }
        data.update({f"{PREFIX}-{index}-{key}": value for key, value in row.items()})
    return data


def test_admin_saves_a_plan_with_dependencies(admin_client):
    response = admin_client.post(
        reverse("admin:orchestration_plantemplate_add"),
        _form(
            [
                {"code": "design"},
                {"code": "ship", "adapter": "shipping", "depends_on_codes": "design"},
                {"code": "bill", "depends_on_codes": "design, ship"},
            ]
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    plan = PlanTemplate.objects.get(code="fiber")
    assert sorted(
        TaskTemplateDependency.objects.filter(task__plan=plan).values_list(
            "task__code", "depends_on__code"
        )
    ) == [("bill", "design"), ("bill", "ship"), ("ship", "design")]


def test_admin_refuses_a_cyclic_plan(admin_client):
    response = admin_client.post(
        reverse("admin:orchestration_plantemplate_add"),
        _form(
            [
                {"code": "a", "depends_on_codes": "b"},
                {"code": "b", "depends_on_codes": "a"},
            ]
        ),
    )

    assert response.status_code == 200
    assert "dependency cycle" in response.content.decode()
    assert not PlanTemplate.objects.exists()


def test_admin_refuses_an_automated_task_without_adapter(admin_client):
    response = admin_client.post(
        reverse("admin:orchestration_plantemplate_add"),
        _form([{"code": "a", "adapter": ""}]),
    )

    assert response.status_code == 200
    assert "needs an adapter" in response.content.decode()
    assert not PlanTemplate.objects.exists()


def test_admin_change_page_shows_dependencies_by_code(admin_client):
    admin_client.post(
        reverse("admin:orchestration_plantemplate_add"),
        _form([{"code": "design"}, {"code": "ship", "depends_on_codes": "design"}]),
    )
    plan = PlanTemplate.objects.get(code="fiber")

    page = admin_client.get(
        reverse("admin:orchestration_plantemplate_change", args=[plan.pk])
    )

    assert page.status_code == 200
    assert 'value="design"' in page.content.decode()


def test_order_task_admin_is_read_only(admin_client):
    page = admin_client.get(reverse("admin:orchestration_ordertask_changelist"))

    assert page.status_code == 200
    assert "Add order task" not in page.content.decode()
