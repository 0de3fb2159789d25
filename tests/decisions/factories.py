"""Factories of decision tables, columns and rows (minimal valid defaults)."""

from __future__ import annotations

import factory
from django.utils import timezone

from decisions.models import (
    DecisionColumn,
    DecisionColumnDirection,
    DecisionDataType,
    DecisionHitPolicy,
    DecisionRow,
    DecisionTable,
    DecisionTablePurpose,
    DecisionTableState,
)
from decisions.services import (
    decision_column_add,
    decision_row_add,
    decision_table_create,
)
from ordermgmt.actor import Actor


class DecisionTableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionTable

    key = factory.Sequence(lambda n: f"policy_{n}")
    name = factory.LazyAttribute(lambda table: table.key.replace("_", " ").title())
    purpose = DecisionTablePurpose.OTHER
    hit_policy = DecisionHitPolicy.FIRST
    version = 1

    class Params:
        published = factory.Trait(
            state=DecisionTableState.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )
        retired = factory.Trait(
            state=DecisionTableState.RETIRED,
            published_at=factory.LazyFunction(timezone.now),
            retired_at=factory.LazyFunction(timezone.now),
        )


class DecisionColumnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionColumn

    table = factory.SubFactory(DecisionTableFactory)
    direction = DecisionColumnDirection.INPUT
    code = factory.Sequence(lambda n: f"column_{n}")
    data_type = DecisionDataType.TEXT
    position = factory.Sequence(lambda n: n)


class DecisionRowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionRow

    table = factory.SubFactory(DecisionTableFactory)
    position = factory.Sequence(lambda n: n + 1)
    conditions = factory.LazyFunction(dict)
    outputs = factory.LazyFunction(dict)


def approval_draft(actor: Actor, key: str = "approval_policy") -> DecisionTable:
    """A valid two-row draft built the way an admin builds it."""
    table = decision_table_create(
        key=key, name="Approval policy", purpose="approval", actor=actor
    )
    decision_column_add(
        table_id=table.pk, direction="input", code="segment", actor=actor
    )
    decision_column_add(
        table_id=table.pk,
        direction="input",
        code="total",
        data_type="decimal",
        actor=actor,
    )
    decision_column_add(
        table_id=table.pk, direction="output", code="approver", actor=actor
    )
    decision_row_add(
        table_id=table.pk,
        conditions={"segment": "gold", "total": "[..1000]"},
        outputs={"approver": "none"},
        actor=actor,
    )
    decision_row_add(table_id=table.pk, outputs={"approver": "manager"}, actor=actor)
    return table
