"""The inventory admin shows items with a read-only state."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.inventory.factories import InventoryItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("root", "root@example.com", "pw-root")
    )
    return client


def test_admin_inventory_item_page_shows_state_read_only(admin_client):
    item = InventoryItemFactory()

    response = admin_client.get(
        reverse("admin:inventory_inventoryitem_change", args=[item.pk])
    )

    assert response.status_code == 200
    assert 'name="state"' not in response.content.decode()
