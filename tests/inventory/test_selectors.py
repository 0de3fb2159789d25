"""Inventory reads: item trees, contracts of an account or item, products for TMF637."""

from __future__ import annotations

import pytest

from inventory.models import InventoryItemKind
from inventory.selectors import (
    contract_for_order,
    contracts_for_account,
    contracts_for_item,
    inventory_item_tree,
    inventory_items_for_order,
    products_for_tmf,
)
from ordermgmt.exceptions import NotFound
from tests.catalog.factories import ProductOfferingFactory, SpecificationFactory
from tests.inventory.factories import (
    ContractFactory,
    EntitlementFactory,
    InventoryItemFactory,
)
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db

K = InventoryItemKind


def _tree(*, services: int, resources_each: int, account=None):
    account = account or AccountFactory()
    product = InventoryItemFactory(account=account, offering=ProductOfferingFactory())
    for _ in range(services):
        service = InventoryItemFactory(account=account, kind=K.SERVICE, parent=product)
        InventoryItemFactory.create_batch(
            resources_each, account=account, kind=K.RESOURCE, parent=service
        )
    return product


def test_inventory_item_tree_returns_the_item_with_everything_beneath_it():
    product = _tree(services=2, resources_each=2)

    root = inventory_item_tree(item_id=product.pk)

    assert root.item == product
    assert [node.item.kind for node in root.children] == [K.SERVICE, K.SERVICE]
    assert [len(node.children) for node in root.children] == [2, 2]
    walked = list(root.walk())
    assert [depth for depth, _item in walked] == [0, 1, 2, 2, 1, 2, 2]
    assert walked[1][1].parent_id == product.pk


@pytest.mark.parametrize("width", [1, 10])
def test_inventory_item_tree_runs_one_query_per_level(width, django_assert_num_queries):
    product = _tree(services=width, resources_each=width)

    # root, services, resources, and the empty level below them
    with django_assert_num_queries(4):
        root = inventory_item_tree(item_id=product.pk)
        assert root.item.offering.name
        assert sum(1 for _ in root.walk()) == 1 + width + width * width


def test_inventory_item_tree_of_an_unknown_item_is_not_found():
    with pytest.raises(NotFound):
        inventory_item_tree(item_id=999_999)


def test_inventory_items_for_order_returns_only_that_orders_items():
    mine = InventoryItemFactory(source_order_id=5)
    InventoryItemFactory(source_order_id=6)

    assert list(inventory_items_for_order(order_id=5)) == [mine]


def test_contracts_for_account_prefetches_entitlements(django_assert_num_queries):
    account = AccountFactory()
    for _ in range(3):
        contract = ContractFactory(account=account)
        EntitlementFactory.create_batch(2, contract=contract)
    ContractFactory()

    with django_assert_num_queries(2):
        contracts = list(contracts_for_account(account_id=account.pk))
        numbers = [
            entitlement.inventory_item.number
            for contract in contracts
            for entitlement in contract.entitlements.all()
        ]

    assert len(contracts) == 3
    assert len(numbers) == 6


def test_contracts_for_item_and_for_order():
    entitlement = EntitlementFactory()
    EntitlementFactory()

    assert list(contracts_for_item(item_id=entitlement.inventory_item_id)) == [
        entitlement.contract
    ]
    assert (
        contract_for_order(order_id=entitlement.contract.source_order_id)
        == entitlement.contract
    )
    assert contract_for_order(order_id=123_456_789) is None


def test_products_for_tmf_lists_products_of_the_given_accounts_only():
    mine = _tree(services=1, resources_each=1)
    other = _tree(services=1, resources_each=1)

    assert list(products_for_tmf(user_account_ids=[mine.account_id])) == [mine]
    assert list(products_for_tmf(user_account_ids=[])) == []
    assert list(products_for_tmf(user_account_ids=None)) == [mine, other]


@pytest.mark.parametrize("count", [1, 10])
def test_products_for_tmf_reads_a_page_in_fixed_queries(
    count, django_assert_num_queries
):
    account = AccountFactory()
    specification = SpecificationFactory()
    for _ in range(count):
        product = _tree(services=1, resources_each=0, account=account)
        product.specification = specification
        product.save()
        EntitlementFactory(
            contract=ContractFactory(account=account), inventory_item=product
        )

    # products (joined), service children, entitlements with their contract
    with django_assert_num_queries(3):
        products = list(products_for_tmf(user_account_ids=[account.pk]))
        seen = [
            (
                product.offering.name,
                product.specification.name,
                product.account.number,
                [child.number for child in product.children.all()],
                [e.contract.number for e in product.entitlements.all()],
            )
            for product in products
        ]

    assert len(seen) == count
    assert all(len(children) == 1 for _o, _s, _a, children, _c in seen)
