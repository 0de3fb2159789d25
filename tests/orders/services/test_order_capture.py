"""order_capture: a whole order in one call — validation, bundles, compatibility, writes."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import CompatibilityKind, LifecycleStatus, Specification
from ordermgmt.exceptions import ValidationFailed
from ordermgmt.models import AuditEvent
from orders.audit import AuditAction
from orders.exceptions import AccountSuspended, DuplicateExternalId
from orders.models import (
    AccountState,
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    EnrichmentTask,
    LineAction,
    LineState,
    OrderChannel,
)
from orders.services import LineInput, order_capture
from tests.inventory.factories import InventoryItemFactory
from tests.orders.factories import AccountFactory, published_offering
from tests.orders.policy_tables import (
    BOOLEAN,
    CHOICE,
    INTEGER,
    TEXT,
    approve_all_but_big_discounts,
    bundle_of,
    compatibility,
    enrichment_policy_publish,
    simple_offering,
    work_group,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def content_types_cached():
    ContentType.objects.get_for_models(
        CustomerOrder, CustomerOrderLine, EnrichmentTask, for_concrete_models=False
    )


@pytest.fixture
def account():
    return AccountFactory()


@pytest.fixture
def fibre():
    return published_offering()  # speed (choice 100 / 1000, mandatory), static_ip


def capture(account, actor, lines, **kwargs):
    kwargs.setdefault("channel", OrderChannel.AGENT)
    kwargs.setdefault("submit", False)
    return order_capture(account_id=account.pk, actor=actor, lines=lines, **kwargs)


def fibre_line(fibre, ref="1", **kwargs):
    kwargs.setdefault("characteristics", {"speed": "1000"})
    return LineInput(ref=ref, offering_id=fibre.pk, **kwargs)


# --- writes ----------------------------------------------------------------------------


def test_order_capture_creates_a_numbered_draft_with_lines_and_audit(
    account, actor, fibre
):
    order = capture(
        account,
        actor,
        [fibre_line(fibre, "a", extra={"x": 1}), fibre_line(fibre, "b", quantity=2)],
        external_id="EXT-1",
        description="two lines",
        extra={"@type": "ProductOrder"},
    )

    order.refresh_from_db()
    assert order.state == CustomerOrderState.DRAFT
    assert order.number.startswith("ORD")
    assert (order.external_id, order.extra) == ("EXT-1", {"@type": "ProductOrder"})
    assert order.captured_by_id == actor.user_id
    lines = list(order.lines.order_by("line_number"))
    assert [(ln.line_number, ln.item_ref, ln.quantity) for ln in lines] == [
        (1, "a", 1),
        (2, "b", 2),
    ]
    assert lines[0].extra == {"x": 1}
    assert lines[0].specification_id == fibre.product_specification_id
    assert AuditEvent.objects.filter(
        action=AuditAction.ORDER_CAPTURED, subject_id=str(order.pk)
    ).exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.LINE_ADDED,
            subject_id__in=[str(line.pk) for line in lines],
        ).count()
        == 2
    )


def test_order_capture_with_submit_runs_enrichment_and_approval(account, actor, fibre):
    approve_all_but_big_discounts()

    order = capture(account, actor, [fibre_line(fibre)], submit=True)

    order.refresh_from_db()
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    assert order.price_frozen_at is not None
    assert set(order.lines.values_list("state", flat=True)) == {LineState.ACKNOWLEDGED}


def test_order_capture_reports_errors_per_line_ref_and_writes_nothing(
    account, actor, fibre
):
    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                fibre_line(fibre, "ok"),
                fibre_line(fibre, "bad", characteristics={"speed": "42"}),
                LineInput(ref="ghost", offering_id=999_999),
                fibre_line(fibre, "zero", quantity=0),
            ],
        )

    errors = caught.value.errors
    assert set(errors) == {
        "lines.bad.characteristics.speed",
        "lines.ghost.offering_id",
        "lines.zero.quantity",
    }
    assert "100, 1000" in errors["lines.bad.characteristics.speed"][0]
    assert not CustomerOrder.objects.exists()
    assert not CustomerOrderLine.objects.exists()


def test_order_capture_refuses_duplicate_and_missing_refs(account, actor, fibre):
    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                fibre_line(fibre, "1"),
                fibre_line(fibre, "1"),
                fibre_line(fibre, "2", parent_ref="nope"),
            ],
        )

    assert {"lines.1.ref", "lines.2.parent_ref"} <= set(caught.value.errors)


def test_order_capture_refuses_an_order_without_lines(account, actor):
    with pytest.raises(ValidationFailed) as caught:
        capture(account, actor, [])

    assert "lines" in caught.value.errors


def test_order_capture_refuses_a_suspended_account(actor, fibre):
    account = AccountFactory(state=AccountState.SUSPENDED)

    with pytest.raises(AccountSuspended):
        capture(account, actor, [fibre_line(fibre)])


def test_order_capture_refuses_a_second_order_with_the_same_external_id(
    account, actor, fibre
):
    capture(account, actor, [fibre_line(fibre)], external_id="PO-7")

    with pytest.raises(DuplicateExternalId):
        capture(account, actor, [fibre_line(fibre)], external_id="PO-7")

    assert CustomerOrder.objects.count() == 1
    # another customer may use the same id
    capture(AccountFactory(), actor, [fibre_line(fibre)], external_id="PO-7")


def test_order_capture_by_api_accepts_items_that_name_no_offering(account, actor):
    order = capture(
        account,
        actor,
        [LineInput(ref="1", action=LineAction.ADD)],
        channel=OrderChannel.API,
    )

    line = order.lines.get()
    assert (line.offering_id, line.item_ref) == (None, "1")


def test_order_capture_by_an_agent_needs_an_offering_on_add_lines(account, actor):
    with pytest.raises(ValidationFailed) as caught:
        capture(account, actor, [LineInput(ref="1")])

    assert "lines.1.offering_id" in caught.value.errors


# --- value types and MACD ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value_type", "bad", "good"),
    [
        (INTEGER, "ten", 10),
        (BOOLEAN, "maybe", True),
        (TEXT, 12, "twelve"),
        ("date", "31/01/2026", "2026-01-31"),
    ],
)
def test_order_capture_checks_value_types(account, actor, value_type, bad, good):
    offering = simple_offering(f"TYPED-{value_type}", value=value_type)

    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                LineInput(
                    ref="1", offering_id=offering.pk, characteristics={"value": bad}
                )
            ],
        )
    assert set(caught.value.errors) == {"lines.1.characteristics.value"}

    capture(
        account,
        actor,
        [LineInput(ref="1", offering_id=offering.pk, characteristics={"value": good})],
    )


def test_order_capture_macd_line_needs_an_item_of_the_account_in_a_fitting_state(
    account, actor, fibre
):
    foreign = InventoryItemFactory(offering=fibre)
    suspended = InventoryItemFactory(account=account, offering=fibre, suspended=True)
    active = InventoryItemFactory(account=account, offering=fibre)

    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                LineInput(
                    ref="f", action=LineAction.SUSPEND, inventory_item_id=foreign.pk
                ),
                LineInput(
                    ref="s", action=LineAction.SUSPEND, inventory_item_id=suspended.pk
                ),
                LineInput(ref="n", action=LineAction.DELETE),
            ],
        )
    assert set(caught.value.errors) == {
        "lines.f.inventory_item_id",
        "lines.s.inventory_item_id",
        "lines.n.inventory_item_id",
    }

    order = capture(
        account,
        actor,
        [LineInput(ref="ok", action=LineAction.SUSPEND, inventory_item_id=active.pk)],
    )
    assert order.lines.get().offering_id == fibre.pk


def test_order_capture_refuses_a_retired_or_expired_offering(account, actor):
    retired = published_offering(code="OLD", lifecycle_status=LifecycleStatus.RETIRED)
    segment = published_offering(code="SEG", eligible_segments=["enterprise"])

    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                LineInput(
                    ref="r", offering_id=retired.pk, characteristics={"speed": "100"}
                ),
                LineInput(
                    ref="s", offering_id=segment.pk, characteristics={"speed": "100"}
                ),
            ],
        )
    assert caught.value.errors["lines.r.offering_id"] == [
        "The offering is not published."
    ]
    assert "segment" in caught.value.errors["lines.s.offering_id"][0]


# --- bundles -----------------------------------------------------------------------------


@pytest.fixture
def home_bundle():
    internet = simple_offering(
        "NET",
        speed={
            "value_type": CHOICE,
            "allowed_values": [100, 300],
            "default_value": 300,
            "is_mandatory": True,
        },
    )
    router = simple_offering("ROUTER")
    voice = simple_offering("VOICE")
    tv = simple_offering("TV")
    bundle = bundle_of(
        "HOME",
        [
            (internet, 1, 1, 1, True),
            (router, 1, 1, 2, True),
            (voice, 0, 1, 1, False),
            (tv, 0, 0, 1, False),
        ],
    )
    return bundle, internet, router, voice, tv


def test_order_capture_expands_a_bundle_into_its_mandatory_and_default_children(
    account, actor, home_bundle
):
    bundle, internet, router, voice, tv = home_bundle

    order = capture(account, actor, [LineInput(ref="home", offering_id=bundle.pk)])

    lines = list(order.lines.order_by("line_number"))
    parent = lines[0]
    assert parent.offering_id == bundle.pk
    children = {line.offering_id: line for line in lines[1:]}
    assert set(children) == {internet.pk, router.pk, voice.pk}  # TV defaults to 0
    assert all(line.parent_line_id == parent.pk for line in lines[1:])
    # the child takes its specification's defaults
    assert children[internet.pk].characteristics == {"speed": 300}
    assert children[internet.pk].item_ref == "home/NET"


def test_order_capture_counts_explicit_children_towards_the_bundle(
    account, actor, home_bundle
):
    bundle, internet, router, voice, tv = home_bundle

    order = capture(
        account,
        actor,
        [
            LineInput(ref="home", offering_id=bundle.pk),
            LineInput(ref="r", offering_id=router.pk, quantity=2, parent_ref="home"),
            LineInput(ref="t", offering_id=tv.pk, parent_ref="home"),
        ],
    )

    by_offering = {line.offering_id: line for line in order.lines.all()}
    assert by_offering[router.pk].quantity == 2
    assert by_offering[router.pk].item_ref == "r"
    assert tv.pk in by_offering
    assert order.lines.filter(offering=router).count() == 1


def test_order_capture_refuses_more_children_than_the_bundle_allows(
    account, actor, home_bundle
):
    bundle, internet, router, voice, tv = home_bundle

    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                LineInput(ref="home", offering_id=bundle.pk),
                LineInput(
                    ref="r", offering_id=router.pk, quantity=3, parent_ref="home"
                ),
            ],
        )

    assert caught.value.errors == {
        "lines.home.bundle": ["The bundle allows at most 2 × Router; it has 3."]
    }


def test_order_capture_refuses_fewer_children_than_the_bundle_needs(account, actor):
    disk = simple_offering("DISK")
    server = bundle_of("SERVER", [(disk, 2, 2, 4, True)])

    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                LineInput(ref="srv", offering_id=server.pk),
                LineInput(ref="d", offering_id=disk.pk, parent_ref="srv"),
            ],
        )

    assert caught.value.errors == {
        "lines.srv.bundle": ["The bundle needs at least 2 × Disk; it has 1."]
    }


def test_order_capture_refuses_a_child_that_is_not_in_the_bundle(
    account, actor, home_bundle, fibre
):
    bundle = home_bundle[0]

    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                LineInput(ref="home", offering_id=bundle.pk),
                fibre_line(fibre, "x", parent_ref="home"),
            ],
        )

    assert "lines.x.offering_id" in caught.value.errors


def test_order_capture_sells_a_bundle_child_that_is_not_sold_alone(account, actor):
    part = simple_offering("PART")
    type(part).objects.filter(pk=part.pk).update(is_sellable=False)
    kit = bundle_of("KIT", [(part, 1, 1, 1, True)])

    order = capture(account, actor, [LineInput(ref="kit", offering_id=kit.pk)])
    assert order.lines.count() == 2

    with pytest.raises(ValidationFailed):
        capture(account, actor, [LineInput(ref="p", offering_id=part.pk)])


# --- compatibility -----------------------------------------------------------------------


@pytest.fixture
def voice_and_internet():
    internet = simple_offering(
        "INTERNET", speed={"value_type": CHOICE, "allowed_values": [100, 1000]}
    )
    voice = simple_offering("PHONE")
    tv = simple_offering("IPTV")
    compatibility(
        voice, internet, CompatibilityKind.REQUIRES, message="Voice needs internet."
    )
    compatibility(
        internet,
        tv,
        CompatibilityKind.EXCLUDES,
        message="TV needs more than 100.",
        condition="speed",
        values=[100],
    )
    return voice, internet, tv


def test_order_capture_refuses_a_line_whose_required_product_is_missing(
    account, actor, voice_and_internet
):
    voice, internet, tv = voice_and_internet

    with pytest.raises(ValidationFailed) as caught:
        capture(account, actor, [LineInput(ref="v", offering_id=voice.pk)])

    assert caught.value.errors == {"lines.v.offering_id": ["Voice needs internet."]}


def test_order_capture_accepts_a_required_product_on_another_line(
    account, actor, voice_and_internet
):
    voice, internet, tv = voice_and_internet

    order = capture(
        account,
        actor,
        [
            LineInput(ref="v", offering_id=voice.pk),
            LineInput(
                ref="i", offering_id=internet.pk, characteristics={"speed": 1000}
            ),
        ],
    )
    assert order.lines.count() == 2


def test_order_capture_accepts_a_required_product_the_customer_owns(
    account, actor, voice_and_internet
):
    voice, internet, tv = voice_and_internet
    InventoryItemFactory(
        account=account, offering=internet, specification=internet.product_specification
    )

    order = capture(account, actor, [LineInput(ref="v", offering_id=voice.pk)])
    assert order.lines.count() == 1


def test_order_capture_applies_an_exclusion_only_for_the_conditioning_value(
    account, actor, voice_and_internet
):
    voice, internet, tv = voice_and_internet

    with pytest.raises(ValidationFailed) as caught:
        capture(
            account,
            actor,
            [
                LineInput(
                    ref="i", offering_id=internet.pk, characteristics={"speed": 100}
                ),
                LineInput(ref="t", offering_id=tv.pk),
            ],
        )
    assert caught.value.errors == {
        "lines.i.characteristics.speed": ["TV needs more than 100."]
    }

    capture(
        account,
        actor,
        [
            LineInput(
                ref="i", offering_id=internet.pk, characteristics={"speed": 1000}
            ),
            LineInput(ref="t", offering_id=tv.pk),
        ],
    )


def test_order_capture_matches_compatibility_rules_by_specification_code(
    account, actor, voice_and_internet
):
    # given a new version of the voice specification (same code) behind a new offering
    voice, internet, tv = voice_and_internet
    old_spec = voice.product_specification
    Specification.objects.filter(pk=old_spec.pk).update(
        lifecycle_status=LifecycleStatus.RETIRED
    )
    new_spec = Specification.objects.create(
        code=old_spec.code,
        version=2,
        name=old_spec.name,
        kind=old_spec.kind,
        lifecycle_status=LifecycleStatus.PUBLISHED,
    )
    voice_v2 = published_offering(code="PHONE-2", specification=new_spec)

    with pytest.raises(ValidationFailed) as caught:
        capture(account, actor, [LineInput(ref="v", offering_id=voice_v2.pk)])

    assert caught.value.errors == {"lines.v.offering_id": ["Voice needs internet."]}


# --- query counts ------------------------------------------------------------------------


def _capture_queries(account, actor, lines, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        order = capture(account, actor, lines, **kwargs)
    return order, [query["sql"] for query in queries.captured_queries]


# Statements of capture + submit with both policies published and a task per line, on
# SQLite (the audit events of 20 lines fit one bulk INSERT; SQLite splits bigger batches
# by its limit of 999 variables, PostgreSQL never does).
CAPTURE_AND_SUBMIT_QUERIES = 18


def test_order_capture_runs_the_same_queries_for_3_and_20_lines(
    actor, fibre, make_user
):
    # given both policies published: every line gets an enrichment task
    group = work_group("provisioning", make_user("fa"))
    enrichment_policy_publish(
        [
            (
                ["-", fibre.product_specification.code, "add"],
                ["", "", group.code, "static_ip"],
            )
        ]
    )
    approve_all_but_big_discounts()
    capture(AccountFactory(), actor, [fibre_line(fibre)], submit=True)  # compile once
    accounts = AccountFactory(), AccountFactory()

    _, few = _capture_queries(
        accounts[0], actor, [fibre_line(fibre, str(n)) for n in range(3)], submit=True
    )
    large, many = _capture_queries(
        accounts[1], actor, [fibre_line(fibre, str(n)) for n in range(20)], submit=True
    )

    assert len(few) == len(many) == CAPTURE_AND_SUBMIT_QUERIES
    assert large.state == CustomerOrderState.ENRICHMENT_IN_PROGRESS
    assert EnrichmentTask.objects.filter(order=large).count() == 20


def test_order_capture_of_200_lines_validates_in_a_bounded_number_of_queries(
    actor, voice_and_internet
):
    voice, internet, tv = voice_and_internet
    offerings = [simple_offering(f"OFF-{n}", size=INTEGER) for n in range(20)]

    def lines(count):
        items = [
            LineInput(
                ref="net", offering_id=internet.pk, characteristics={"speed": 1000}
            )
        ]
        items += [
            LineInput(ref=f"v{n}", offering_id=voice.pk)
            for n in range(max(1, count // 10))
        ]
        items += [
            LineInput(
                ref=f"o{n}",
                offering_id=offerings[n % 20].pk,
                characteristics={"size": n},
            )
            for n in range(count - len(items))
        ]
        return items

    accounts = AccountFactory(), AccountFactory()
    _, few = _capture_queries(accounts[0], actor, lines(3))
    order, many = _capture_queries(accounts[1], actor, lines(200))

    assert order.lines.count() == 200

    # Reads and updates are the same; only SQLite's INSERT batches grow.
    def not_inserts(queries):
        return [q for q in queries if not q.startswith("INSERT")]

    assert len(not_inserts(few)) == len(not_inserts(many))
    assert len(many) - len(not_inserts(many)) <= 15
