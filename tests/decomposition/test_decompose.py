"""order_decompose on the demo catalog: fan-out, quantities, mapping, exclusion rules,
horizontal requires, idempotency, audit and a query count that ignores the line count."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import AttributeMappingKind, AttributeMappingRule, Specification
from decomposition.audit import AuditAction
from decomposition.exceptions import LineNotDecomposable, OrderNotDecomposable
from decomposition.models import (
    DomainOrder,
    DomainOrderDependency,
    DomainOrderKind,
    DomainOrderState,
)
from decomposition.selectors import (
    decomposition_cache_clear,
    domain_order_dependencies_for_order,
)
from decomposition.services import order_decompose
from fixtures.demo.decisions import Table, decision_table_build
from ordermgmt.actor import Actor
from ordermgmt.models import AuditEvent
from orders.models import (
    Account,
    CustomerOrder,
    CustomerOrderState,
    EnrichmentTaskState,
    OrderChannel,
)
from orders.services import (
    LineInput,
    enrichment_task_claim,
    enrichment_task_complete,
    order_capture,
)
from tests.decomposition.factories import (
    ADDRESS,
    INTERNET,
    acknowledged_order,
    bundle_order,
    line_add,
    offering,
)
from tests.orders.factories import AccountFactory

ACTOR = Actor.job("decomposition-test")
_K = DomainOrderKind


def _kinds(domain_orders: list[DomainOrder]) -> Counter[str]:
    return Counter(d.kind for d in domain_orders)


def _codes(domain_orders: list[DomainOrder]) -> Counter[str]:
    return Counter(d.specification.code for d in domain_orders)


def _by_code(domain_orders: list[DomainOrder], code: str) -> list[DomainOrder]:
    return [d for d in domain_orders if d.specification.code == code]


def _captured_bundle_order() -> CustomerOrder:
    """A demo Fiber Home Bundle order captured, enriched and approved via the services."""
    users = {user.username: user for user in User.objects.all()}
    account = Account.objects.get(name="Jane Doe")
    order = order_capture(
        account_id=account.pk,
        actor=Actor.for_user(users["agent"]),
        channel=OrderChannel.AGENT,
        lines=[
            LineInput(ref="1", offering_id=offering("OFF_FIBER_HOME_BUNDLE").pk),
        ],
    )
    fulfiller = Actor.for_user(users["fulfillment_agent"])
    for task in order.enrichment_tasks.filter(state=EnrichmentTaskState.OPEN):
        enrichment_task_claim(task_id=task.pk, actor=fulfiller)
        values = {
            code: ADDRESS if code == "installation_address" else f"AL-{task.pk:05d}"
            for code in task.characteristics
        }
        enrichment_task_complete(
            task_id=task.pk, characteristics=values, actor=fulfiller
        )
    order.refresh_from_db()
    assert order.state == CustomerOrderState.ACKNOWLEDGED
    return order


# --- fan-out ----------------------------------------------------------------------


def test_demo_bundle_order_fans_out_into_product_service_and_resource_orders(demo):
    # given a demo bundle order captured and approved through the services
    order = _captured_bundle_order()

    # when
    created = order_decompose(order_id=order.pk, actor=ACTOR)

    # then: bundle, internet, voice, router products; 6 services; 5 resources
    assert _kinds(created) == {_K.PRODUCT: 4, _K.SERVICE: 6, _K.RESOURCE: 5}
    assert _codes(created) == {
        "PS_FIBER_HOME_BUNDLE": 1,
        "PS_FIBER_INTERNET": 1,
        "PS_HOME_VOICE": 1,
        "PS_WIFI_ROUTER": 1,
        "CFS_INTERNET": 1,
        "RFS_ACCESS_LINE": 1,
        "RFS_IP_CONNECTIVITY": 1,
        "CFS_VOICE": 1,
        "RFS_VOICE_LINE": 1,
        "CFS_MANAGED_CPE": 1,
        "RES_ONT": 1,
        "RES_ACCESS_PORT": 1,
        "RES_IP_ADDRESS": 1,
        "RES_PHONE_NUMBER": 1,
        "RES_ROUTER": 1,
    }
    assert all(d.state == DomainOrderState.QUALIFIED for d in created)
    assert DomainOrder.objects.filter(order=order).count() == 15


def test_domain_orders_link_to_their_line_and_parent(demo):
    order = bundle_order()

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    by_id = {d.pk: d for d in created}
    (bundle,) = _by_code(created, "PS_FIBER_HOME_BUNDLE")
    assert bundle.parent_id is None
    for code in ("PS_FIBER_INTERNET", "PS_HOME_VOICE", "PS_WIFI_ROUTER"):
        (product,) = _by_code(created, code)
        assert product.parent_id == bundle.pk
        assert product.line.offering.product_specification.code == code
        assert product.relationship_type == "bundles"
    (ont,) = _by_code(created, "RES_ONT")
    access_line = by_id[ont.parent_id]
    assert access_line.specification.code == "RFS_ACCESS_LINE"
    assert by_id[access_line.parent_id].specification.code == "CFS_INTERNET"
    assert ont.line_id == by_id[by_id[access_line.parent_id].parent_id].line_id
    assert ont.path == "1/CFS_INTERNET.1/RFS_ACCESS_LINE.1/RES_ONT.1"


def test_domain_orders_are_numbered_by_kind_from_their_primary_key(demo):
    order = bundle_order()

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    prefixes = {_K.PRODUCT: "PO", _K.SERVICE: "SO", _K.RESOURCE: "RO"}
    stored = dict(DomainOrder.objects.values_list("pk", "number"))
    for domain_order in created:
        expected = f"{prefixes[domain_order.kind]}{domain_order.pk + 1000:07d}"
        assert domain_order.number == expected
        assert stored[domain_order.pk] == expected


def test_voice_waits_for_the_internet_of_its_own_bundle(demo):
    order = bundle_order(bundles=2)

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    dependencies = domain_order_dependencies_for_order(order_id=order.pk)
    by_id = {d.pk: d for d in created}
    assert len(dependencies) == 2
    for dependency in dependencies:
        voice = by_id[dependency.domain_order_id]
        internet = by_id[dependency.depends_on_id]
        assert voice.specification.code == "PS_HOME_VOICE"
        assert internet.specification.code == "PS_FIBER_INTERNET"
        assert voice.parent_id == internet.parent_id


# --- idempotency, audit, refusals ------------------------------------------------------


def test_decomposing_twice_changes_nothing_the_second_time(demo):
    order = bundle_order()
    first = order_decompose(order_id=order.pk, actor=ACTOR)
    audit_count = AuditEvent.objects.count()

    second = order_decompose(order_id=order.pk, actor=ACTOR)

    assert sorted(d.pk for d in second) == sorted(d.pk for d in first)
    assert DomainOrder.objects.filter(order=order).count() == len(first)
    assert DomainOrderDependency.objects.count() == 1
    assert AuditEvent.objects.count() == audit_count


def test_decomposition_records_one_audit_row_per_domain_order_and_one_for_the_order(
    demo,
):
    order = bundle_order()

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    rows = AuditEvent.objects.filter(action=AuditAction.DOMAIN_ORDER_CREATED)
    assert sorted(int(row.subject_id) for row in rows) == sorted(d.pk for d in created)
    assert {row.to_state for row in rows} == {DomainOrderState.QUALIFIED}
    (decomposed,) = AuditEvent.objects.filter(action=AuditAction.ORDER_DECOMPOSED)
    assert decomposed.subject_id == str(order.pk)
    assert decomposed.actor_label == ACTOR.label
    assert decomposed.data["domain_orders"] == 15
    assert decomposed.data["resource"] == 5


@pytest.mark.parametrize(
    "state",
    [
        CustomerOrderState.DRAFT,
        CustomerOrderState.SUBMITTED,
        CustomerOrderState.NEW,
        CustomerOrderState.REJECTED,
        CustomerOrderState.COMPLETED,
        CustomerOrderState.CANCELED,
    ],
)
def test_only_acknowledged_or_in_progress_orders_are_decomposed(demo, state):
    order = bundle_order()
    CustomerOrder.objects.filter(pk=order.pk).update(state=state)

    with pytest.raises(OrderNotDecomposable):
        order_decompose(order_id=order.pk, actor=ACTOR)

    assert not DomainOrder.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ORDER_DECOMPOSED).exists()


def test_an_in_progress_order_is_decomposed(demo):
    order = bundle_order()
    CustomerOrder.objects.filter(pk=order.pk).update(
        state=CustomerOrderState.IN_PROGRESS
    )

    assert len(order_decompose(order_id=order.pk, actor=ACTOR)) == 15


def test_a_line_without_specification_is_refused_and_nothing_is_written(demo):
    order = bundle_order()
    order.lines.filter(line_number=2).update(specification=None)

    with pytest.raises(LineNotDecomposable):
        order_decompose(order_id=order.pk, actor=ACTOR)

    assert not DomainOrder.objects.exists()


def test_canceled_and_no_change_lines_are_not_decomposed(demo):
    order = bundle_order()
    order.lines.filter(offering__code="OFF_HOME_VOICE").update(state="canceled")

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    assert "PS_HOME_VOICE" not in _codes(created)
    assert len(created) == 11
    assert not DomainOrderDependency.objects.exists()


# --- query count ------------------------------------------------------------------------


def _queries_to_decompose(order: CustomerOrder) -> int:
    with CaptureQueriesContext(connection) as context:
        order_decompose(order_id=order.pk, actor=ACTOR)
    return len(context.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_lines(demo):
    # given the trees and tables read once (a warm process)
    _queries_to_decompose(bundle_order())
    small = bundle_order(bundles=1)
    large = bundle_order(bundles=5)
    assert small.lines.count() == 4
    assert large.lines.count() == 20

    # then
    assert _queries_to_decompose(small) == _queries_to_decompose(large)
    assert DomainOrder.objects.filter(order=large).count() == 75


def test_query_count_with_a_cold_cache_does_not_grow_either(demo):
    # other per-process caches (compiled decision tables...) are warm in both runs,
    # whichever test ran first in this process
    _queries_to_decompose(bundle_order(bundles=1))
    small = bundle_order(bundles=1)
    large = bundle_order(bundles=5)

    decomposition_cache_clear()
    cold_small = _queries_to_decompose(small)
    decomposition_cache_clear()
    cold_large = _queries_to_decompose(large)

    assert cold_small == cold_large


# --- quantities ---------------------------------------------------------------------------


def test_a_line_of_quantity_three_makes_three_product_orders_each_with_its_subtree(
    demo,
):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET, quantity=3)

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    products = _by_code(created, "PS_FIBER_INTERNET")
    assert sorted(p.sequence for p in products) == [1, 2, 3]
    assert _codes(created)["CFS_INTERNET"] == 3
    assert _codes(created)["RES_ONT"] == 3
    for product in products:
        (cfs,) = [d for d in created if d.parent_id == product.pk]
        assert cfs.path.startswith(f"{product.sequence}/")


def test_set_top_boxes_set_the_number_of_iptv_streams(demo):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)
    line_add(order, "OFF_FIBER_TV", {"package": "family", "set_top_boxes": 3})

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    streams = _by_code(created, "RFS_IPTV_STREAM")
    assert sorted(s.sequence for s in streams) == [1, 2, 3]
    assert all(s.characteristics["package"] == "family" for s in streams)
    assert _codes(created)["RES_SET_TOP_BOX"] == 3


def test_a_quantity_characteristic_is_kept_within_the_relationship_maximum(demo):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_TV", {"package": "basic", "set_top_boxes": 9})

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    assert _codes(created)["RFS_IPTV_STREAM"] == 4


def test_sites_set_the_number_of_deliveries(demo):
    order = acknowledged_order()
    line_add(order, "OFF_MULTI_SITE_DELIVERY", {"sites": 4})

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    assert _codes(created) == {"PS_MULTI_SITE_DELIVERY": 1, "CFS_DELIVERY": 4}


def test_composed_of_children_fold_into_the_machine_order_as_a_bill_of_materials(demo):
    order = acknowledged_order()
    line_add(
        order,
        "OFF_CM_MACHINE",
        {"model": "CM-700", "spindle_count": 3, "requested_delivery": "2030-01-01"},
    )

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    (machine,) = created
    assert machine.kind == _K.PRODUCT
    bom = machine.characteristics
    assert len(bom["RES_SPINDLE_UNIT"]) == 3
    assert bom["RES_MACHINE_FRAME"] == [{"size": "L"}]
    assert len(bom["RES_CONTROL_UNIT"]) == 1
    assert "RES_COOLANT_SYSTEM" not in bom
    assert bom["model"] == "CM-700"


# --- attribute mapping ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bandwidth", "profile"),
    [(100, "FTTH_100"), (300, "FTTH_500"), (1000, "FTTH_1G")],
)
def test_bandwidth_is_copied_down_and_transformed_into_the_ip_profile(
    demo, bandwidth, profile
):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", {**INTERNET, "bandwidth": bandwidth})

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    (cfs,) = _by_code(created, "CFS_INTERNET")
    (access,) = _by_code(created, "RFS_ACCESS_LINE")
    (ip,) = _by_code(created, "RFS_IP_CONNECTIVITY")
    assert cfs.characteristics["bandwidth"] == bandwidth
    assert access.characteristics == {"bandwidth": bandwidth}
    assert ip.characteristics == {"profile": profile, "static_ip": False}


def test_a_default_mapping_sets_a_value_the_target_lacks(demo):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    (address,) = _by_code(created, "RES_IP_ADDRESS")
    assert address.characteristics == {"assignment": "dynamic"}


def test_a_set_value_mapping_overrides_and_copy_skips_absent_values(demo):
    internet = Specification.objects.get(
        code="PS_FIBER_INTERNET", lifecycle_status="published"
    )
    cfs = Specification.objects.get(code="CFS_INTERNET", lifecycle_status="published")
    AttributeMappingRule.objects.create(
        source=internet,
        target=cfs,
        kind=AttributeMappingKind.SET_VALUE,
        target_characteristic="static_ip",
        value=True,
        position=99,
    )
    decomposition_cache_clear()
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    (service,) = _by_code(created, "CFS_INTERNET")
    assert service.characteristics["static_ip"] is True
    (ip,) = _by_code(created, "RFS_IP_CONNECTIVITY")
    assert ip.characteristics["static_ip"] is True


def test_requires_mapping_flows_values_to_the_required_product_and_below(demo):
    voice = Specification.objects.get(
        code="PS_HOME_VOICE", lifecycle_status="published"
    )
    internet = Specification.objects.get(
        code="PS_FIBER_INTERNET", lifecycle_status="published"
    )
    AttributeMappingRule.objects.create(
        source=voice,
        target=internet,
        kind=AttributeMappingKind.SET_VALUE,
        target_characteristic="static_ip",
        value=True,
    )
    decomposition_cache_clear()
    order = bundle_order()

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    (product,) = _by_code(created, "PS_FIBER_INTERNET")
    (ip,) = _by_code(created, "RFS_IP_CONNECTIVITY")
    assert product.characteristics["static_ip"] is True
    assert ip.characteristics["static_ip"] is True
    assert _codes(created)["RFS_IP_CONNECTIVITY"] == 1


# --- exclusion rules -------------------------------------------------------------------------


def _exclusion_table(inputs, rows) -> None:
    decision_table_build(
        table=Table(
            "decomposition_exclusion",
            "Decomposition exclusions",
            "decomposition",
            "first",
            [("source_specification", "text"), ("target_specification", "text")]
            + inputs,
            [("exclude", "boolean")],
            rows,
        ),
        actor=ACTOR,
    )


def test_an_exclusion_rule_drops_a_target_when_a_characteristic_has_given_values(demo):
    _exclusion_table(
        [("number_porting", "boolean")],
        [(["RFS_VOICE_LINE", "RES_PHONE_NUMBER", "true"], ["true"])],
    )
    ported = acknowledged_order()
    line_add(ported, "OFF_HOME_VOICE", {"number_porting": True})
    fresh = acknowledged_order()
    line_add(fresh, "OFF_HOME_VOICE", {"number_porting": False})

    ported_orders = order_decompose(order_id=ported.pk, actor=ACTOR)
    fresh_orders = order_decompose(order_id=fresh.pk, actor=ACTOR)

    assert "RES_PHONE_NUMBER" not in _codes(ported_orders)
    assert _codes(ported_orders)["RFS_VOICE_LINE"] == 1
    assert _codes(fresh_orders)["RES_PHONE_NUMBER"] == 1


def test_an_exclusion_rule_drops_a_target_when_a_characteristic_is_absent(demo):
    # first hit: a present value keeps the target; no value falls through to "exclude"
    _exclusion_table(
        [("ported_number", "text")],
        [
            (["CFS_VOICE", "RFS_VOICE_LINE", "!= none"], ["false"]),
            (["CFS_VOICE", "RFS_VOICE_LINE", "-"], ["true"]),
        ],
    )
    with_number = acknowledged_order()
    line_add(
        with_number,
        "OFF_HOME_VOICE",
        {"number_porting": True, "ported_number": "+4940555010"},
    )
    without = acknowledged_order()
    line_add(without, "OFF_HOME_VOICE", {"number_porting": False})

    kept = order_decompose(order_id=with_number.pk, actor=ACTOR)
    dropped = order_decompose(order_id=without.pk, actor=ACTOR)

    assert _codes(kept)["RFS_VOICE_LINE"] == 1
    assert _codes(dropped) == {"PS_HOME_VOICE": 1, "CFS_VOICE": 1}


def test_without_an_exclusion_table_nothing_is_excluded(demo):
    order = acknowledged_order(account=AccountFactory())
    line_add(order, "OFF_HOME_VOICE", {"number_porting": True})

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    assert _codes(created)["RES_PHONE_NUMBER"] == 1


def test_created_domain_orders_carry_their_specification(
    demo, django_assert_num_queries
):
    order = bundle_order()
    created = order_decompose(order_id=order.pk, actor=ACTOR)

    with django_assert_num_queries(0):
        codes = {d.specification.code for d in created}

    assert "RES_ONT" in codes
