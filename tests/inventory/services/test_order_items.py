"""An order's inventory items as a set: created pending as a tree, then activated."""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from inventory.audit import AuditAction
from inventory.inputs import ItemInput
from inventory.models import (
    InventoryItem,
    InventoryItemKind,
    InventoryItemState,
    inventory_item_number,
)
from inventory.services import (
    inventory_items_activate,
    inventory_items_create_for_order,
)
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import (
    CycleError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from ordermgmt.models import AuditEvent
from tests.catalog.factories import ProductOfferingFactory, SpecificationFactory
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import AccountFactory

pytestmark = pytest.mark.django_db

S = InventoryItemState
K = InventoryItemKind
ORDER_ID = 4711


@pytest.fixture(autouse=True)
def content_types_cached():
    ContentType.objects.get_for_models(InventoryItem, for_concrete_models=False)


def _product_trees(count: int, *, first_domain_order: int = 1) -> list[ItemInput]:
    """`count` products, each realized by a service that uses a resource."""
    offering = ProductOfferingFactory()
    product_spec, service_spec, resource_spec = SpecificationFactory.create_batch(3)
    inputs = []
    for index in range(count):
        domain_order = first_domain_order + 3 * index
        inputs += [
            ItemInput(
                key=domain_order,
                kind=K.PRODUCT,
                offering_id=offering.pk,
                specification_id=product_spec.pk,
                characteristics={"speed": "100"},
                source_line_id=100 + index,
                source_domain_order_id=domain_order,
            ),
            ItemInput(
                key=domain_order + 1,
                kind=K.SERVICE,
                specification_id=service_spec.pk,
                parent_key=domain_order,
                source_line_id=100 + index,
                source_domain_order_id=domain_order + 1,
            ),
            ItemInput(
                key=domain_order + 2,
                kind=K.RESOURCE,
                specification_id=resource_spec.pk,
                parent_key=domain_order + 1,
                source_line_id=100 + index,
                source_domain_order_id=domain_order + 2,
            ),
        ]
    return inputs


def _create(account, inputs, actor, **kwargs):
    return inventory_items_create_for_order(
        account_id=account.pk,
        order_id=ORDER_ID,
        order_number="ORD0004711",
        items=inputs,
        actor=actor,
        **kwargs,
    )


# --- creation ---


def test_inventory_items_create_for_order_builds_the_tree_pending(actor):
    account = AccountFactory()
    # children listed before their parents: the service orders the levels itself
    inputs = list(reversed(_product_trees(2)))

    items = _create(account, inputs, actor)

    assert [item.source_domain_order_id for item in items] == [
        item_input.source_domain_order_id for item_input in inputs
    ]
    by_domain_order = {item.source_domain_order_id: item for item in items}
    product, service, resource = (by_domain_order[pk] for pk in (1, 2, 3))
    assert (product.kind, service.kind, resource.kind) == (
        K.PRODUCT,
        K.SERVICE,
        K.RESOURCE,
    )
    assert product.parent_id is None
    assert service.parent_id == product.pk
    assert resource.parent_id == service.pk
    for item in InventoryItem.objects.all():
        assert item.state == S.INSTALLATION_PENDING
        assert item.account_id == account.pk
        assert (item.source_order_id, item.order_number) == (ORDER_ID, "ORD0004711")
    assert InventoryItem.objects.get(pk=product.pk).characteristics == {"speed": "100"}
    assert InventoryItem.objects.get(pk=product.pk).source_line_id == 100


def test_inventory_items_create_for_order_numbers_items_from_their_pk(actor):
    items = _create(AccountFactory(), _product_trees(3), actor)

    stored = dict(InventoryItem.objects.values_list("pk", "number"))
    for item in items:
        assert re.fullmatch(r"INV\d{7}", item.number)
        assert item.number == stored[item.pk] == inventory_item_number(pk=item.pk)


def test_inventory_items_create_for_order_audits_each_item_once(actor):
    items = _create(AccountFactory(), _product_trees(2), actor)

    assert AuditEvent.objects.count() == len(items) == 6
    event = audit_history(subject=items[0]).get()
    assert (event.action, event.to_state, event.actor_label) == (
        AuditAction.ITEM_CREATED,
        S.INSTALLATION_PENDING,
        actor.label,
    )
    assert event.data == {"order_id": ORDER_ID, "order_number": "ORD0004711"}


def test_inventory_items_create_for_order_twice_creates_nothing_new(actor):
    account = AccountFactory()
    inputs = _product_trees(2)
    first = _create(account, inputs, actor)

    second = _create(account, inputs, actor)

    assert [item.pk for item in second] == [item.pk for item in first]
    assert [item.number for item in second] == [item.number for item in first]
    assert InventoryItem.objects.count() == 6
    assert AuditEvent.objects.count() == 6


def test_inventory_items_create_for_order_adds_released_items_under_existing_ones(
    actor,
):
    # given the product and its service exist; the resource was held for information
    account = AccountFactory()
    inputs = _product_trees(1)
    product, service = _create(account, inputs[:2], actor)

    # when the whole tree is sent again, then only the resource is new, under the service
    items = _create(account, inputs, actor)

    assert [item.pk for item in items[:2]] == [product.pk, service.pk]
    assert items[2].parent_id == service.pk
    assert InventoryItem.objects.count() == 3
    assert audit_history(subject=items[2]).count() == 1


def test_inventory_items_create_for_order_attaches_to_an_existing_parent_item(actor):
    account = AccountFactory()
    owned = InventoryItemFactory(account=account)

    (item,) = _create(
        account,
        [ItemInput(key="svc", kind=K.SERVICE, parent_item_id=owned.pk)],
        actor,
    )

    assert item.parent_id == owned.pk
    assert item.source_domain_order_id is None


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        pytest.param([ItemInput(key=1), ItemInput(key=1)], "twice", id="duplicate-key"),
        pytest.param([ItemInput(key=1, parent_key=9)], "unknown", id="unknown-parent"),
        pytest.param([ItemInput(key=1, quantity=0)], "quantity", id="quantity-zero"),
        pytest.param([ItemInput(key=1, kind="gadget")], "kind", id="unknown-kind"),
        pytest.param(
            [
                ItemInput(key=1, source_domain_order_id=5),
                ItemInput(key=2, source_domain_order_id=5),
            ],
            "Domain order 5",
            id="duplicate-domain-order",
        ),
        pytest.param(
            [ItemInput(key=1, parent_key=1)], "its own parent", id="own-parent"
        ),
    ],
)
def test_inventory_items_create_for_order_refuses_bad_inputs(actor, inputs, message):
    with pytest.raises(ValidationFailed) as caught:
        _create(AccountFactory(), inputs, actor)

    assert message in " ".join(caught.value.errors["items"])
    assert not InventoryItem.objects.exists()


