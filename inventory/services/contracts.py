"""Writes on contracts and entitlements: create one contract per order (for many orders
at once), terminate it.

Lifecycle: a contract is active from its creation until it is terminated; its
entitlements are active, suspended (following their item) or terminated. Orchestration
creates the contract when an order completes, with one entitlement per product and
service item sold; values and the term are passed in, as inventory never imports orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django_fsm import can_proceed

from inventory.audit import AuditAction
from inventory.inputs import ContractLineInput, OrderContractInput
from inventory.models import (
    Contract,
    ContractState,
    Entitlement,
    EntitlementKind,
    EntitlementState,
    InventoryItem,
    InventoryItemKind,
    contract_number,
)
from inventory.rules import contract_end_date
from inventory.selectors import account_ids_existing, contract_get_for_update
from ordermgmt.actor import Actor
from ordermgmt.audit import (
    AuditEntry,
    audit_record,
    audit_record_batch,
    audit_record_many,
)
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.locking import lock_many
from ordermgmt.transactions import service_atomic
from ordermgmt.writes import rows_save_transitioned

# Resources (ports, devices) serve what was sold; they are not themselves entitlements.
_ENTITLED_KINDS = frozenset({InventoryItemKind.PRODUCT, InventoryItemKind.SERVICE})


def _line_errors(
    *, lines: Sequence[ContractLineInput], term_months: int | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = ["A contract needs at least one product or service sold."]
    if term_months is not None and term_months < 1:
        errors["term_months"] = ["Must be at least one month."]
    seen: set[tuple[int, str]] = set()
    for line in lines:
        problems = []
        if (line.inventory_item_id, line.kind) in seen:
            problems.append("is given twice for the same kind.")
        seen.add((line.inventory_item_id, line.kind))
        if line.kind not in EntitlementKind.values:
            problems.append(f"has an unknown kind {line.kind!r}.")
        if line.quantity is not None and line.quantity < 1:
            problems.append("needs a quantity of at least 1.")
        if line.monthly_value < 0 or line.one_time_value < 0:
            problems.append("has a negative value.")
        for problem in problems:
            errors.setdefault("lines", []).append(
                f"Item {line.inventory_item_id} {problem}"
            )
    return errors


def _order_label(spec: OrderContractInput) -> str:
    return spec.order_number or f"#{spec.order_id}"


def _inputs_check(*, contracts: Sequence[OrderContractInput]) -> None:
    seen: set[int] = set()
    for spec in contracts:
        errors = _line_errors(lines=spec.lines, term_months=spec.term_months)
        if spec.order_id in seen:
            errors["order_id"] = ["Is given twice."]
        seen.add(spec.order_id)
        if errors:
            raise ValidationFailed(
                f"The contract of order {_order_label(spec)} cannot be created.",
                errors=errors,
            )


def _contracts_existing(
    *, contracts: Sequence[OrderContractInput]
) -> dict[int, Contract]:
    existing = {
        contract.source_order_id: contract
        for contract in Contract.objects.filter(
            source_order_id__in=[spec.order_id for spec in contracts]
        )
    }
    for spec in contracts:
        contract = existing.get(spec.order_id)
        if contract is not None and contract.account_id != spec.account_id:
            raise ValidationFailed(
                f"Order {spec.order_id} has a contract of another account.",
                errors={"account_id": ["Differs from the order's contract."]},
            )
    return existing


def _accounts_check(*, contracts: Sequence[OrderContractInput]) -> None:
    wanted = {spec.account_id for spec in contracts}
    missing = wanted - account_ids_existing(account_ids=wanted)
    if missing:
        raise NotFound(f"Account {min(missing)} does not exist.")


def _sold_items(*, contracts: Sequence[OrderContractInput]) -> dict[int, InventoryItem]:
    items = InventoryItem.objects.select_related("offering", "specification").in_bulk(
        {line.inventory_item_id for spec in contracts for line in spec.lines}
    )
    for spec in contracts:
        errors = []
        for line in spec.lines:
            item = items.get(line.inventory_item_id)
            if item is None:
                errors.append(
                    f"Inventory item {line.inventory_item_id} does not exist."
                )
            elif item.account_id != spec.account_id:
                errors.append(f"Item {item.number} belongs to another account.")
            elif item.kind not in _ENTITLED_KINDS:
                errors.append(
                    f"Item {item.number} is a {item.kind}, not sold on its own."
                )
        if errors:
            raise ValidationFailed(
                f"The contract of order {_order_label(spec)} cannot be created.",
                errors={"lines": errors},
            )
    return items


def _item_name(item: InventoryItem) -> str:
    if item.offering is not None:
        return item.offering.name
    if item.specification is not None:
        return item.specification.name
    return str(item)


def _entitlement(
    *, contract: Contract, line: ContractLineInput, item: InventoryItem
) -> Entitlement:
    characteristics = (
        item.characteristics if line.characteristics is None else line.characteristics
    )
    return Entitlement(
        contract=contract,
        inventory_item=item,
        kind=line.kind,
        name=line.name or _item_name(item),
        quantity=item.quantity if line.quantity is None else line.quantity,
        characteristics=dict(characteristics),
        monthly_value=line.monthly_value,
        one_time_value=line.one_time_value,
    )


def _contract(spec: OrderContractInput) -> Contract:
    return Contract(
        account_id=spec.account_id,
        source_order_id=spec.order_id,
        order_number=spec.order_number,
        start_date=spec.start_date,
        end_date=contract_end_date(
            start_date=spec.start_date, term_months=spec.term_months
        ),
        term_months=spec.term_months,
        currency=spec.currency,
        monthly_value=sum((line.monthly_value for line in spec.lines), Decimal("0")),
        one_time_value=sum((line.one_time_value for line in spec.lines), Decimal("0")),
    )


def _contracts_insert(
    *, contracts: Sequence[OrderContractInput], actor: Actor
) -> list[Contract]:
    _accounts_check(contracts=contracts)
    items = _sold_items(contracts=contracts)
    created = Contract.objects.bulk_create([_contract(spec) for spec in contracts])
    for contract in created:
        contract.number = contract_number(pk=contract.pk)
    Contract.objects.bulk_update(created, ["number"])
    entitlements = Entitlement.objects.bulk_create(
        [
            _entitlement(
                contract=contract, line=line, item=items[line.inventory_item_id]
            )
            for spec, contract in zip(contracts, created, strict=True)
            for line in spec.lines
        ]
    )
    # The contract events carry what differs per order, so they go in one batch of
    # their own; an entitlement's contract is on its row, so theirs share no data.
    audit_record_batch(
        events=[
            AuditEntry(
                subject=contract,
                action=AuditAction.CONTRACT_CREATED,
                actor=actor,
                to_state=contract.state,
                data={
                    "order_id": spec.order_id,
                    "order_number": spec.order_number,
                    "entitlements": len(spec.lines),
                },
            )
            for spec, contract in zip(contracts, created, strict=True)
        ]
    )
    audit_record_many(
        subjects=entitlements,
        action=AuditAction.ENTITLEMENT_GRANTED,
        actor=actor,
        to_state=EntitlementState.ACTIVE,
    )
    return created


def contracts_create_for_orders(
    *, contracts: Sequence[OrderContractInput], actor: Actor
) -> list[Contract]:
    """Record the contracts many orders' accounts agreed to, with what each entitles.

    Returns one contract per input, in the input's order. An order that has a contract
    already gets it back unchanged. Every input is checked before anything is written,
    and one bad input refuses the whole set. The statement count does not grow with the
    number of orders.
    """
    _inputs_check(contracts=contracts)
    with service_atomic():
        existing = _contracts_existing(contracts=contracts)
        new = [spec for spec in contracts if spec.order_id not in existing]
        if new:
            created = _contracts_insert(contracts=new, actor=actor)
            existing.update(
                (spec.order_id, contract)
                for spec, contract in zip(new, created, strict=True)
            )
    return [existing[spec.order_id] for spec in contracts]


def contract_create_for_order(
    *,
    account_id: int,
    order_id: int,
    order_number: str,
    term_months: int | None,
    start_date: date,
    lines: Sequence[ContractLineInput],
    actor: Actor,
    currency: str = "EUR",
) -> Contract:
    """Record the contract an order's account agreed to, with what it is entitled to.

    One contract per order: if the order has one already, it is returned unchanged.
    `term_months` (None: open-ended) sets the end date, the last day of the term. The
    contract's values are the sums of its lines'.
    """
    (contract,) = contracts_create_for_orders(
        contracts=[
            OrderContractInput(
                account_id=account_id,
                order_id=order_id,
                order_number=order_number,
                term_months=term_months,
                start_date=start_date,
                lines=lines,
                currency=currency,
            )
        ],
        actor=actor,
    )
    return contract


def contract_terminate(
    *, contract_id: int, actor: Actor, reason: str = "", at: datetime | None = None
) -> Contract:
    """End a contract and every entitlement it still grants.

    Locks the contract, then its entitlements in ascending pk order.
    """
    at = at or timezone.now()
    with service_atomic():
        contract = contract_get_for_update(contract_id=contract_id)
        if not can_proceed(contract.terminate):
            raise InvalidTransition(subject=contract, transition="terminate")
        contract.terminate(at=at)
        contract.save(update_fields=["state", "terminated_at", "updated_at"])
        entitlements = lock_many(
            contract.entitlements.exclude(state=EntitlementState.TERMINATED)
        )
        from_states = [entitlement.state for entitlement in entitlements]
        for entitlement in entitlements:
            entitlement.terminate(at=at)
        rows_save_transitioned(
            rows=entitlements,
            from_states=from_states,
            fields=["state", "terminated_at"],
            at=at,
        )
        audit_record(
            subject=contract,
            action=AuditAction.CONTRACT_TERMINATED,
            actor=actor,
            from_state=ContractState.ACTIVE,
            to_state=contract.state,
            reason=reason,
            at=at,
        )
        audit_record_many(
            subjects=entitlements,
            action=AuditAction.ENTITLEMENT_TERMINATED,
            actor=actor,
            from_states=from_states,
            to_state=EntitlementState.TERMINATED,
            reason=reason,
            at=at,
        )
    return contract
