import pytest
from django.contrib.auth.models import Group

from ordermgmt.roles import (
    ROLE_PERMISSIONS,
    Role,
    role_permission_codenames,
    roles_sync,
)

pytestmark = pytest.mark.django_db


def test_every_role_has_a_group_with_exactly_its_permissions():
    for role in Role:
        group = Group.objects.get(name=role.label)
        held = {
            (p.content_type.app_label, p.codename)
            for p in group.permissions.select_related("content_type")
        }
        assert held == role_permission_codenames(role=role), role


def test_roles_sync_is_idempotent_and_repairs_drift():
    agent = Group.objects.get(name=Role.ORDER_AGENT.label)
    agent.permissions.clear()
    roles_sync()
    roles_sync()
    assert Group.objects.filter(name__in=[r.label for r in Role]).count() == len(Role)
    assert agent.permissions.filter(codename="add_customerorder").exists()


def test_customers_cannot_change_catalog_and_agents_cannot_edit_decision_tables():
    customer = role_permission_codenames(role=Role.CUSTOMER)
    agent = role_permission_codenames(role=Role.ORDER_AGENT)
    admin = role_permission_codenames(role=Role.PROCESS_ADMIN)
    assert ("catalog", "view_productoffering") in customer
    assert ("catalog", "change_productoffering") not in customer
    assert not any(app == "decisions" for app, _ in agent)
    assert ("decisions", "change_decisiontable") in admin


def test_every_role_is_declared():
    assert set(ROLE_PERMISSIONS) == set(Role)