def test_inventory_items_create_for_order_refuses_a_cycle(actor):
    inputs = [
        ItemInput(key="a", parent_key="c"),
        ItemInput(key="b", parent_key="a"),
        ItemInput(key="c", parent_key="b"),
    ]

    with pytest.raises(CycleError):
        _create(AccountFactory(), inputs, actor)

    assert not InventoryItem.objects.exists()


def test_inventory_items_create_for_order_refuses_an_unknown_account(actor):
    with pytest.raises(NotFound):
        inventory_items_create_for_order(
            account_id=999_999, order_id=1, items=[ItemInput(key=1)], actor=actor
        )

    assert not InventoryItem.objects.exists()


@pytest.mark.parametrize(
    "parent_item_id", [pytest.param("other", id="other-account"), 999_999]
)
def test_inventory_items_create_for_order_refuses_a_foreign_parent_item(
    actor, parent_item_id
):
    if parent_item_id == "other":
        parent_item_id = InventoryItemFactory().pk

    with pytest.raises(ValidationFailed) as caught:
        _create(
            AccountFactory(), [ItemInput(key=1, parent_item_id=parent_item_id)], actor
        )

    assert "parent_item_id" in caught.value.errors
    assert InventoryItem.objects.count() == (1 if parent_item_id != 999_999 else 0)


