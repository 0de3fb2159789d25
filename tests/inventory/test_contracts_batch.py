"""Contracts for many orders at once: one set-based write whatever the number of orders."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.audit import AuditAction
from inventory.inputs import ContractLineInput, OrderContractInput
from inventory.models import (
    Contract,
    ContractState,
    Entitlement,
    EntitlementState,
    InventoryItemKind,
)
from inventory.selectors import inventory_items_for_orders
from inventory.services import contract_create_for_order, contracts_create_for_orders
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import NotFound, ValidationFailed
from ordermgmt.models import AuditEvent
from tests.catalog.factories import ProductOfferingFactory
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 15)


def _order_input(order_id: int, *, term_months: int | None = 12, **kwargs):
    """One order's contract input: a product (with an offering) and its service."""
    account = AccountFactory()
    product = InventoryItemFactory(
        account=account, offering=ProductOfferingFactory(name=f"Fiber {order_id}")
    )
    service = InventoryItemFactory(
        account=account, kind=InventoryItemKind.SERVICE, parent=product
    )
    return OrderContractInput(
        account_id=account.pk,
        order_id=order_id,
        order_number=f"ORD{order_id:07d}",
        term_months=term_months,
        start_date=START,
        lines=[
            ContractLineInput(
                inventory_item_id=product.pk,
                monthly_value=Decimal(order_id),
                one_time_value=Decimal("10"),
            ),
            ContractLineInput(inventory_item_id=service.pk, monthly_value=Decimal("1")),
        ],
        **kwargs,
    )


def test_contracts_create_for_orders_creates_each_order_s_contract_in_input_order(
    actor,
):
    # given
    inputs = [
        _order_input(30, term_months=24),
        _order_input(10, term_months=None),
        _order_input(20, currency="USD"),
    ]

    # when
    contracts = contracts_create_for_orders(contracts=inputs, actor=actor)

    # then
    assert [c.source_order_id for c in contracts] == [30, 10, 20]
    for contract, spec in zip(contracts, inputs, strict=True):
        contract.refresh_from_db()
        assert contract.number == f"CT{contract.pk + 1000:07d}"
        assert (contract.account_id, contract.order_number) == (
            spec.account_id,
            spec.order_number,
        )
        assert contract.state == ContractState.ACTIVE
        assert contract.monthly_value == Decimal(spec.order_id) + 1
        assert contract.one_time_value == Decimal("10")
        entitlements = list(contract.entitlements.order_by("pk"))
        assert [e.inventory_item_id for e in entitlements] == [
            line.inventory_item_id for line in spec.lines
        ]
        assert entitlements[0].name == f"Fiber {spec.order_id}"
        assert {e.state for e in entitlements} == {EntitlementState.ACTIVE}
    assert [(c.term_months, c.end_date, c.currency) for c in contracts] == [
        (24, datetime.date(2028, 1, 14), "EUR"),
        (None, None, "EUR"),
        (12, datetime.date(2027, 1, 14), "USD"),
    ]


def test_contracts_create_for_orders_audits_each_contract_with_its_order(actor):
    inputs = [_order_input(1), _order_input(2)]

    contracts = contracts_create_for_orders(contracts=inputs, actor=actor)

    for contract, spec in zip(contracts, inputs, strict=True):
        event = audit_history(subject=contract).get()
        assert (event.action, event.to_state) == (
            AuditAction.CONTRACT_CREATED,
            ContractState.ACTIVE,
        )
        assert event.data == {
            "order_id": spec.order_id,
            "order_number": spec.order_number,
            "entitlements": 2,
        }
    granted = AuditEvent.objects.filter(action=AuditAction.ENTITLEMENT_GRANTED)
    assert granted.count() == Entitlement.objects.count() == 4
    assert {event.to_state for event in granted} == {EntitlementState.ACTIVE}


def test_contracts_create_for_orders_returns_an_existing_contract_unchanged(actor):
    # given: order 1 has its contract already
    first = _order_input(1)
    (existing,) = contracts_create_for_orders(contracts=[first], actor=actor)
    events = AuditEvent.objects.count()

    # when: it comes again, with another term, next to a new order
    again = OrderContractInput(**{**first.__dict__, "term_months": 36})
    contracts = contracts_create_for_orders(
        contracts=[again, _order_input(2)], actor=actor
    )

    # then
    assert contracts[0].pk == existing.pk
    assert contracts[0].term_months == 12
    assert contracts[1].source_order_id == 2
    assert Contract.objects.count() == 2
    assert Entitlement.objects.filter(contract=existing).count() == 2
    assert AuditEvent.objects.count() == events + 3


