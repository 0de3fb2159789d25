"""Invariants the database holds for inventory items, contracts and entitlements."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from inventory.models import Contract, EntitlementKind
from tests.inventory.factories import (
    ContractFactory,
    EntitlementFactory,
    InventoryItemFactory,
)
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 1)


def test_one_inventory_item_per_domain_order():
    InventoryItemFactory(source_domain_order_id=7)

    with pytest.raises(IntegrityError), transaction.atomic():
        InventoryItemFactory(source_domain_order_id=7)


def test_items_without_a_domain_order_may_be_many():
    InventoryItemFactory.create_batch(2, source_domain_order_id=None)


def test_one_contract_per_order():
    ContractFactory(source_order_id=7)

    with pytest.raises(IntegrityError), transaction.atomic():
        ContractFactory(source_order_id=7)


@pytest.mark.parametrize(
    ("term_months", "end_date"),
    [
        pytest.param(12, None, id="term-without-end"),
        pytest.param(None, START, id="end-without-term"),
        pytest.param(12, START - datetime.timedelta(days=1), id="end-before-start"),
    ],
)
def test_contract_term_and_end_date_go_together(term_months, end_date):
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            account=AccountFactory(),
            source_order_id=1,
            start_date=START,
            term_months=term_months,
            end_date=end_date,
        )


def test_one_entitlement_per_contract_item_and_kind():
    entitlement = EntitlementFactory()
    EntitlementFactory(
        contract=entitlement.contract,
        inventory_item=entitlement.inventory_item,
        kind=EntitlementKind.USAGE,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        EntitlementFactory(
            contract=entitlement.contract, inventory_item=entitlement.inventory_item
        )