def test_inventory_items_create_for_order_leaves_nothing_when_the_audit_fails(actor):
    with (
        mock.patch(
            "inventory.services.order_items.audit_record_many",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        _create(AccountFactory(), _product_trees(2), actor)

    assert not InventoryItem.objects.exists()


# savepoint, account exists, existing items of the domain orders, one INSERT per tree
# level (product, service, resource), number UPDATE, audit INSERT, release.
CREATE_QUERIES = 9


@pytest.mark.parametrize("product_count", [1, 20])
def test_inventory_items_create_for_order_runs_fixed_queries(
    actor, product_count, django_assert_num_queries
):
    account = AccountFactory()
    inputs = _product_trees(product_count)

    with django_assert_num_queries(CREATE_QUERIES):
        items = _create(account, inputs, actor)

    assert len(items) == 3 * product_count


# --- activation ---


def test_inventory_items_activate_makes_pending_items_active_with_final_values(actor):
    at = timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 0))
    first, second = InventoryItemFactory.create_batch(
        2, pending=True, characteristics={"speed": "100"}
    )

    result = inventory_items_activate(
        item_ids=[first.pk, second.pk],
        characteristics_by_item={first.pk: {"speed": "1000", "port": "A1"}},
        actor=actor,
        at=at,
    )

    assert [item.pk for item in result] == [first.pk, second.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (S.ACTIVE, S.ACTIVE)
    assert first.characteristics == {"speed": "1000", "port": "A1"}
    assert second.characteristics == {"speed": "100"}
    assert first.activated_at == second.activated_at == first.updated_at == at
    event = audit_history(subject=first).get()
    assert (event.action, event.from_state, event.to_state, event.occurred_at) == (
        AuditAction.ITEM_ACTIVATED,
        S.INSTALLATION_PENDING,
        S.ACTIVE,
        at,
    )


def test_inventory_items_activate_finishes_pending_changes(actor):
    item = InventoryItemFactory(
        change_pending=True,
        change_pending_at=timezone.now(),
        characteristics={"speed": "100"},
    )

    inventory_items_activate(
        item_ids=[item.pk],
        characteristics_by_item={item.pk: {"speed": "1000"}},
        actor=actor,
    )

    item.refresh_from_db()
    assert (item.state, item.characteristics) == (S.ACTIVE, {"speed": "1000"})
    assert item.change_pending_at is None
    event = audit_history(subject=item).get()
    assert (event.action, event.from_state) == (
        AuditAction.ITEM_CHANGE_FINISHED,
        S.CHANGE_PENDING,
    )


def test_inventory_items_activate_twice_changes_nothing_the_second_time(actor):
    item = InventoryItemFactory(pending=True)
    inventory_items_activate(item_ids=[item.pk], actor=actor)
    item.refresh_from_db()
    activated_at = item.activated_at

    inventory_items_activate(
        item_ids=[item.pk],
        characteristics_by_item={item.pk: {"speed": "9"}},
        actor=actor,
    )

    item.refresh_from_db()
    assert item.activated_at == activated_at
    assert item.characteristics == {}
    assert audit_history(subject=item).count() == 1


@pytest.mark.parametrize("source", [S.SUSPENDED, S.INACTIVE])
def test_inventory_items_activate_refuses_the_whole_set_for_other_states(actor, source):
    pending = InventoryItemFactory(pending=True)
    refused = InventoryItemFactory(state=source)

    with pytest.raises(InvalidTransition):
        inventory_items_activate(item_ids=[pending.pk, refused.pk], actor=actor)

    pending.refresh_from_db()
    refused.refresh_from_db()
    assert (pending.state, refused.state) == (S.INSTALLATION_PENDING, source)
    assert not AuditEvent.objects.exists()


def test_inventory_items_activate_refuses_unknown_items(actor):
    item = InventoryItemFactory(pending=True)

    with pytest.raises(NotFound):
        inventory_items_activate(item_ids=[item.pk, 999_999], actor=actor)

    item.refresh_from_db()
    assert item.state == S.INSTALLATION_PENDING


def test_inventory_items_activate_leaves_nothing_when_the_audit_fails(actor):
    item = InventoryItemFactory(pending=True)

    with (
        mock.patch(
            "inventory.services.order_items.audit_record_many",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        inventory_items_activate(item_ids=[item.pk], actor=actor)

    item.refresh_from_db()
    assert (item.state, item.activated_at) == (S.INSTALLATION_PENDING, None)


# savepoint, lock items, UPDATE items, audit of installed, audit of changed, release.
ACTIVATE_QUERIES = 6


@pytest.mark.parametrize("item_count", [1, 20])
def test_inventory_items_activate_runs_fixed_queries(
    actor, item_count, django_assert_num_queries
):
    installed = InventoryItemFactory.create_batch(item_count, pending=True)
    changed = InventoryItemFactory.create_batch(item_count, change_pending=True)
    ids = [item.pk for item in installed + changed]

    with django_assert_num_queries(ACTIVATE_QUERIES):
        inventory_items_activate(
            item_ids=ids,
            characteristics_by_item={pk: {"n": pk} for pk in ids},
            actor=actor,
        )

    assert InventoryItem.objects.filter(state=S.ACTIVE).count() == 2 * item_count
