"""Publish small enrichment / approval policy tables and catalog rules for order tests."""

from __future__ import annotations

from typing import Any

from catalog.models import (
    CharacteristicValueType,
    CompatibilityRule,
    OfferingRelationship,
    ProductOffering,
)
from fixtures.demo.decisions import Table, decision_table_build
from ordermgmt.actor import Actor
from ordermgmt.models import WorkGroup
from tests.orders.factories import (
    published_offering,
    specification_with_characteristics,
)

ADMIN = Actor.job("test_policies")

ENRICHMENT_OUTPUTS = [
    ("set_characteristic", "text"),
    ("set_value", "text"),
    ("task_group", "text"),
    ("task_characteristics", "text"),
]


def enrichment_policy_publish(
    rows: list[tuple[list[str], list[str]]],
    *,
    extra_inputs: list[tuple[str, str]] | None = None,
) -> None:
    """Publish `enrichment_policy` (collect) on offering, specification, action (+ extra)."""
    decision_table_build(
        table=Table(
            "enrichment_policy",
            "Enrichment",
            "enrichment",
            "collect",
            [
                ("offering", "text"),
                ("specification", "text"),
                ("action", "text"),
                *(extra_inputs or []),
            ],
            ENRICHMENT_OUTPUTS,
            rows,
        ),
        actor=ADMIN,
    )


def approval_policy_publish(rows: list[tuple[list[str], list[str]]]) -> None:
    """Publish `approval_policy` (first) with the contract's inputs and outputs."""
    decision_table_build(
        table=Table(
            "approval_policy",
            "Approval",
            "approval",
            "first",
            [
                ("total_contract_value", "decimal"),
                ("discount_percent", "decimal"),
                ("segment", "text"),
                ("channel", "text"),
                ("customer", "text"),
            ],
            [("outcome", "text"), ("reason", "text"), ("group", "text")],
            rows,
        ),
        actor=ADMIN,
    )


def approve_all_but_big_discounts() -> None:
    approval_policy_publish(
        [
            (
                ["-", "> 20", "-", "-", "-"],
                ["queue", "Discount above 20 %", "approvers"],
            ),
            (["-", "-", "-", "-", "-"], ["approve", "Within policy", ""]),
        ]
    )


def work_group(code: str, *members: Any) -> WorkGroup:
    group = WorkGroup.objects.create(code=code, name=code.replace("_", " ").title())
    group.members.add(*members)
    return group


def simple_offering(code: str, **chars: Any) -> ProductOffering:
    """A published offering whose spec (code `<code>-SPEC`) has the given characteristics.

    `chars` maps code → value type, or → a dict of CharacteristicSpec fields.
    """
    characteristics = []
    for char_code, definition in chars.items():
        fields = (
            {"value_type": definition} if isinstance(definition, str) else definition
        )
        characteristics.append({"code": char_code, **fields})
    spec = specification_with_characteristics(
        code=f"{code}-SPEC", characteristics=characteristics
    )
    return published_offering(code=code, specification=spec)


def bundle_of(
    code: str, children: list[tuple[ProductOffering, int, int, int, bool]]
) -> ProductOffering:
    """A published bundle offering with (child, min, default, max, mandatory) children."""
    bundle = simple_offering(code)
    ProductOffering.objects.filter(pk=bundle.pk).update(is_bundle=True)
    bundle.refresh_from_db()
    for position, (child, minimum, default, maximum, mandatory) in enumerate(children):
        OfferingRelationship.objects.create(
            parent=bundle,
            child=child,
            min_quantity=minimum,
            default_quantity=default,
            max_quantity=maximum,
            is_mandatory=mandatory,
            position=position,
        )
    return bundle


def compatibility(
    source: ProductOffering,
    target: ProductOffering,
    kind: str,
    *,
    message: str = "",
    condition: str = "",
    values: list[Any] | None = None,
) -> CompatibilityRule:
    return CompatibilityRule.objects.create(
        source=source.product_specification,
        target=target.product_specification,
        kind=kind,
        message=message,
        condition_characteristic=condition,
        condition_values=values or [],
    )


CHOICE = CharacteristicValueType.CHOICE
TEXT = CharacteristicValueType.TEXT
BOOLEAN = CharacteristicValueType.BOOLEAN
INTEGER = CharacteristicValueType.INTEGER
