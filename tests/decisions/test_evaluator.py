"""Evaluation by key: only the published version, caching that never serves stale rows."""

from __future__ import annotations

import pytest

from decisions import evaluator
from decisions.evaluator import decision_table_compiled
from decisions.exceptions import DecisionInputMissing, DecisionNotPublished
from decisions.selectors import decision_evaluate, decision_table_evaluate
from decisions.services import (
    decision_row_change,
    decision_table_new_version,
    decision_table_publish,
    decision_table_retire,
)
from tests.decisions.factories import (
    DecisionColumnFactory,
    DecisionRowFactory,
    DecisionTableFactory,
    approval_draft,
)

pytestmark = pytest.mark.django_db

INPUTS = {"segment": "silver", "total": 10}


def test_decision_evaluate_uses_only_the_published_version(job_actor):
    # given version 1 published and a draft version 2 that answers differently
    first = approval_draft(job_actor)
    decision_table_publish(table_id=first.pk, actor=job_actor)
    draft = decision_table_new_version(table_id=first.pk, actor=job_actor)
    row = draft.rows.get(position=2)
    decision_row_change(
        row_id=row.pk, outputs={"approver": "director"}, actor=job_actor
    )

    # then the key answers with version 1 until version 2 is published
    assert decision_evaluate(key="approval_policy", inputs=INPUTS).outputs == {
        "approver": "manager"
    }
    assert decision_table_evaluate(table=draft, inputs=INPUTS).outputs == {
        "approver": "director"
    }
    decision_table_publish(table_id=draft.pk, actor=job_actor)
    assert decision_evaluate(key="approval_policy", inputs=INPUTS).outputs == {
        "approver": "director"
    }


@pytest.mark.parametrize("state", ["draft", "retired"])
def test_decision_evaluate_refuses_a_key_without_published_version(state):
    DecisionTableFactory(
        key="approval_policy", **({state: True} if state != "draft" else {})
    )

    with pytest.raises(DecisionNotPublished) as caught:
        decision_evaluate(key="approval_policy", inputs=INPUTS)

    assert (
        caught.value.message
        == "Decision table approval_policy has no published version."
    )
    assert caught.value.code == "decision_not_published"


def test_decision_evaluate_refuses_an_unknown_key():
    with pytest.raises(DecisionNotPublished):
        decision_evaluate(key="nothing_here", inputs={})


def test_decision_evaluate_stops_after_retire(job_actor):
    table = approval_draft(job_actor)
    decision_table_publish(table_id=table.pk, actor=job_actor)
    assert decision_evaluate(key="approval_policy", inputs=INPUTS).matched

    decision_table_retire(table_id=table.pk, actor=job_actor)

    with pytest.raises(DecisionNotPublished):
        decision_evaluate(key="approval_policy", inputs=INPUTS)


def test_decision_evaluate_names_missing_inputs(job_actor):
    table = approval_draft(job_actor)
    decision_table_publish(table_id=table.pk, actor=job_actor)

    with pytest.raises(DecisionInputMissing, match="needs input total"):
        decision_evaluate(key="approval_policy", inputs={"segment": "gold"})


def test_a_published_version_is_compiled_once(job_actor, monkeypatch):
    table = approval_draft(job_actor)
    decision_table_publish(table_id=table.pk, actor=job_actor)
    compiled = []
    real_compile = evaluator.compile_table
    monkeypatch.setattr(
        evaluator,
        "compile_table",
        lambda spec: compiled.append(spec.label) or real_compile(spec),
    )

    for _ in range(3):
        decision_evaluate(key="approval_policy", inputs=INPUTS)
    table.refresh_from_db()
    decision_table_evaluate(table=table, inputs=INPUTS)

    assert compiled == ["approval_policy v1"]


def test_a_draft_is_compiled_fresh_so_edits_show_at_once(job_actor):
    table = approval_draft(job_actor)
    assert decision_table_evaluate(table=table, inputs=INPUTS).outputs == {
        "approver": "manager"
    }
    row = table.rows.get(position=2)

    decision_row_change(row_id=row.pk, outputs={"approver": "desk"}, actor=job_actor)

    assert decision_table_evaluate(table=table, inputs=INPUTS).outputs == {
        "approver": "desk"
    }


def test_the_published_pointer_is_cached_until_a_publication_commits(
    job_actor,
    monkeypatch,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    # given a long lookup time-to-live, as in production
    monkeypatch.setattr(evaluator, "LOOKUP_TTL_SECONDS", 60.0)
    first = approval_draft(job_actor)
    decision_table_publish(table_id=first.pk, actor=job_actor)
    decision_evaluate(key="approval_policy", inputs=INPUTS)
    with django_assert_num_queries(0):
        decision_evaluate(key="approval_policy", inputs=INPUTS)
    draft = decision_table_new_version(table_id=first.pk, actor=job_actor)
    row = draft.rows.get(position=2)
    decision_row_change(
        row_id=row.pk, outputs={"approver": "director"}, actor=job_actor
    )

    # when version 2 is published and its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        decision_table_publish(table_id=draft.pk, actor=job_actor)

    # then this process answers with version 2 at once
    assert decision_evaluate(key="approval_policy", inputs=INPUTS).outputs == {
        "approver": "director"
    }


def test_a_reused_pk_never_serves_another_tables_rows():
    # a cached compilation is keyed by (pk, updated_at), so a different save is a miss
    table = DecisionTableFactory(published=True)
    DecisionColumnFactory(table=table, code="x")
    DecisionColumnFactory(table=table, code="out", direction="output")
    DecisionRowFactory(table=table, outputs={"out": "old"})
    assert decision_table_evaluate(table=table, inputs={"x": "a"}).outputs == {
        "out": "old"
    }
    table.rows.update(outputs={"out": "new"})
    table.save(update_fields=["updated_at"])

    assert decision_table_compiled(table=table).evaluate({"x": "a"}).outputs == {
        "out": "new"
    }
