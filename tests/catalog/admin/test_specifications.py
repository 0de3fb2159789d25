"""Catalog admin: immutability of published items, cycle checks, actions, the tree view."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.audit import AuditAction
from catalog.models import LifecycleStatus, Specification, SpecificationRelationship
from ordermgmt.audit import audit_history
from tests.catalog.factories import (
    CharacteristicSpecFactory,
    SpecificationFactory,
    SpecificationRelationshipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_user(client, make_user):
    user = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def change_url(spec: Specification) -> str:
    return reverse("admin:catalog_specification_change", args=[spec.pk])


def form_data(response) -> dict[str, Any]:
    """The POST body the change form would send back unchanged."""
    data: dict[str, Any] = {}

    def add(form) -> None:
        for name, field in form.fields.items():
            value = field.prepare_value(form[name].value())
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            add(form)
    return data


def test_published_specification_form_changes_only_display_fields(admin_client_user):
    # given
    spec = SpecificationFactory(code="fibre", kind="product", published=True)
    page = admin_client_user.get(change_url(spec))
    data = form_data(page)
    assert "code" not in data  # read-only once published
    # when
    data.update(name="Fibre (renamed)", code="hacked", kind="rfs")
    response = admin_client_user.post(change_url(spec), data)
    # then
    assert response.status_code == 302
    spec.refresh_from_db()
    assert (spec.name, spec.code, spec.kind) == ("Fibre (renamed)", "fibre", "product")
    event = audit_history(subject=spec).get()
    assert (event.action, event.data) == (
        AuditAction.SPECIFICATION_UPDATED,
        {"fields": ["name"]},
    )


def test_published_specification_inlines_are_read_only(admin_client_user):
    spec = SpecificationFactory(published=True)
    CharacteristicSpecFactory(specification=spec, code="speed")
    page = admin_client_user.get(change_url(spec))
    inlines = page.context["inline_admin_formsets"]
    assert inlines
    assert not any(inline.has_add_permission for inline in inlines)
    assert not any(inline.has_change_permission for inline in inlines)
    assert not any(inline.has_delete_permission for inline in inlines)


def test_draft_specification_form_changes_any_field(admin_client_user):
    spec = SpecificationFactory(code="draft", kind="product")
    data = form_data(admin_client_user.get(change_url(spec)))
    data.update(code="draft-2", kind="cfs")
    assert admin_client_user.post(change_url(spec), data).status_code == 302
    spec.refresh_from_db()
    assert (spec.code, spec.kind) == ("draft-2", "cfs")


def test_relationship_inline_refuses_a_cycle(admin_client_user):
    parent, child = SpecificationFactory(), SpecificationFactory()
    SpecificationRelationshipFactory(source=parent, target=child)
    data = form_data(admin_client_user.get(change_url(child)))
    prefix = "outgoing_relationships"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-relationship_type": "requires",
            f"{prefix}-0-target": str(parent.pk),
            f"{prefix}-0-min_quantity": "1",
            f"{prefix}-0-default_quantity": "1",
            f"{prefix}-0-max_quantity": "1",
            f"{prefix}-0-position": "0",
        }
    )
    response = admin_client_user.post(change_url(child), data)
    assert response.status_code == 200
    assert "would make a cycle" in response.content.decode()
    assert not SpecificationRelationship.objects.filter(source=child).exists()


def test_publish_action_calls_the_service(admin_client_user):
    draft = SpecificationFactory()
    published = SpecificationFactory(published=True)
    response = admin_client_user.post(
        reverse("admin:catalog_specification_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk, published.pk]},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.lifecycle_status == LifecycleStatus.PUBLISHED
    assert audit_history(subject=draft).get().actor_label == "root"
    text = response.content.decode()
    assert "Published 1 item(s)." in text
    assert "cannot publish while it is published" in text


def test_new_version_action_makes_a_draft(admin_client_user):
    spec = SpecificationFactory(code="x", published=True)
    admin_client_user.post(
        reverse("admin:catalog_specification_changelist"),
        {"action": "new_version_selected", "_selected_action": [spec.pk]},
    )
    assert Specification.objects.get(code="x", version=2).is_draft


def test_tree_view_renders_the_nested_tree(admin_client_user):
    # given
    root = SpecificationFactory(code="bundle", name="Home bundle")
    internet = SpecificationFactory(code="internet", kind="cfs")
    access = SpecificationFactory(code="access", kind="rfs")
    SpecificationRelationshipFactory(
        source=root, target=internet, relationship_type="bundles"
    )
    SpecificationRelationshipFactory(
        source=internet, target=access, relationship_type="realized_as", max_quantity=4
    )
    site = CharacteristicSpecFactory(
        specification=internet, code="site", value_type="object"
    )
    CharacteristicSpecFactory(specification=internet, code="postcode", parent=site)
    # when
    url = reverse("admin:catalog_specification_tree", args=[root.pk])
    response = admin_client_user.get(url)
    # then
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [
        (
            row.depth,
            row.specification.code if row.specification else row.characteristic.code,
        )
        for row in rows
    ] == [(0, "bundle"), (1, "internet"), (2, "site"), (3, "postcode"), (2, "access")]
    text = response.content.decode()
    assert "Realized as" in text
    assert "1 / 1 / 4" in text


def test_change_form_links_to_the_tree(admin_client_user):
    spec = SpecificationFactory()
    response = admin_client_user.get(change_url(spec))
    assert reverse("admin:catalog_specification_tree", args=[spec.pk]) in (
        response.content.decode()
    )


def test_tree_view_needs_view_permission(client, make_user):
    staff = make_user("staff", is_staff=True)
    client.force_login(staff)
    spec = SpecificationFactory()
    url = reverse("admin:catalog_specification_tree", args=[spec.pk])
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_specification"))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "productoffering",
        "pricelist",
        "category",
        "pricingmatrix",
        "priceadjustment",
        "characteristicspec",
        "compatibilityrule",
        "attributemappingrule",
    ],
)
def test_admin_pages_render(admin_client_user, model):
    assert (
        admin_client_user.get(reverse(f"admin:catalog_{model}_changelist")).status_code
        == 200
    )
    assert (
        admin_client_user.get(reverse(f"admin:catalog_{model}_add")).status_code == 200
    )
