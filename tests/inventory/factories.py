"""Factories for inventory items; states are set at construction (tests of transitions
go through the services)."""

import factory

from inventory.models import InventoryItem, InventoryItemKind, InventoryItemState
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
