"""Reads of the order pages: the customer picker, offerings grouped for the picker, an
order's lines as an indented tree with readable characteristics, and enrichment tasks
with what they ask for."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q

from catalog.models import CharacteristicValueType, ProductOffering
from catalog.rules import CharacteristicDefinition
from catalog.selectors import (
    offering_list_published,
    specification_characteristics,
    specification_characteristics_many,
)
from ordermgmt.exceptions import NotFound
from orders.models import (
    Account,
    AccountState,
    CustomerOrder,
    CustomerOrderLine,
    EnrichmentTask,
)
from orders.selectors import User, offerings_by_id, orders_visible_to

ACCOUNT_SEARCH_LIMIT = 8


def account_search(*, query: str, limit: int = ACCOUNT_SEARCH_LIMIT) -> list[Account]:
    """Return active accounts whose name or number contains the text, by name."""
    text = query.strip()
    accounts = Account.objects.filter(state=AccountState.ACTIVE)
    if text:
        accounts = accounts.filter(Q(name__icontains=text) | Q(number__icontains=text))
    return list(accounts.order_by("name", "id")[:limit])


@dataclass(frozen=True)
class OfferingGroup:
    category: str
    offerings: list[ProductOffering]


def offering_groups() -> list[OfferingGroup]:
    """Return the published sellable offerings grouped by category, in catalog order."""
    groups: dict[str, list[ProductOffering]] = {}
    for offering in offering_list_published(sellable_only=True):
        name = offering.category.name if offering.category else "Other"
        groups.setdefault(name, []).append(offering)
    return [OfferingGroup(category=k, offerings=v) for k, v in groups.items()]


def offering_get_sellable(*, offering_id: int) -> ProductOffering:
    """Return one offering an agent may add to an order; raise NotFound otherwise."""
    offering = offerings_by_id(offering_ids=[offering_id]).get(offering_id)
    if offering is None or not offering.is_sellable:
        raise NotFound(f"Offering {offering_id} is not for sale.")
    return offering


def offering_characteristics(
    *, offering: ProductOffering
) -> list[CharacteristicDefinition]:
    """Return the characteristics of an offering's product specification (none without)."""
    if offering.product_specification_id is None:
        return []
    return specification_characteristics(
        specification_id=offering.product_specification_id
    )


def order_get_for_workspace(*, user: User, order_id: int) -> CustomerOrder:
    """Return an order the user may read, with its lines, offerings and people."""
    try:
        return (
            orders_visible_to(user=user)
            .select_related("captured_by", "approved_by", "approval_group")
            .prefetch_related("lines__offering")
            .get(pk=order_id)
        )
    except CustomerOrder.DoesNotExist as exc:
        raise NotFound(f"Order {order_id} does not exist.") from exc


@dataclass(frozen=True)
class LineRow:
    """An order line placed in the bundle tree, with its values ready to read."""

    line: CustomerOrderLine
    depth: int
    characteristics: list[tuple[str, str]]

    @property
    def indent(self) -> str:
        return f"{self.depth * 1.5}rem"


def _value_text(definition: CharacteristicDefinition | None, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Mapping):
        return ", ".join(str(v) for v in value.values() if v not in (None, ""))
    text = str(value)
    if definition is not None and definition.unit:
        return f"{text} {definition.unit}"
    return text


def _readable_characteristics(
    values: Mapping[str, Any], definitions: Sequence[CharacteristicDefinition]
) -> list[tuple[str, str]]:
    by_code = {d.code: d for d in definitions}
    rows = []
    for code, value in values.items():
        definition = by_code.get(code)
        if definition is not None and (
            definition.value_type == CharacteristicValueType.OBJECT
            and isinstance(value, Mapping)
        ):
            for child_label, child_text in _readable_characteristics(
                value, definition.children
            ):
                rows.append((f"{definition.name} · {child_label}", child_text))
            continue
        label = definition.name if definition is not None else code
        rows.append((label, _value_text(definition, value)))
    return rows


def order_line_rows(*, lines: Iterable[CustomerOrderLine]) -> list[LineRow]:
    """Return lines depth-first (bundle children under their parent), values readable.

    Reads the characteristic definitions of every line's specification in one query.
    """
    lines = sorted(lines, key=lambda line: line.line_number)
    definitions = specification_characteristics_many(
        specification_ids={
            line.specification_id for line in lines if line.specification_id
        }
    )
    children: dict[int | None, list[CustomerOrderLine]] = defaultdict(list)
    known = {line.pk for line in lines}
    for line in lines:
        parent = line.parent_line_id if line.parent_line_id in known else None
        children[parent].append(line)
    rows: list[LineRow] = []

    def place(parent_id: int | None, depth: int) -> None:
        for line in children[parent_id]:
            rows.append(
                LineRow(
                    line=line,
                    depth=depth,
                    characteristics=_readable_characteristics(
                        line.characteristics or {},
                        definitions.get(line.specification_id, []),
                    ),
                )
            )
            place(line.pk, depth + 1)

    place(None, 0)
    return rows


def enrichment_task_get_for_user(*, user: User, task_id: int) -> EnrichmentTask:
    """Return a task of one of the user's work groups (any for a superuser)."""
    tasks = EnrichmentTask.objects.select_related(
        "order__account", "line__offering", "work_group", "assignee"
    )
    if not user.is_superuser:
        tasks = tasks.filter(work_group__members=user)
    try:
        return tasks.get(pk=task_id)
    except EnrichmentTask.DoesNotExist as exc:
        raise NotFound(f"Enrichment task {task_id} is not in your queues.") from exc


def enrichment_task_characteristics(
    *, task: EnrichmentTask
) -> list[CharacteristicDefinition]:
    """Return the definitions of the characteristics a task asks for, in task order.

    A code the line's specification does not define is asked for as mandatory text.
    """
    specification_id = task.line.specification_id if task.line else None
    by_code = {
        definition.code: definition
        for definition in (
            specification_characteristics(specification_id=specification_id)
            if specification_id
            else []
        )
    }
    # What a task asks for is required, whatever the specification says.
    return [
        replace(by_code[code], is_mandatory=True)
        if code in by_code
        else CharacteristicDefinition(
            code=code,
            name=code.replace("_", " ").capitalize(),
            value_type=CharacteristicValueType.TEXT,
            is_mandatory=True,
        )
        for code in task.characteristics
    ]
