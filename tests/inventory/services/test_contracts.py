"""Contracts and entitlements: one contract per order, terms, values, termination."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest

from inventory.audit import AuditAction
from inventory.inputs import ContractLineInput
from inventory.models import (
    Contract,
    ContractState,
    Entitlement,
    EntitlementKind,
    EntitlementState,
    InventoryItemKind,
)
from inventory.services import contract_create_for_order, contract_terminate
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.models import AuditEvent
from tests.catalog.factories import ProductOfferingFactory
from tests.inventory.factories import (
    ContractFactory,
    EntitlementFactory,
    InventoryItemFactory,
)
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 15)


@pytest.fixture
def account():
    return AccountFactory()


@pytest.fixture
def sold(account):
    """A product item (with an offering) and its service item, both of the account."""
    product = InventoryItemFactory(
        account=account,
        offering=ProductOfferingFactory(name="Fiber 1000"),
        characteristics={"speed": "1000"},
        quantity=2,
    )
    service = InventoryItemFactory(
        account=account, kind=InventoryItemKind.SERVICE, parent=product
    )
    return product, service


def _create(account, lines, actor, *, order_id=77, term_months=24, **kwargs):
    return contract_create_for_order(
        account_id=account.pk,
        order_id=order_id,
        order_number="ORD0000077",
        term_months=term_months,
        start_date=START,
        lines=lines,
        actor=actor,
        **kwargs,
    )


def test_contract_create_for_order_grants_an_entitlement_per_item_sold(
    account, sold, actor
):
    product, service = sold

    contract = _create(
        account,
        [
            ContractLineInput(
                inventory_item_id=product.pk,
                monthly_value=Decimal("39.90"),
                one_time_value=Decimal("99"),
            ),
            ContractLineInput(
                inventory_item_id=service.pk,
                kind=EntitlementKind.FEATURE,
                name="Static IP",
                quantity=1,
                characteristics={"ip": "static"},
                monthly_value=Decimal("5"),
            ),
        ],
        actor,
        currency="USD",
    )

    contract.refresh_from_db()
    assert contract.number == f"CT{contract.pk + 1000:07d}"
    assert (contract.account_id, contract.source_order_id, contract.order_number) == (
        account.pk,
        77,
        "ORD0000077",
    )
    assert contract.state == ContractState.ACTIVE
    assert (contract.monthly_value, contract.one_time_value, contract.currency) == (
        Decimal("44.90"),
        Decimal("99"),
        "USD",
    )
    first, second = contract.entitlements.order_by("pk")
    # blank name, quantity and characteristics come from the item
    assert (first.inventory_item_id, first.kind, first.name) == (
        product.pk,
        EntitlementKind.SERVICE,
        "Fiber 1000",
    )
    assert (first.quantity, first.characteristics) == (2, {"speed": "1000"})
    assert (second.kind, second.name, second.quantity) == (
        EntitlementKind.FEATURE,
        "Static IP",
        1,
    )
    assert second.characteristics == {"ip": "static"}
    assert {first.state, second.state} == {EntitlementState.ACTIVE}


def test_contract_create_for_order_sets_the_end_date_from_the_term(
    account, sold, actor
):
    contract = _create(
        account, [ContractLineInput(inventory_item_id=sold[0].pk)], actor
    )

    assert contract.term_months == 24
    assert contract.start_date == START
    assert contract.end_date == datetime.date(2028, 1, 14)


def test_contract_create_for_order_without_a_term_is_open_ended(account, sold, actor):
    contract = _create(
        account,
        [ContractLineInput(inventory_item_id=sold[0].pk)],
        actor,
        term_months=None,
    )

    contract.refresh_from_db()
    assert (contract.term_months, contract.end_date) == (None, None)


def test_contract_create_for_order_audits_contract_and_entitlements(
    account, sold, actor
):
    contract = _create(
        account,
        [ContractLineInput(inventory_item_id=item.pk) for item in sold],
        actor,
    )

    event = audit_history(subject=contract).get()
    assert (event.action, event.to_state, event.data["entitlements"]) == (
        AuditAction.CONTRACT_CREATED,
        ContractState.ACTIVE,
        2,
    )
    for entitlement in contract.entitlements.all():
        granted = audit_history(subject=entitlement).get()
        assert granted.action == AuditAction.ENTITLEMENT_GRANTED


def test_contract_create_for_order_twice_returns_the_first_contract(
    account, sold, actor
):
    lines = [ContractLineInput(inventory_item_id=item.pk) for item in sold]
    first = _create(account, lines, actor)

    second = _create(account, lines, actor, term_months=12)

    assert second.pk == first.pk
    assert second.term_months == 24
    assert Contract.objects.count() == 1
    assert Entitlement.objects.count() == 2
    assert AuditEvent.objects.count() == 3


def test_contract_create_for_order_refuses_another_account_for_the_same_order(
    account, sold, actor
):
    _create(account, [ContractLineInput(inventory_item_id=sold[0].pk)], actor)
    other = AccountFactory()

    with pytest.raises(ValidationFailed):
        _create(
            other,
            [
                ContractLineInput(
                    inventory_item_id=InventoryItemFactory(account=other).pk
                )
            ],
            actor,
        )

    assert Contract.objects.count() == 1


@pytest.mark.parametrize(
    ("make_line", "field"),
    [
        pytest.param(lambda item: None, "lines", id="no-lines"),
        pytest.param(
            lambda item: ContractLineInput(inventory_item_id=item.pk, quantity=0),
            "lines",
            id="quantity-zero",
        ),
        pytest.param(
            lambda item: ContractLineInput(
                inventory_item_id=item.pk, monthly_value=Decimal("-1")
            ),
            "lines",
            id="negative-value",
        ),
        pytest.param(
            lambda item: ContractLineInput(inventory_item_id=item.pk, kind="coupon"),
            "lines",
            id="unknown-kind",
        ),
    ],
)
def test_contract_create_for_order_refuses_bad_lines(
    account, sold, actor, make_line, field
):
    line = make_line(sold[0])

    with pytest.raises(ValidationFailed) as caught:
        _create(account, [] if line is None else [line], actor)

    assert field in caught.value.errors
    assert not Contract.objects.exists()


def test_contract_create_for_order_refuses_a_line_given_twice(account, sold, actor):
    line = ContractLineInput(inventory_item_id=sold[0].pk)

    with pytest.raises(ValidationFailed):
        _create(account, [line, line], actor)

    assert not Contract.objects.exists()


def test_contract_create_for_order_refuses_a_term_below_one_month(account, sold, actor):
    with pytest.raises(ValidationFailed) as caught:
        _create(
            account,
            [ContractLineInput(inventory_item_id=sold[0].pk)],
            actor,
            term_months=0,
        )

    assert "term_months" in caught.value.errors


@pytest.mark.parametrize("problem", ["other-account", "resource", "missing"])
def test_contract_create_for_order_refuses_items_not_sold_to_the_account(
    account, actor, problem
):
    item_id = {
        "other-account": lambda: InventoryItemFactory().pk,
        "resource": lambda: (
            InventoryItemFactory(account=account, kind=InventoryItemKind.RESOURCE).pk
        ),
        "missing": lambda: 999_999,
    }[problem]()

    with pytest.raises(ValidationFailed) as caught:
        _create(account, [ContractLineInput(inventory_item_id=item_id)], actor)

    assert "lines" in caught.value.errors
    assert not Contract.objects.exists()
    assert not Entitlement.objects.exists()


def test_contract_create_for_order_refuses_an_unknown_account(actor):
    with pytest.raises(NotFound):
        contract_create_for_order(
            account_id=999_999,
            order_id=1,
            order_number="",
            term_months=None,
            start_date=START,
            lines=[ContractLineInput(inventory_item_id=1)],
            actor=actor,
        )


def test_contract_create_for_order_leaves_nothing_when_the_audit_fails(
    account, sold, actor
):
    with (
        mock.patch(
            "inventory.services.contracts.audit_record_many",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        _create(account, [ContractLineInput(inventory_item_id=sold[0].pk)], actor)

    assert not Contract.objects.exists()
    assert not Entitlement.objects.exists()


# --- termination ---


def test_contract_terminate_ends_the_contract_and_its_entitlements(actor):
    contract = ContractFactory()
    active = EntitlementFactory(contract=contract)
    suspended = EntitlementFactory(contract=contract, suspended=True)
    ended = EntitlementFactory(contract=contract, terminated=True)

    result = contract_terminate(contract_id=contract.pk, actor=actor, reason="moved")

    contract.refresh_from_db()
    assert result.state == contract.state == ContractState.TERMINATED
    assert contract.terminated_at is not None
    for entitlement in (active, suspended, ended):
        entitlement.refresh_from_db()
        assert entitlement.state == EntitlementState.TERMINATED
    assert active.terminated_at == contract.terminated_at
    event = audit_history(subject=contract).get()
    assert (event.action, event.from_state, event.to_state, event.reason) == (
        AuditAction.CONTRACT_TERMINATED,
        ContractState.ACTIVE,
        ContractState.TERMINATED,
        "moved",
    )
    assert (
        audit_history(subject=suspended).get().from_state == EntitlementState.SUSPENDED
    )
    assert not audit_history(subject=ended).exists()


def test_contract_terminate_refuses_a_terminated_contract(actor):
    contract = ContractFactory(terminated=True)
    entitlement = EntitlementFactory(contract=contract)

    with pytest.raises(InvalidTransition):
        contract_terminate(contract_id=contract.pk, actor=actor)

    entitlement.refresh_from_db()
    assert entitlement.state == EntitlementState.ACTIVE
    assert not AuditEvent.objects.exists()


def test_contract_terminate_of_an_unknown_contract_is_not_found(actor):
    with pytest.raises(NotFound):
        contract_terminate(contract_id=999_999, actor=actor)


def test_contract_terminate_leaves_nothing_when_the_audit_fails(actor):
    entitlement = EntitlementFactory()

    with (
        mock.patch(
            "inventory.services.contracts.audit_record_many",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        contract_terminate(contract_id=entitlement.contract_id, actor=actor)

    entitlement.refresh_from_db()
    entitlement.contract.refresh_from_db()
    assert entitlement.state == EntitlementState.ACTIVE
    assert entitlement.contract.state == ContractState.ACTIVE
