"""The enrichment and approval policies: decision tables read once per call, then
evaluated in memory (no query per line).

`enrichment_plan` and `approval_decision` only decide; the submission services apply
what they return.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from catalog.rules import CharacteristicDefinition
from decisions.selectors import DecisionResult, decision_published_compiled
from orders.models import CustomerOrder, CustomerOrderLine
from orders.rules import characteristic_value_typed, value_is_blank

logger = logging.getLogger(__name__)

ENRICHMENT_POLICY_KEY = "enrichment_policy"
APPROVAL_POLICY_KEY = "approval_policy"
DEFAULT_APPROVAL_GROUP = "approvers"
APPROVAL_APPROVE = "approve"
APPROVAL_QUEUE = "queue"
# The inputs of the enrichment policy that do not come from the line's characteristics.
_ENRICHMENT_LINE_INPUTS = frozenset({"offering", "specification", "action"})


@dataclass(frozen=True)
class PolicyTable:
    """The published version of a policy, compiled: its input columns and its function."""

    key: str
    input_codes: tuple[str, ...]
    evaluate: Callable[[Mapping[str, Any]], DecisionResult]

    def rows(self, inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Evaluate and return the matched rows' outputs as a list (any hit policy)."""
        result = self.evaluate(inputs)
        if not result.matched:
            return []
        if isinstance(result.outputs, list):
            return result.outputs
        return [result.outputs]


def policy_table_load(*, key: str) -> PolicyTable | None:
    """Return the published version of a policy table, or None (one query at most;
    none while the decisions app's pointer to the published version is fresh)."""
    compiled = decision_published_compiled(key=key)
    if compiled is None:
        return None
    return PolicyTable(
        key=key, input_codes=compiled.input_codes, evaluate=compiled.evaluate
    )


# --- enrichment ----------------------------------------------------------------------


@dataclass
class EnrichmentNeed:
    """A manual enrichment task to open: a line's missing characteristics for a group."""

    line: CustomerOrderLine
    group_code: str
    characteristics: list[str] = field(default_factory=list)
    # A row naming only a group asks for a look at the line; one naming characteristics
    # asks only while some of them are missing.
    names_characteristics: bool = False


@dataclass
class EnrichmentPlan:
    """What the policy decided for an order: derived values per line, tasks to open."""

    derived: list[tuple[CustomerOrderLine, dict[str, Any]]] = field(
        default_factory=list
    )
    needs: list[EnrichmentNeed] = field(default_factory=list)


def _codes(text: Any) -> list[str]:
    return [code.strip() for code in str(text or "").split(",") if code.strip()]


def enrichment_plan(
    *,
    policy: PolicyTable,
    lines: Sequence[CustomerOrderLine],
    offering_codes: Mapping[int, str],
    specification_codes: Mapping[int, str],
    definitions: Mapping[int, Sequence[CharacteristicDefinition]],
) -> EnrichmentPlan:
    """Evaluate the enrichment policy per line and set derived values on the lines.

    `offering_codes` / `specification_codes` map ids to codes, `definitions` gives each
    specification's characteristics (derived values are typed by them). A derived value
    never replaces one the line has. Tasks list the codes still missing after that.
    """
    plan = EnrichmentPlan()
    characteristic_inputs = [
        code for code in policy.input_codes if code not in _ENRICHMENT_LINE_INPUTS
    ]
    for line in lines:
        values = dict(line.characteristics or {})
        inputs: dict[str, Any] = {
            "offering": offering_codes.get(line.offering_id or 0, ""),
            "specification": specification_codes.get(line.specification_id or 0, ""),
            "action": line.action,
        }
        for code in characteristic_inputs:
            inputs[code] = values.get(code)
        by_code = {d.code: d for d in definitions.get(line.specification_id or 0, ())}
        needs: dict[str, EnrichmentNeed] = {}
        derived: dict[str, Any] = {}
        for row in policy.rows(inputs):
            code = str(row.get("set_characteristic") or "").strip()
            if code and value_is_blank(values.get(code)):
                value = characteristic_value_typed(
                    definition=by_code.get(code), text=row.get("set_value")
                )
                values[code] = derived[code] = value
            group = str(row.get("task_group") or "").strip()
            if group:
                need = needs.setdefault(
                    group, EnrichmentNeed(line=line, group_code=group)
                )
                asked = _codes(row.get("task_characteristics"))
                need.names_characteristics = need.names_characteristics or bool(asked)
                need.characteristics.extend(
                    c for c in asked if c not in need.characteristics
                )
        if derived:
            line.characteristics = values
            plan.derived.append((line, derived))
        for need in needs.values():
            need.characteristics = [
                c for c in need.characteristics if value_is_blank(values.get(c))
            ]
            if need.characteristics or not need.names_characteristics:
                plan.needs.append(need)
    return plan


# --- approval ------------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalDecision:
    outcome: str
    reason: str
    group_code: str


def approval_decision(
    *, policy: PolicyTable | None, order: CustomerOrder
) -> ApprovalDecision:
    """Decide whether a New order is approved at once or waits for approvers.

    Without a published policy, or when no row matches, the order waits: approving
    is never the silent default.
    """
    if policy is None:
        logger.warning(
            "No %s is published; order %s waits.", APPROVAL_POLICY_KEY, order
        )
        return ApprovalDecision(
            APPROVAL_QUEUE,
            "No approval policy is published; an approver decides.",
            DEFAULT_APPROVAL_GROUP,
        )
    rows = policy.rows(approval_inputs(order=order))
    if not rows:
        return ApprovalDecision(
            APPROVAL_QUEUE,
            "No approval rule matched the order.",
            DEFAULT_APPROVAL_GROUP,
        )
    row = rows[0]
    outcome = str(row.get("outcome") or APPROVAL_QUEUE).strip().lower()
    return ApprovalDecision(
        outcome=APPROVAL_APPROVE if outcome == APPROVAL_APPROVE else APPROVAL_QUEUE,
        reason=str(row.get("reason") or ""),
        group_code=str(row.get("group") or "").strip() or DEFAULT_APPROVAL_GROUP,
    )


def approval_inputs(*, order: CustomerOrder) -> dict[str, Any]:
    """The approval policy's inputs for an order (its account must be loaded)."""
    return {
        "total_contract_value": Decimal(order.total_contract_value),
        "discount_percent": Decimal(order.discount_percent),
        "segment": order.account.segment,
        "channel": order.channel,
        "customer": order.account.number or "",
    }
