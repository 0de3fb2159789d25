"""Order capture services: draft, lines, submit, draft cancel."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from catalog.models import LifecycleStatus
from inventory.models import InventoryItemState
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import InvalidTransition, NotFound, ValidationFailed
from ordermgmt.models import AuditEvent
from orders.audit import AuditAction
from orders.exceptions import AccountSuspended, DuplicateExternalId, OrderNotEditable
from orders.models import (
    AccountState,
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    LineAction,
    LineState,
    OrderChannel,
)
from orders.services import (
    order_draft_cancel,
    order_draft_create,
    order_line_add,
    order_line_change,
    order_line_remove,
    order_submit,
)
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import (
    AccountFactory,
    CustomerOrderFactory,
    CustomerOrderLineFactory,
    published_offering,
)

pytestmark = pytest.mark.django_db

NOT_DRAFT = [state for state in CustomerOrderState if state != CustomerOrderState.DRAFT]


@pytest.fixture
def offering():
    return published_offering()


@pytest.fixture
def draft(actor):
    return order_draft_create(account_id=AccountFactory().pk, actor=actor)


def add_line(order, offering, actor, **kwargs):
    kwargs.setdefault("quantity", 1)
    kwargs.setdefault("characteristics", {"speed": "1000"})
    kwargs.setdefault("action", LineAction.ADD)
    return order_line_add(
        order_id=order.pk, offering_id=offering.pk, actor=actor, **kwargs
    )


# --- draft -----------------------------------------------------------------------------


def test_order_draft_create_numbers_the_order_from_its_key(actor):
    account = AccountFactory()

    first = order_draft_create(account_id=account.pk, actor=actor)
    second = order_draft_create(account_id=account.pk, actor=actor)

    assert re.fullmatch(r"ORD\d{7}", first.number)
    assert first.number == f"ORD{first.pk + 1000:07d}"
    assert first.number != second.number
    assert CustomerOrder.objects.filter(number=first.number).count() == 1


def test_order_draft_create_records_captured_by_and_audit_event(actor, agent_user):
    account = AccountFactory(currency="GBP")

    order = order_draft_create(
        account_id=account.pk, actor=actor, channel=OrderChannel.PORTAL
    )

    assert order.state == CustomerOrderState.DRAFT
    assert order.captured_by == agent_user
    assert order.currency == "GBP"
    event = audit_history(subject=order).get()
    assert event.action == AuditAction.ORDER_DRAFT_CREATED
    assert event.to_state == CustomerOrderState.DRAFT
    assert event.actor_user == agent_user


def test_order_draft_create_refuses_a_suspended_account(actor):
    account = AccountFactory(state=AccountState.SUSPENDED)

    with pytest.raises(AccountSuspended):
        order_draft_create(account_id=account.pk, actor=actor)

    assert not CustomerOrder.objects.exists()
    assert not AuditEvent.objects.exists()


def test_order_draft_create_refuses_an_unknown_account(actor):
    with pytest.raises(NotFound):
        order_draft_create(account_id=999_999, actor=actor)


def test_order_draft_create_refuses_a_duplicate_external_id_per_account(actor):
    account = AccountFactory()
    order_draft_create(account_id=account.pk, actor=actor, external_id="EXT-1")

    with pytest.raises(DuplicateExternalId):
        order_draft_create(account_id=account.pk, actor=actor, external_id="EXT-1")

    # another account may reuse it
    order_draft_create(account_id=AccountFactory().pk, actor=actor, external_id="EXT-1")
    assert CustomerOrder.objects.filter(external_id="EXT-1").count() == 2


def test_order_draft_create_refuses_completion_before_start(actor):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as caught:
        order_draft_create(
            account_id=AccountFactory().pk,
            actor=actor,
            requested_start_date=now,
            requested_completion_date=now - timedelta(days=1),
        )
    assert "requested_completion_date" in caught.value.errors


def test_order_draft_create_writes_nothing_when_the_audit_fails(actor):
    account = AccountFactory()

    with (
        mock.patch(
            "orders.services.capture.audit_record", side_effect=RuntimeError("boom")
        ),
        pytest.raises(RuntimeError),
    ):
        order_draft_create(account_id=account.pk, actor=actor)

    assert not CustomerOrder.objects.exists()


# --- lines ------------------------------------------------------------------------------


def test_order_line_add_numbers_lines_and_records_audit_event(draft, offering, actor):
    first = add_line(draft, offering, actor, quantity=2)
    second = add_line(draft, offering, actor)

    assert (first.line_number, second.line_number) == (1, 2)
    assert first.quantity == 2
    assert first.state == LineState.DRAFT
    assert first.specification_id == offering.product_specification_id
    assert first.characteristics == {"speed": "1000"}
    actions = list(audit_history(subject=draft).values_list("action", flat=True))
    assert actions.count(AuditAction.ORDER_LINE_ADDED) == 2


def test_order_line_add_reports_errors_per_characteristic(draft, offering, actor):
    with pytest.raises(ValidationFailed) as caught:
        add_line(
            draft,
            offering,
            actor,
            characteristics={"speed": "10", "static_ip": "maybe", "colour": "red"},
        )

    errors = caught.value.errors
    assert set(errors) == {
        "characteristics.speed",
        "characteristics.static_ip",
        "characteristics.colour",
    }
    assert "one of" in errors["characteristics.speed"][0]
    assert not CustomerOrderLine.objects.exists()


def test_order_line_add_requires_mandatory_characteristics(draft, offering, actor):
    with pytest.raises(ValidationFailed) as caught:
        add_line(draft, offering, actor, characteristics={})

    assert "characteristics.speed" in caught.value.errors


def test_order_line_add_refuses_an_offering_that_is_not_published(draft, actor):
    retired = published_offering(code="OLD", lifecycle_status=LifecycleStatus.RETIRED)

    with pytest.raises(ValidationFailed) as caught:
        add_line(draft, retired, actor)

    assert "offering_id" in caught.value.errors


def test_order_line_add_refuses_an_offering_for_another_segment(draft, actor):
    wholesale_only = published_offering(code="WS", eligible_segments=["wholesale"])

    with pytest.raises(ValidationFailed) as caught:
        add_line(draft, wholesale_only, actor)

    assert "segment" in caught.value.errors["offering_id"][0]


def test_order_line_add_refuses_a_quantity_below_one(draft, offering, actor):
    with pytest.raises(ValidationFailed) as caught:
        add_line(draft, offering, actor, quantity=0)

    assert "quantity" in caught.value.errors


def test_order_line_add_requires_an_offering_for_an_add_line(draft, actor):
    with pytest.raises(ValidationFailed) as caught:
        order_line_add(
            order_id=draft.pk,
            offering_id=None,
            quantity=1,
            characteristics={},
            action=LineAction.ADD,
            actor=actor,
        )

    assert "offering_id" in caught.value.errors


@pytest.mark.parametrize(
    "action",
    [LineAction.CHANGE, LineAction.DELETE, LineAction.SUSPEND, LineAction.RESUME],
)
def test_order_line_add_macd_line_needs_an_inventory_item(
    draft, offering, actor, action
):
    with pytest.raises(ValidationFailed) as caught:
        add_line(draft, offering, actor, action=action, characteristics={})

    assert "inventory_item_id" in caught.value.errors


def test_order_line_add_macd_item_must_belong_to_the_same_account(
    draft, offering, actor
):
    others = InventoryItemFactory(offering=offering)

    with pytest.raises(ValidationFailed) as caught:
        add_line(
            draft,
            offering,
            actor,
            action=LineAction.DELETE,
            characteristics={},
            inventory_item_id=others.pk,
        )

    assert "another account" in caught.value.errors["inventory_item_id"][0]
    assert not CustomerOrderLine.objects.exists()


def test_order_line_add_change_line_takes_the_item_offering_and_merges_values(
    draft, offering, actor
):
    item = InventoryItemFactory(
        account=draft.account,
        offering=offering,
        specification=offering.product_specification,
        characteristics={"speed": "100", "static_ip": False},
    )

    line = order_line_add(
        order_id=draft.pk,
        offering_id=None,
        quantity=1,
        characteristics={"speed": "1000"},
        action=LineAction.CHANGE,
        inventory_item_id=item.pk,
        actor=actor,
    )

    assert line.inventory_item == item
    assert line.offering == offering
    assert line.characteristics == {"speed": "1000", "static_ip": False}


def test_order_line_add_change_line_on_a_retired_owned_offering_is_allowed(
    draft, actor
):
    legacy = published_offering(code="LEGACY", lifecycle_status=LifecycleStatus.RETIRED)
    item = InventoryItemFactory(account=draft.account, offering=legacy)

    line = order_line_add(
        order_id=draft.pk,
        offering_id=None,
        quantity=1,
        characteristics={"speed": "100"},
        action=LineAction.CHANGE,
        inventory_item_id=item.pk,
        actor=actor,
    )

    assert line.offering == legacy


def test_order_line_add_resume_needs_a_suspended_item(draft, offering, actor):
    item = InventoryItemFactory(account=draft.account, offering=offering)

    with pytest.raises(ValidationFailed) as caught:
        add_line(
            draft,
            offering,
            actor,
            action=LineAction.RESUME,
            characteristics={},
            inventory_item_id=item.pk,
        )

    assert "suspended" in caught.value.errors["inventory_item_id"][0]


def test_order_line_add_suspend_line_carries_no_values(draft, offering, actor):
    item = InventoryItemFactory(account=draft.account, offering=offering)

    with pytest.raises(ValidationFailed) as caught:
        add_line(
            draft,
            offering,
            actor,
            action=LineAction.SUSPEND,
            inventory_item_id=item.pk,
        )

    assert "characteristics" in caught.value.errors


def test_order_line_add_add_line_cannot_name_an_item(draft, offering, actor):
    item = InventoryItemFactory(account=draft.account, offering=offering)

    with pytest.raises(ValidationFailed) as caught:
        add_line(draft, offering, actor, inventory_item_id=item.pk)

    assert "inventory_item_id" in caught.value.errors


def test_order_line_add_links_a_bundle_child_to_its_parent(draft, offering, actor):
    parent = add_line(draft, offering, actor)

    child = add_line(draft, offering, actor, parent_line_id=parent.pk)

    assert child.parent_line == parent
    assert list(parent.child_lines.all()) == [child]


def test_order_line_add_refuses_a_parent_of_another_order(draft, offering, actor):
    foreign = CustomerOrderLineFactory()

    with pytest.raises(NotFound):
        add_line(draft, offering, actor, parent_line_id=foreign.pk)


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_order_line_add_only_on_drafts(offering, actor, state):
    order = CustomerOrderFactory(state=state)

    with pytest.raises(OrderNotEditable):
        add_line(order, offering, actor)

    assert not order.lines.exists()


def test_order_line_change_updates_quantity_and_values(draft, offering, actor):
    line = add_line(draft, offering, actor)

    changed = order_line_change(
        order_id=draft.pk,
        line_id=line.pk,
        actor=actor,
        quantity=3,
        characteristics={"speed": "100", "static_ip": True},
    )

    line.refresh_from_db()
    assert changed.quantity == line.quantity == 3
    assert line.characteristics == {"speed": "100", "static_ip": True}
    event = (
        audit_history(subject=draft).filter(action=AuditAction.ORDER_LINE_CHANGED).get()
    )
    assert event.data["before"]["quantity"] == 1
    assert event.data["after"]["quantity"] == 3


def test_order_line_change_refuses_bad_values_and_keeps_the_line(
    draft, offering, actor
):
    line = add_line(draft, offering, actor)

    with pytest.raises(ValidationFailed) as caught:
        order_line_change(
            order_id=draft.pk,
            line_id=line.pk,
            actor=actor,
            characteristics={"speed": "7"},
        )

    assert "characteristics.speed" in caught.value.errors
    line.refresh_from_db()
    assert line.characteristics == {"speed": "1000"}
    assert (
        not audit_history(subject=draft)
        .filter(action=AuditAction.ORDER_LINE_CHANGED)
        .exists()
    )


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_order_line_change_only_on_drafts(actor, state):
    line = CustomerOrderLineFactory(order=CustomerOrderFactory(state=state))

    with pytest.raises(OrderNotEditable):
        order_line_change(
            order_id=line.order_id, line_id=line.pk, actor=actor, quantity=5
        )

    line.refresh_from_db()
    assert line.quantity == 1


def test_order_line_change_refuses_a_line_of_another_order(draft, actor):
    foreign = CustomerOrderLineFactory()

    with pytest.raises(NotFound):
        order_line_change(
            order_id=draft.pk, line_id=foreign.pk, actor=actor, quantity=2
        )


def test_order_line_remove_deletes_the_line_and_its_children(draft, offering, actor):
    parent = add_line(draft, offering, actor)
    add_line(draft, offering, actor, parent_line_id=parent.pk)
    kept = add_line(draft, offering, actor)

    order_line_remove(order_id=draft.pk, line_id=parent.pk, actor=actor)

    assert list(draft.lines.all()) == [kept]
    event = (
        audit_history(subject=draft).filter(action=AuditAction.ORDER_LINE_REMOVED).get()
    )
    assert event.data["line_numbers"] == [1, 2]


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_order_line_remove_only_on_drafts(actor, state):
    line = CustomerOrderLineFactory(order=CustomerOrderFactory(state=state))

    with pytest.raises(OrderNotEditable):
        order_line_remove(order_id=line.order_id, line_id=line.pk, actor=actor)

    assert CustomerOrderLine.objects.filter(pk=line.pk).exists()


def test_order_line_remove_refuses_an_unknown_line(draft, actor):
    with pytest.raises(NotFound):
        order_line_remove(order_id=draft.pk, line_id=999_999, actor=actor)


# --- submit -----------------------------------------------------------------------------


def test_order_submit_moves_order_and_lines_and_audits_each(draft, offering, actor):
    # given no enrichment policy and no approval policy: nothing to enrich, approver decides
    first = add_line(draft, offering, actor)
    second = add_line(draft, offering, actor)

    order = order_submit(order_id=draft.pk, actor=actor)

    assert order.state == CustomerOrderState.NEW
    assert order.submitted_at is not None
    order.refresh_from_db()
    assert order.state == CustomerOrderState.NEW
    for line in (first, second):
        line.refresh_from_db()
        assert line.state == LineState.NEW
        events = audit_history(subject=line)
        assert [(e.action, e.from_state, e.to_state) for e in events] == [
            (AuditAction.LINE_SUBMITTED, LineState.DRAFT, LineState.SUBMITTED),
            (AuditAction.LINE_ENRICHMENT_FINISHED, LineState.SUBMITTED, LineState.NEW),
        ]
    event = (
        audit_history(subject=order).filter(action=AuditAction.ORDER_SUBMITTED).get()
    )
    assert (event.from_state, event.to_state) == ("draft", "submitted")


def test_order_submit_refuses_an_order_without_lines(draft, actor):
    with pytest.raises(ValidationFailed) as caught:
        order_submit(order_id=draft.pk, actor=actor)

    assert "lines" in caught.value.errors
    draft.refresh_from_db()
    assert draft.state == CustomerOrderState.DRAFT


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_order_submit_refuses_every_state_but_draft(actor, state):
    order = CustomerOrderFactory(state=state)
    CustomerOrderLineFactory(order=order)

    with pytest.raises(InvalidTransition):
        order_submit(order_id=order.pk, actor=actor)

    order.refresh_from_db()
    assert order.state == state
    assert not audit_history(subject=order).exists()


def test_order_submit_refuses_when_a_line_is_not_a_draft(draft, offering, actor):
    add_line(draft, offering, actor)
    CustomerOrderLineFactory(order=draft, line_number=9, state=LineState.CANCELED)

    with pytest.raises(InvalidTransition):
        order_submit(order_id=draft.pk, actor=actor)

    draft.refresh_from_db()
    assert draft.state == CustomerOrderState.DRAFT
    assert (
        not audit_history(subject=draft)
        .filter(action=AuditAction.ORDER_SUBMITTED)
        .exists()
    )


def test_order_submit_revalidates_lines_against_the_current_catalog(
    draft, offering, actor
):
    line = add_line(draft, offering, actor)
    item = InventoryItemFactory(account=draft.account, offering=offering)
    macd = add_line(
        draft,
        offering,
        actor,
        action=LineAction.SUSPEND,
        characteristics={},
        inventory_item_id=item.pk,
    )
    # meanwhile the offering is retired and the item got suspended elsewhere
    type(offering).objects.filter(pk=offering.pk).update(
        lifecycle_status=LifecycleStatus.RETIRED
    )
    type(item).objects.filter(pk=item.pk).update(state=InventoryItemState.SUSPENDED)

    with pytest.raises(ValidationFailed) as caught:
        order_submit(order_id=draft.pk, actor=actor)

    assert set(caught.value.errors) == {
        f"lines.{line.line_number}.offering_id",
        f"lines.{macd.line_number}.inventory_item_id",
    }
    draft.refresh_from_db()
    assert draft.state == CustomerOrderState.DRAFT


def test_order_submit_leaves_nothing_behind_when_the_line_audit_fails(
    draft, offering, actor
):
    # given lines whose UPDATE has run when the audit insert after it fails
    add_line(draft, offering, actor)
    add_line(draft, offering, actor)

    with (
        mock.patch(
            "orders.services.audit_buffer.audit_record_batch",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        order_submit(order_id=draft.pk, actor=actor)

    draft.refresh_from_db()
    assert draft.state == CustomerOrderState.DRAFT
    assert set(draft.lines.values_list("state", flat=True)) == {LineState.DRAFT}
    assert (
        not audit_history(subject=draft)
        .filter(action=AuditAction.ORDER_SUBMITTED)
        .exists()
    )


# --- draft cancel -----------------------------------------------------------------------


def test_order_draft_cancel_cancels_order_and_lines(draft, offering, actor):
    line = add_line(draft, offering, actor)

    order = order_draft_cancel(order_id=draft.pk, actor=actor, reason="duplicate")

    assert order.state == CustomerOrderState.CANCELED
    assert order.canceled_at is not None
    assert order.cancellation_reason == "duplicate"
    line.refresh_from_db()
    assert line.state == LineState.CANCELED
    event = (
        audit_history(subject=order)
        .filter(action=AuditAction.ORDER_DRAFT_CANCELED)
        .get()
    )
    assert (event.from_state, event.to_state, event.reason) == (
        "draft",
        "canceled",
        "duplicate",
    )
    assert audit_history(subject=line).get().action == AuditAction.LINE_CANCELED


def test_order_draft_cancel_refuses_when_a_line_is_not_a_draft(draft, actor):
    CustomerOrderLineFactory(order=draft, line_number=1, state=LineState.DRAFT)
    CustomerOrderLineFactory(order=draft, line_number=2, state=LineState.SUBMITTED)

    with pytest.raises(InvalidTransition):
        order_draft_cancel(order_id=draft.pk, actor=actor)

    draft.refresh_from_db()
    assert draft.state == CustomerOrderState.DRAFT
    assert set(draft.lines.values_list("state", flat=True)) == {
        LineState.DRAFT,
        LineState.SUBMITTED,
    }


@pytest.mark.parametrize("state", NOT_DRAFT)
def test_order_draft_cancel_refuses_every_state_but_draft(actor, state):
    order = CustomerOrderFactory(state=state)

    with pytest.raises(InvalidTransition):
        order_draft_cancel(order_id=order.pk, actor=actor)

    order.refresh_from_db()
    assert order.state == state
    assert not audit_history(subject=order).exists()


def test_order_draft_cancel_unknown_order_is_not_found(actor):
    with pytest.raises(NotFound):
        order_draft_cancel(order_id=999_999, actor=actor)


def test_order_line_add_of_a_bundle_adds_its_default_children(draft, actor):
    from tests.orders.policy_tables import bundle_of, simple_offering

    router, tv = simple_offering("ROUTER"), simple_offering("TV")
    bundle = bundle_of("HOME", [(router, 1, 1, 1, True), (tv, 0, 0, 1, False)])

    parent = order_line_add(
        order_id=draft.pk,
        offering_id=bundle.pk,
        quantity=1,
        characteristics={},
        action=LineAction.ADD,
        actor=actor,
    )

    children = list(draft.lines.exclude(pk=parent.pk))
    assert [(c.offering_id, c.parent_line_id, c.line_number) for c in children] == [
        (router.pk, parent.pk, 2)
    ]
    # an explicit TV child is allowed, a second router breaks the bundle at submit
    order_line_add(
        order_id=draft.pk,
        offering_id=tv.pk,
        quantity=1,
        characteristics={},
        action=LineAction.ADD,
        actor=actor,
        parent_line_id=parent.pk,
    )
    order_line_add(
        order_id=draft.pk,
        offering_id=router.pk,
        quantity=1,
        characteristics={},
        action=LineAction.ADD,
        actor=actor,
        parent_line_id=parent.pk,
    )
    with pytest.raises(ValidationFailed) as caught:
        order_submit(order_id=draft.pk, actor=actor)
    assert set(caught.value.errors) == {f"lines.{parent.item_ref}.bundle"}


def test_order_submit_checks_compatibility_across_the_draft_lines(draft, actor):
    from catalog.models import CompatibilityKind
    from tests.orders.policy_tables import compatibility, simple_offering

    internet, voice = simple_offering("NET"), simple_offering("VOICE")
    compatibility(voice, internet, CompatibilityKind.REQUIRES, message="Needs NET.")
    # a draft may be built in any order: voice first is fine until submit
    line = add_line(draft, voice, actor, characteristics={})

    with pytest.raises(ValidationFailed) as caught:
        order_submit(order_id=draft.pk, actor=actor)
    assert caught.value.errors == {f"lines.{line.item_ref}.offering_id": ["Needs NET."]}

    add_line(draft, internet, actor, characteristics={})
    assert order_submit(order_id=draft.pk, actor=actor).submitted_at is not None