def test_contracts_create_for_orders_refuses_another_account_for_an_existing_order(
    actor,
):
    (existing,) = contracts_create_for_orders(contracts=[_order_input(1)], actor=actor)
    moved = _order_input(1)

    with pytest.raises(ValidationFailed, match="Order 1"):
        contracts_create_for_orders(contracts=[_order_input(2), moved], actor=actor)

    assert list(Contract.objects.all()) == [existing]


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda spec: {"lines": []}, id="no-lines"),
        pytest.param(lambda spec: {"term_months": 0}, id="term-zero"),
        pytest.param(
            lambda spec: {
                "lines": [ContractLineInput(inventory_item_id=999_999)],
            },
            id="missing-item",
        ),
        pytest.param(
            lambda spec: {
                "lines": [
                    ContractLineInput(
                        inventory_item_id=InventoryItemFactory(
                            account_id=spec.account_id, kind=InventoryItemKind.RESOURCE
                        ).pk
                    )
                ],
            },
            id="resource-item",
        ),
        pytest.param(
            lambda spec: {
                "lines": [
                    ContractLineInput(inventory_item_id=InventoryItemFactory().pk)
                ],
            },
            id="other-account-item",
        ),
    ],
)
def test_contracts_create_for_orders_refuses_the_whole_set_for_one_bad_order(
    actor, spoil
):
    # given: the middle order of three is bad
    good = [_order_input(1), _order_input(3)]
    middle = _order_input(2)
    bad = OrderContractInput(**{**middle.__dict__, **spoil(middle)})

    # when
    with pytest.raises(ValidationFailed, match="ORD0000002") as caught:
        contracts_create_for_orders(contracts=[good[0], bad, good[1]], actor=actor)

    # then
    assert caught.value.errors
    assert not Contract.objects.exists()
    assert not Entitlement.objects.exists()
    assert not AuditEvent.objects.exists()


def test_contracts_create_for_orders_refuses_an_order_given_twice(actor):
    spec = _order_input(1)

    with pytest.raises(ValidationFailed) as caught:
        contracts_create_for_orders(contracts=[spec, spec], actor=actor)

    assert "order_id" in caught.value.errors
    assert not Contract.objects.exists()


def test_contracts_create_for_orders_refuses_an_unknown_account(actor):
    unknown = OrderContractInput(**{**_order_input(2).__dict__, "account_id": 999_999})

    with pytest.raises(NotFound):
        contracts_create_for_orders(contracts=[_order_input(1), unknown], actor=actor)

    assert not Contract.objects.exists()


def test_contracts_create_for_orders_of_nothing_writes_nothing(
    actor, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        assert contracts_create_for_orders(contracts=[], actor=actor) == []


def test_contract_create_for_order_is_the_batch_of_one(actor):
    spec = _order_input(5)

    contract = contract_create_for_order(
        account_id=spec.account_id,
        order_id=spec.order_id,
        order_number=spec.order_number,
        term_months=spec.term_months,
        start_date=spec.start_date,
        lines=spec.lines,
        actor=actor,
    )

    assert contracts_create_for_orders(contracts=[spec], actor=actor) == [contract]
    assert Contract.objects.count() == 1


def _queries(inputs, actor) -> int:
    with CaptureQueriesContext(connection) as captured:
        contracts_create_for_orders(contracts=inputs, actor=actor)
    return len(captured.captured_queries)


def test_contracts_create_for_orders_queries_do_not_grow_with_orders(actor):
    # given: content types warm
    contracts_create_for_orders(contracts=[_order_input(100)], actor=actor)
    one = [_order_input(1)]
    five = [_order_input(order_id) for order_id in range(2, 7)]

    # when
    one_queries, five_queries = _queries(one, actor), _queries(five, actor)

    # then
    assert five_queries == one_queries
    assert Contract.objects.count() == 7
    assert Entitlement.objects.count() == 14
    # and returning existing contracts costs no more
    assert _queries(five, actor) <= one_queries


def test_inventory_items_for_orders_returns_the_orders_items_in_one_query(
    django_assert_num_queries,
):
    first = InventoryItemFactory(source_order_id=1)
    second = InventoryItemFactory(source_order_id=2)
    InventoryItemFactory(source_order_id=3)

    with django_assert_num_queries(1):
        items = inventory_items_for_orders(order_ids=[2, 1])

    assert items == [first, second]
