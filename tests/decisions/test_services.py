"""Services: drafting and editing, immutability, publish / retire, new versions, audit."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from decisions.exceptions import (
    DecisionDraftExists,
    DecisionKeyTaken,
    DecisionTableImmutable,
    DecisionTableInvalid,
)
from decisions.models import (
    DecisionAuditAction,
    DecisionColumn,
    DecisionRow,
    DecisionTable,
    DecisionTableState,
)
from decisions.selectors import decision_evaluate
from decisions.services import (
    decision_column_add,
    decision_column_change,
    decision_column_remove,
    decision_row_add,
    decision_row_change,
    decision_row_remove,
    decision_table_change,
    decision_table_create,
    decision_table_delete,
    decision_table_new_version,
    decision_table_publish,
    decision_table_retire,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.models import AuditEvent
from tests.decisions.factories import (
    DecisionColumnFactory,
    DecisionRowFactory,
    DecisionTableFactory,
    approval_draft,
)

pytestmark = pytest.mark.django_db


def actions_of(table: DecisionTable) -> list[str]:
    return [event.action for event in audit_history(subject=table)]


# --- create and change ----------------------------------------------------------------


def test_decision_table_create_starts_draft_version_one_and_records_it(actor):
    table = decision_table_create(
        key="approval_policy",
        name="Approval policy",
        purpose="approval",
        hit_policy="priority",
        actor=actor,
    )

    table.refresh_from_db()
    assert (table.state, table.version, table.hit_policy) == ("draft", 1, "priority")
    event = audit_history(subject=table).get()
    assert event.action == DecisionAuditAction.TABLE_CREATED
    assert event.actor_user_id == actor.user_id
    assert event.to_state == "draft"


def test_decision_table_create_refuses_a_key_in_use(actor):
    DecisionTableFactory(key="approval_policy", retired=True)

    with pytest.raises(DecisionKeyTaken, match="make a new version"):
        decision_table_create(key="approval_policy", name="Again", actor=actor)

    assert DecisionTable.objects.count() == 1


def test_decision_table_create_refuses_an_invalid_key(actor):
    with pytest.raises(ValidationFailed) as caught:
        decision_table_create(key="not a slug!", name="Bad", actor=actor)

    assert "key" in caught.value.errors
    assert not DecisionTable.objects.exists()


def test_decision_table_change_updates_a_draft_and_records_the_fields(actor):
    table = DecisionTableFactory()

    decision_table_change(
        table_id=table.pk, name="Renamed", hit_policy="collect", actor=actor
    )

    table.refresh_from_db()
    assert (table.name, table.hit_policy) == ("Renamed", "collect")
    event = audit_history(subject=table).get()
    assert event.data == {"changed": ["name", "hit_policy"]}


def test_decision_table_change_without_changes_writes_nothing(actor):
    table = DecisionTableFactory(name="Same")

    decision_table_change(table_id=table.pk, name="Same", actor=actor)

    assert not AuditEvent.objects.exists()


# --- immutability of published and retired versions -----------------------------------


def _edit_calls(table: DecisionTable, actor: Actor) -> dict:
    column = DecisionColumnFactory(table=table, code="segment")
    row = DecisionRowFactory(table=table, outputs={"approver": "x"})
    return {
        "table_change": lambda: decision_table_change(
            table_id=table.pk, name="New name", actor=actor
        ),
        "column_add": lambda: decision_column_add(
            table_id=table.pk, direction="input", code="channel", actor=actor
        ),
        "column_change": lambda: decision_column_change(
            column_id=column.pk, label="Segment", actor=actor
        ),
        "column_remove": lambda: decision_column_remove(
            column_id=column.pk, actor=actor
        ),
        "row_add": lambda: decision_row_add(table_id=table.pk, actor=actor),
        "row_change": lambda: decision_row_change(
            row_id=row.pk, priority=3, actor=actor
        ),
        "row_remove": lambda: decision_row_remove(row_id=row.pk, actor=actor),
        "delete": lambda: decision_table_delete(table_id=table.pk, actor=actor),
    }


@pytest.mark.parametrize("state", ["published", "retired"])
@pytest.mark.parametrize(
    "edit",
    [
        "table_change",
        "column_add",
        "column_change",
        "column_remove",
        "row_add",
        "row_change",
        "row_remove",
        "delete",
    ],
)
def test_published_and_retired_versions_are_immutable(actor, state, edit):
    table = DecisionTableFactory(**{state: True})
    calls = _edit_calls(table, actor)
    before = (
        list(DecisionColumn.objects.values()),
        list(DecisionRow.objects.values()),
    )

    with pytest.raises(DecisionTableImmutable, match="make a new version"):
        calls[edit]()

    assert DecisionTable.objects.filter(pk=table.pk, name=table.name).exists()
    after = (
        list(DecisionColumn.objects.values()),
        list(DecisionRow.objects.values()),
    )
    assert after == before
    assert not AuditEvent.objects.exists()


# --- columns --------------------------------------------------------------------------


def test_decision_column_add_numbers_columns_per_direction(actor):
    table = DecisionTableFactory()

    first = decision_column_add(
        table_id=table.pk, direction="input", code="segment", actor=actor
    )
    second = decision_column_add(
        table_id=table.pk,
        direction="input",
        code="total",
        data_type="decimal",
        actor=actor,
    )
    output = decision_column_add(
        table_id=table.pk, direction="output", code="approver", actor=actor
    )

    assert (first.position, second.position, output.position) == (1, 2, 1)
    assert actions_of(table) == [DecisionAuditAction.COLUMN_ADDED] * 3


def test_decision_column_add_refuses_a_duplicate_or_malformed_code(actor):
    table = DecisionTableFactory()
    DecisionColumnFactory(table=table, code="segment", direction="input")

    with pytest.raises(ValidationFailed) as duplicate:
        decision_column_add(
            table_id=table.pk, direction="input", code="segment", actor=actor
        )
    with pytest.raises(ValidationFailed) as malformed:
        decision_column_add(
            table_id=table.pk, direction="input", code="Segment Name", actor=actor
        )

    assert "already has an input column segment" in duplicate.value.message
    assert "code" in malformed.value.errors
    assert DecisionColumn.objects.count() == 1
    # the same code may name an output
    decision_column_add(
        table_id=table.pk, direction="output", code="segment", actor=actor
    )


def test_decision_column_change_carries_a_new_code_into_the_rows(actor):
    table = approval_draft(actor)
    column = DecisionColumn.objects.get(table=table, code="segment")

    decision_column_change(column_id=column.pk, code="customer_segment", actor=actor)

    first_row = DecisionRow.objects.filter(table=table).first()
    assert first_row.conditions == {"customer_segment": "gold", "total": "<= 1000"}
    assert audit_history(subject=table).last().data == {
        "column": "segment",
        "changed": ["code"],
    }


def test_decision_column_remove_drops_its_cells(actor):
    table = approval_draft(actor)
    column = DecisionColumn.objects.get(table=table, code="total")

    decision_column_remove(column_id=column.pk, actor=actor)

    assert not DecisionColumn.objects.filter(pk=column.pk).exists()
    assert DecisionRow.objects.filter(table=table).first().conditions == {
        "segment": "gold"
    }
    assert actions_of(table)[-1] == DecisionAuditAction.COLUMN_REMOVED


# --- rows -----------------------------------------------------------------------------


def test_decision_row_add_stores_canonical_conditions_and_typed_outputs(actor):
    table = DecisionTableFactory()
    DecisionColumnFactory(table=table, code="segment")
    DecisionColumnFactory(table=table, code="total", data_type="integer")
    DecisionColumnFactory(
        table=table, code="limit", direction="output", data_type="decimal"
    )

    row = decision_row_add(
        table_id=table.pk,
        conditions={"segment": 'in(gold,"a, b")', "total": "-"},
        outputs={"limit": "12.50"},
        actor=actor,
    )

    row.refresh_from_db()
    assert row.conditions == {"segment": 'in (gold, "a, b")'}
    assert row.outputs == {"limit": "12.50"}
    assert row.position == 1
    assert audit_history(subject=table).get().data["row_id"] == row.pk


def test_decision_row_add_refuses_bad_cells_and_writes_nothing(actor):
    table = DecisionTableFactory()
    DecisionColumnFactory(table=table, code="total", data_type="integer")
    DecisionColumnFactory(
        table=table, code="limit", direction="output", data_type="decimal"
    )

    with pytest.raises(ValidationFailed) as caught:
        decision_row_add(
            table_id=table.pk,
            conditions={"total": "[1..x]", "colour": "red"},
            actor=actor,
        )
    with pytest.raises(ValidationFailed) as bad_output:
        decision_row_add(table_id=table.pk, outputs={"limit": "lots"}, actor=actor)

    assert set(caught.value.errors) == {"total", "colour"}
    assert "There is no input column colour." in caught.value.errors["colour"]
    assert "Output limit must be a number" in bad_output.value.message
    assert not DecisionRow.objects.exists()
    assert not AuditEvent.objects.exists()


def test_decision_row_change_replaces_cells(actor):
    table = approval_draft(actor)
    row = DecisionRow.objects.filter(table=table).first()

    decision_row_change(
        row_id=row.pk,
        conditions={"segment": "!= gold"},
        outputs={"approver": "desk"},
        priority=4,
        actor=actor,
    )

    row.refresh_from_db()
    assert (row.conditions, row.outputs, row.priority) == (
        {"segment": "!= gold"},
        {"approver": "desk"},
        4,
    )
    assert audit_history(subject=table).last().data["changed"] == [
        "conditions",
        "outputs",
        "priority",
    ]


def test_decision_row_remove_deletes_and_records(actor):
    table = approval_draft(actor)
    row = DecisionRow.objects.filter(table=table).first()

    decision_row_remove(row_id=row.pk, actor=actor)

    assert DecisionRow.objects.filter(table=table).count() == 1
    assert actions_of(table)[-1] == DecisionAuditAction.ROW_REMOVED


# --- publish, retire, versions --------------------------------------------------------


def test_decision_table_publish_publishes_a_valid_draft(actor):
    table = approval_draft(actor)

    decision_table_publish(table_id=table.pk, actor=actor, reason="go live")

    table.refresh_from_db()
    assert table.state == DecisionTableState.PUBLISHED
    assert table.published_at is not None
    event = audit_history(subject=table).last()
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        DecisionAuditAction.TABLE_PUBLISHED,
        "draft",
        "published",
        "go live",
    )


def test_decision_table_publish_retires_the_previous_version(actor):
    # given version 1 published and version 2 a changed copy
    first = approval_draft(actor)
    decision_table_publish(table_id=first.pk, actor=actor)
    second = decision_table_new_version(table_id=first.pk, actor=actor)
    row = DecisionRow.objects.filter(table=second, position=2).get()
    decision_row_change(row_id=row.pk, outputs={"approver": "director"}, actor=actor)

    # when
    decision_table_publish(table_id=second.pk, actor=actor)

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("retired", "published")
    assert first.retired_at == second.published_at
    retired_event = audit_history(subject=first).last()
    assert retired_event.action == DecisionAuditAction.TABLE_RETIRED
    assert retired_event.reason == "Superseded by version 2."
    assert audit_history(subject=second).last().data["superseded_versions"] == [1]
    inputs = {"segment": "lead", "total": Decimal("5")}
    assert decision_evaluate(key="approval_policy", inputs=inputs).outputs == {
        "approver": "director"
    }


def test_decision_table_publish_refuses_an_invalid_table_and_changes_nothing(actor):
    # given a published version 1 and a draft whose second row is shadowed
    first = approval_draft(actor)
    decision_table_publish(table_id=first.pk, actor=actor)
    draft = decision_table_new_version(table_id=first.pk, actor=actor)
    decision_row_add(
        table_id=draft.pk, conditions={"segment": "silver"}, outputs={}, actor=actor
    )
    events_before = AuditEvent.objects.count()

    with pytest.raises(DecisionTableInvalid) as caught:
        decision_table_publish(table_id=draft.pk, actor=actor)

    assert caught.value.code == "decision_table_invalid"
    assert caught.value.errors == {
        "row 3": [
            "Output missing: approver.",
        ]
    }
    first.refresh_from_db()
    draft.refresh_from_db()
    assert (first.state, draft.state) == ("published", "draft")
    assert AuditEvent.objects.count() == events_before


def test_decision_table_publish_reports_unreachable_rows(actor):
    table = approval_draft(actor)
    decision_row_add(
        table_id=table.pk,
        conditions={"segment": "silver"},
        outputs={"approver": "x"},
        actor=actor,
    )

    with pytest.raises(DecisionTableInvalid) as caught:
        decision_table_publish(table_id=table.pk, actor=actor)

    assert caught.value.errors == {
        "row 3": [
            "Can never be hit: row 2 matches every input this row matches and comes first."
        ]
    }


@pytest.mark.parametrize("state", ["published", "retired"])
def test_decision_table_publish_refuses_a_version_that_is_not_a_draft(actor, state):
    table = DecisionTableFactory(**{state: True})

    with pytest.raises(InvalidTransition):
        decision_table_publish(table_id=table.pk, actor=actor)


def test_decision_table_retire_leaves_the_key_unpublished(actor):
    table = approval_draft(actor)
    decision_table_publish(table_id=table.pk, actor=actor)

    decision_table_retire(table_id=table.pk, actor=actor, reason="policy withdrawn")

    table.refresh_from_db()
    assert table.state == DecisionTableState.RETIRED
    assert table.retired_at is not None
    event = audit_history(subject=table).last()
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        DecisionAuditAction.TABLE_RETIRED,
        "published",
        "retired",
        "policy withdrawn",
    )


@pytest.mark.parametrize("state", ["draft", "retired"])
def test_decision_table_retire_refuses_a_version_that_is_not_published(actor, state):
    table = DecisionTableFactory(**({state: True} if state != "draft" else {}))

    with pytest.raises(InvalidTransition):
        decision_table_retire(table_id=table.pk, actor=actor)

    table.refresh_from_db()
    assert table.state == state


def test_decision_table_new_version_copies_columns_and_rows_into_a_draft(actor):
    source = approval_draft(actor)
    decision_table_publish(table_id=source.pk, actor=actor)

    copy = decision_table_new_version(table_id=source.pk, actor=actor)

    assert (copy.key, copy.version, copy.state) == ("approval_policy", 2, "draft")
    assert (copy.name, copy.hit_policy) == (source.name, source.hit_policy)

    def cells(table):
        return (
            list(
                DecisionColumn.objects.filter(table=table)
                .order_by("pk")
                .values_list("direction", "code", "data_type", "position")
            ),
            list(
                DecisionRow.objects.filter(table=table)
                .order_by("pk")
                .values_list("position", "priority", "conditions", "outputs")
            ),
        )

    assert cells(copy) == cells(source)
    event = audit_history(subject=copy).get()
    assert event.action == DecisionAuditAction.VERSION_CREATED
    assert event.data["copied_from_version"] == 1


def test_decision_table_new_version_numbers_after_the_highest_version(actor):
    DecisionTableFactory(key="k", version=1, retired=True)
    DecisionTableFactory(key="k", version=2, published=True)
    oldest = DecisionTable.objects.get(key="k", version=1)

    copy = decision_table_new_version(table_id=oldest.pk, actor=actor)

    assert copy.version == 3


def test_decision_table_new_version_refuses_a_second_draft(actor):
    source = DecisionTableFactory(key="k", published=True)
    decision_table_new_version(table_id=source.pk, actor=actor)

    with pytest.raises(DecisionDraftExists, match="already has draft version 2"):
        decision_table_new_version(table_id=source.pk, actor=actor)

    assert DecisionTable.objects.filter(key="k").count() == 2


def test_decision_table_delete_removes_a_draft_with_its_cells(actor):
    table = approval_draft(actor)

    decision_table_delete(table_id=table.pk, actor=actor)

    assert not DecisionTable.objects.exists()
    assert not DecisionRow.objects.exists()
    assert AuditEvent.objects.filter(action=DecisionAuditAction.TABLE_DELETED).exists()


# --- concurrency (PostgreSQL row locks) -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drafts_published_at_once_leave_one_published_version(job_actor):
    # given version 1 published and two valid drafts of the same key
    first = approval_draft(job_actor, key="race_policy")
    decision_table_publish(table_id=first.pk, actor=job_actor)
    drafts = []
    for version in (2, 3):
        draft = DecisionTableFactory(key="race_policy", version=version)
        DecisionColumnFactory(table=draft, code="segment")
        DecisionColumnFactory(table=draft, code="approver", direction="output")
        DecisionRowFactory(table=draft, outputs={"approver": f"v{version}"})
        drafts.append(draft)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(table_id: int) -> None:
        try:
            barrier.wait()
            decision_table_publish(table_id=table_id, actor=job_actor)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            connection.close()

    # when both are published at the same moment
    threads = [threading.Thread(target=publish, args=(d.pk,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then both succeed one after the other and exactly one version is published
    assert errors == []
    states = dict(
        DecisionTable.objects.filter(key="race_policy").values_list("version", "state")
    )
    assert sorted(states.values()) == ["published", "retired", "retired"]
