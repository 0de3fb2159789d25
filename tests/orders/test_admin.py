"""The admin shows accounts, orders and items read-mostly: no editable state."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import (
    ContactFactory,
    CustomerOrderFactory,
    CustomerOrderLineFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        User.objects.create_superuser("root", "root@example.com", "pw-root")
    )
    return client


def test_admin_order_page_shows_state_read_only(admin_client):
    line = CustomerOrderLineFactory()

    response = admin_client.get(
        reverse("admin:orders_customerorder_change", args=[line.order_id])
    )

    assert response.status_code == 200
    assert 'name="state"' not in response.content.decode()
    assert line.order.number in response.content.decode()


def test_admin_account_page_lists_contacts(admin_client):
    contact = ContactFactory(name="Ann Example")

    response = admin_client.get(
        reverse("admin:orders_account_change", args=[contact.account_id])
    )

    assert response.status_code == 200
    assert "Ann Example" in response.content.decode()
    assert 'name="state"' not in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:orders_customerorder_changelist",
        "admin:orders_account_changelist",
        "admin:inventory_inventoryitem_changelist",
    ],
)
def test_admin_changelists_render(admin_client, url_name):
    CustomerOrderFactory()
    InventoryItemFactory()

    assert admin_client.get(reverse(url_name)).status_code == 200
