"""The decision table admin: inline editing through services, actions, the try-it page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from decisions.conditions import output_format
from decisions.models import (
    DecisionAuditAction,
    DecisionColumn,
    DecisionRow,
    DecisionTable,
    DecisionTableState,
)
from decisions.services import decision_table_publish
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_history
from ordermgmt.models import AuditEvent
from tests.decisions.factories import DecisionTableFactory, approval_draft

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:decisions_decisiontable_changelist"


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser("process_admin", password="pw-admin")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def admin_actor(admin_user) -> Actor:
    return Actor.for_user(admin_user)


def change_url(table: DecisionTable) -> str:
    return reverse("admin:decisions_decisiontable_change", args=[table.pk])


def try_url(table: DecisionTable) -> str:
    return reverse("admin:decisions_decisiontable_try", args=[table.pk])


def management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def change_form_data(table: DecisionTable) -> dict[str, str]:
    """The POST a browser sends for the unchanged change form of a draft."""
    columns = list(
        DecisionColumn.objects.filter(table=table).order_by(
            "direction", "position", "id"
        )
    )
    rows = list(DecisionRow.objects.filter(table=table).order_by("position", "id"))
    data = {
        "name": table.name,
        "purpose": table.purpose,
        "hit_policy": table.hit_policy,
        "description": table.description,
        **management("columns", len(columns), len(columns)),
        **management("rows", len(rows) + 1, len(rows)),
    }
    for index, column in enumerate(columns):
        prefix = f"columns-{index}-"
        data |= {
            prefix + "id": str(column.pk),
            prefix + "table": str(table.pk),
            prefix + "direction": column.direction,
            prefix + "code": column.code,
            prefix + "label": column.label,
            prefix + "data_type": column.data_type,
            prefix + "position": str(column.position),
        }
    for index, row in enumerate([*rows, None]):
        prefix = f"rows-{index}-"
        data |= {
            prefix + "id": str(row.pk) if row else "",
            prefix + "table": str(table.pk),
            prefix + "position": str(row.position) if row else "",
            prefix + "priority": str(row.priority) if row else "0",
            prefix + "note": row.note if row else "",
        }
        for column in columns:
            name = f"{prefix}{'in' if column.direction == 'input' else 'out'}__{column.code}"
            if row is None:
                data[name] = ""
            elif column.direction == "input":
                data[name] = row.conditions.get(column.code, "-")
            else:
                data[name] = output_format(row.outputs[column.code], column.data_type)
    return data


# --- list and forms -------------------------------------------------------------------


def test_changelist_searches_and_filters(admin_client, admin_actor):
    approval_draft(admin_actor, key="approval_policy")
    DecisionTableFactory(
        key="fallout_routing", purpose="fallout_routing", published=True
    )

    found = admin_client.get(reverse(CHANGELIST), {"q": "approval"})
    published = admin_client.get(reverse(CHANGELIST), {"state__exact": "published"})
    by_purpose = admin_client.get(reverse(CHANGELIST), {"purpose__exact": "approval"})

    def keys(response):
        assert response.status_code == 200
        return [table.key for table in response.context["cl"].result_list]

    assert keys(found) == ["approval_policy"]
    assert keys(published) == ["fallout_routing"]
    assert keys(by_purpose) == ["approval_policy"]


def test_add_view_creates_a_table_and_columns_through_the_services(admin_client):
    data = {
        "key": "discount_policy",
        "name": "Discount policy",
        "purpose": "price_adjustment",
        "hit_policy": "first",
        "description": "",
        **management("columns", 2, 0),
        "columns-0-direction": "input",
        "columns-0-code": "segment",
        "columns-0-label": "",
        "columns-0-data_type": "text",
        "columns-0-position": "1",
        "columns-1-direction": "output",
        "columns-1-code": "discount",
        "columns-1-label": "Discount",
        "columns-1-data_type": "decimal",
        "columns-1-position": "1",
    }

    response = admin_client.post(reverse("admin:decisions_decisiontable_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    table = DecisionTable.objects.get(key="discount_policy")
    assert table.state == DecisionTableState.DRAFT
    assert sorted(table.columns.values_list("code", flat=True)) == [
        "discount",
        "segment",
    ]
    assert [e.action for e in audit_history(subject=table)] == [
        DecisionAuditAction.TABLE_CREATED,
        DecisionAuditAction.COLUMN_ADDED,
        DecisionAuditAction.COLUMN_ADDED,
    ]


def test_add_view_refuses_a_key_in_use(admin_client):
    DecisionTableFactory(key="approval_policy")
    data = {
        "key": "approval_policy",
        "name": "Again",
        "purpose": "approval",
        "hit_policy": "first",
        **management("columns", 0, 0),
    }

    response = admin_client.post(reverse("admin:decisions_decisiontable_add"), data)

    assert response.status_code == 200
    assert "use the &#x27;New version&#x27; action" in response.text
    assert DecisionTable.objects.count() == 1


def test_change_view_of_a_draft_edits_rows_as_cells(admin_client, admin_actor):
    table = approval_draft(admin_actor)
    page = admin_client.get(change_url(table))
    assert 'name="rows-0-in__segment"' in page.text
    assert try_url(table) in page.text
    data = change_form_data(table)
    data["rows-0-in__segment"] = "in(gold,silver)"
    data |= {"rows-2-in__segment": "bronze", "rows-2-out__approver": "desk"}

    response = admin_client.post(change_url(table), data)

    assert response.status_code == 302
    rows = list(table.rows.order_by("position").values_list("conditions", "outputs"))
    assert rows == [
        ({"segment": "in (gold, silver)", "total": "<= 1000"}, {"approver": "none"}),
        ({}, {"approver": "manager"}),
        ({"segment": "bronze"}, {"approver": "desk"}),
    ]
    actions = [e.action for e in audit_history(subject=table)]
    assert actions[-2:] == [
        DecisionAuditAction.ROW_CHANGED,
        DecisionAuditAction.ROW_ADDED,
    ]


def test_change_view_shows_a_bad_condition_next_to_its_cell(admin_client, admin_actor):
    table = approval_draft(admin_actor)
    data = change_form_data(table)
    data["rows-0-in__total"] = "[100..x]"
    events_before = AuditEvent.objects.count()

    response = admin_client.post(change_url(table), data)

    assert response.status_code == 200
    assert "cannot read condition" in response.text
    assert "&#x27;x&#x27; is not a decimal number" in response.text
    assert AuditEvent.objects.count() == events_before


def test_change_view_deletes_a_row_through_the_service(admin_client, admin_actor):
    table = approval_draft(admin_actor)
    data = change_form_data(table)
    data["rows-0-DELETE"] = "on"

    response = admin_client.post(change_url(table), data)

    assert response.status_code == 302
    assert list(table.rows.values_list("position", flat=True)) == [2]
    assert audit_history(subject=table).last().action == DecisionAuditAction.ROW_REMOVED


def test_a_published_table_is_read_only(admin_client, admin_actor):
    table = approval_draft(admin_actor)
    decision_table_publish(table_id=table.pk, actor=admin_actor)
    data = change_form_data(table)
    data["name"] = "Changed"

    page = admin_client.get(change_url(table))
    response = admin_client.post(change_url(table), data)

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert 'name="rows-0-in__segment"' not in page.text
    assert "segment: gold, total: &lt;= 1000 → approver = none" in page.text
    assert response.status_code == 403
    table.refresh_from_db()
    assert table.name == "Approval policy"


# --- actions --------------------------------------------------------------------------


def run_action(admin_client, action: str, *tables: DecisionTable):
    return admin_client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(t.pk) for t in tables]},
        follow=True,
    )


def test_publish_action_publishes_through_the_service(admin_client, admin_actor):
    table = approval_draft(admin_actor)

    response = run_action(admin_client, "publish", table)

    table.refresh_from_db()
    assert table.state == DecisionTableState.PUBLISHED
    assert "Published: approval_policy v1." in response.text
    event = audit_history(subject=table).last()
    assert (event.action, event.actor_user_id) == (
        DecisionAuditAction.TABLE_PUBLISHED,
        admin_actor.user_id,
    )


def test_publish_action_shows_why_a_table_cannot_be_published(
    admin_client, admin_actor
):
    table = approval_draft(admin_actor)
    DecisionRow.objects.create(table=table, position=3, conditions={"segment": "x"})

    response = run_action(admin_client, "publish", table)

    table.refresh_from_db()
    assert table.state == DecisionTableState.DRAFT
    assert "Cannot publish approval_policy v1: 1 problem to fix first." in response.text
    assert "row 3: Output missing: approver." in response.text


def test_retire_and_new_version_actions_call_the_services(admin_client, admin_actor):
    table = approval_draft(admin_actor)
    decision_table_publish(table_id=table.pk, actor=admin_actor)

    copied = run_action(admin_client, "new_version", table)
    retired = run_action(admin_client, "retire", table)
    refused = run_action(admin_client, "retire", table)

    assert "New draft: approval_policy v2." in copied.text
    assert "Retired: approval_policy v1." in retired.text
    assert "cannot retire while it is retired" in refused.text
    states = dict(DecisionTable.objects.values_list("version", "state"))
    assert states == {1: "retired", 2: "draft"}
    assert DecisionRow.objects.filter(table__version=2).count() == 2


# --- try it ---------------------------------------------------------------------------


def test_try_page_shows_one_field_per_input_column(admin_client, admin_actor):
    table = approval_draft(admin_actor)

    response = admin_client.get(try_url(table))

    assert response.status_code == 200
    assert list(response.context["form"].fields) == ["segment", "total"]
    assert "Evaluate" in response.text
    assert "cannot be published yet" not in response.text


def test_try_page_evaluates_sample_inputs_on_a_draft(admin_client, admin_actor):
    table = approval_draft(admin_actor)

    response = admin_client.post(try_url(table), {"segment": "gold", "total": "250.00"})

    assert response.status_code == 200
    result = response.context["result"]
    assert (result.matched, result.outputs, result.matched_rows) == (
        True,
        {"approver": "none"},
        (1,),
    )
    assert 'id="decision-try-result"' in response.text
    assert "<td>approver</td><td>none</td>" in response.text


def test_try_page_shows_an_input_error(admin_client, admin_actor):
    table = approval_draft(admin_actor)

    response = admin_client.post(try_url(table), {"segment": "gold", "total": "abc"})

    assert response.context["result"] is None
    assert "Input total must be a number; got &#x27;abc&#x27;." in response.text


def test_try_page_lists_the_problems_of_a_draft(admin_client, admin_actor):
    table = approval_draft(admin_actor)
    DecisionRow.objects.create(
        table=table, position=3, conditions={"segment": "x"}, outputs={"approver": "y"}
    )

    response = admin_client.get(try_url(table))

    assert "This draft cannot be published yet" in response.text
    assert "row 3: Can never be hit: row 2" in response.text


def test_try_page_works_on_a_published_version(admin_client, admin_actor):
    table = approval_draft(admin_actor)
    decision_table_publish(table_id=table.pk, actor=admin_actor)

    response = admin_client.post(try_url(table), {"segment": "", "total": "5000"})

    assert response.context["result"].outputs == {"approver": "manager"}


def test_try_page_needs_staff(client, admin_actor):
    table = approval_draft(admin_actor)

    response = client.get(try_url(table))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
