"""Factories for inventory items, contracts and entitlements; states are set at
construction (tests of transitions go through the services)."""

import datetime

import factory

from inventory.models import (
    Contract,
    ContractState,
    Entitlement,
    EntitlementState,
    InventoryItem,
    InventoryItemKind,
    InventoryItemState,
)
from tests.orders.factories import AccountFactory


class InventoryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InventoryItem

    number = factory.Sequence(lambda n: f"INV{5000000 + n:07d}")
    kind = InventoryItemKind.PRODUCT
    account = factory.SubFactory(AccountFactory)
    state = InventoryItemState.ACTIVE

    class Params:
        pending = factory.Trait(state=InventoryItemState.INSTALLATION_PENDING)
        suspended = factory.Trait(state=InventoryItemState.SUSPENDED)
        change_pending = factory.Trait(state=InventoryItemState.CHANGE_PENDING)
        inactive = factory.Trait(state=InventoryItemState.INACTIVE)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    number = factory.Sequence(lambda n: f"CT{5000000 + n:07d}")
    account = factory.SubFactory(AccountFactory)
    source_order_id = factory.Sequence(lambda n: 900_000 + n)
    start_date = datetime.date(2026, 1, 1)
    state = ContractState.ACTIVE

    class Params:
        terminated = factory.Trait(state=ContractState.TERMINATED)


class EntitlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entitlement

    contract = factory.SubFactory(ContractFactory)
    inventory_item = factory.SubFactory(
        InventoryItemFactory, account=factory.SelfAttribute("..contract.account")
    )
    name = factory.Sequence(lambda n: f"Entitlement {n}")
    state = EntitlementState.ACTIVE

    class Params:
        suspended = factory.Trait(state=EntitlementState.SUSPENDED)
        terminated = factory.Trait(state=EntitlementState.TERMINATED)
