"""Staggered decomposition: domain orders with unknown mandatory values wait (Awaiting
information, their subtree in Draft) and are released by domain_order_information_receive."""

from __future__ import annotations

import pytest

from catalog.models import CharacteristicSpec, CharacteristicValueType, Specification
from decomposition.audit import AuditAction
from decomposition.hooks import (
    domain_orders_released_receiver_add,
    domain_orders_released_receiver_remove,
)
from decomposition.models import DomainOrder, DomainOrderState
from decomposition.selectors import decomposition_cache_clear
from decomposition.services import domain_order_information_receive, order_decompose
from ordermgmt.actor import Actor
from ordermgmt.exceptions import InvalidTransition, ValidationFailed
from ordermgmt.models import AuditEvent
from tests.decomposition.factories import (
    ADDRESS,
    INTERNET,
    acknowledged_order,
    line_add,
)

ACTOR = Actor.job("release-test")
_S = DomainOrderState


def _one(created: list[DomainOrder], code: str) -> DomainOrder:
    (found,) = [d for d in created if d.specification.code == code]
    return found


def _installation_without_site() -> list[DomainOrder]:
    order = acknowledged_order()
    line_add(order, "OFF_INSTALLATION", {})
    return order_decompose(order_id=order.pk, actor=ACTOR)


@pytest.fixture
def released():
    """Collect what the release hook announces."""
    seen: list[list[str]] = []

    def receiver(domain_orders, actor):
        seen.append([d.specification.code for d in domain_orders])

    domain_orders_released_receiver_add(receiver)
    yield seen
    domain_orders_released_receiver_remove(receiver)


@pytest.fixture
def access_line_needs_vlan(demo):
    """RFS_ACCESS_LINE gains a mandatory `vlan` nothing maps (engineering fills it in)."""
    spec = Specification.objects.get(
        code="RFS_ACCESS_LINE", lifecycle_status="published"
    )
    CharacteristicSpec.objects.create(
        specification=spec,
        code="vlan",
        name="VLAN",
        value_type=CharacteristicValueType.INTEGER,
        is_mandatory=True,
    )
    decomposition_cache_clear()
    yield
    decomposition_cache_clear()


def test_an_order_missing_mandatory_values_awaits_information_and_its_subtree_waits(
    demo,
):
    created = _installation_without_site()

    product = _one(created, "PS_INSTALLATION")
    service = _one(created, "CFS_INSTALLATION")
    assert product.state == _S.AWAITING_INFORMATION
    assert product.missing_characteristics == ["site_address"]
    assert service.state == _S.DRAFT
    assert service.released_at is None


def test_the_rest_of_the_order_proceeds_while_one_domain_order_waits(
    access_line_needs_vlan,
):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    states = {d.specification.code: d.state for d in created}
    assert states == {
        "PS_FIBER_INTERNET": _S.QUALIFIED,
        "CFS_INTERNET": _S.QUALIFIED,
        "RFS_ACCESS_LINE": _S.AWAITING_INFORMATION,
        "RES_ONT": _S.DRAFT,
        "RES_ACCESS_PORT": _S.DRAFT,
        "RFS_IP_CONNECTIVITY": _S.QUALIFIED,
        "RES_IP_ADDRESS": _S.QUALIFIED,
    }
    assert _one(created, "RFS_ACCESS_LINE").missing_characteristics == ["vlan"]


def test_receiving_the_values_releases_the_order_and_the_orders_waiting_below_it(
    access_line_needs_vlan, released
):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)
    created = order_decompose(order_id=order.pk, actor=ACTOR)
    access = _one(created, "RFS_ACCESS_LINE")

    result = domain_order_information_receive(
        domain_order_id=access.pk, characteristics={"vlan": 42}, actor=ACTOR
    )

    assert result.state == _S.QUALIFIED
    assert result.characteristics == {"bandwidth": 300, "vlan": 42}
    assert result.missing_characteristics == []
    assert result.released_at is not None
    below = DomainOrder.objects.filter(parent=access)
    assert {d.state for d in below} == {_S.QUALIFIED}
    assert released == [["RFS_ACCESS_LINE", "RES_ONT", "RES_ACCESS_PORT"]]
    audit = AuditEvent.objects.get(
        action=AuditAction.DOMAIN_ORDER_INFORMATION_RECEIVED,
        subject_id=str(access.pk),
    )
    assert (audit.from_state, audit.to_state) == (
        _S.AWAITING_INFORMATION,
        _S.QUALIFIED,
    )
    assert (
        AuditEvent.objects.filter(action=AuditAction.DOMAIN_ORDER_RELEASED).count() == 2
    )


def test_released_children_get_values_mapped_from_the_received_ones(demo, released):
    created = _installation_without_site()
    product = _one(created, "PS_INSTALLATION")

    domain_order_information_receive(
        domain_order_id=product.pk,
        characteristics={"site_address": ADDRESS},
        actor=ACTOR,
    )

    service = DomainOrder.objects.get(pk=_one(created, "CFS_INSTALLATION").pk)
    assert service.state == _S.QUALIFIED
    assert service.characteristics == {"site_address": ADDRESS, "technicians": 2}
    assert released == [["PS_INSTALLATION", "CFS_INSTALLATION"]]


def test_part_of_the_values_keeps_the_order_waiting(access_line_needs_vlan):
    spec = Specification.objects.get(
        code="RFS_ACCESS_LINE", lifecycle_status="published"
    )
    CharacteristicSpec.objects.create(
        specification=spec,
        code="splitter",
        name="Splitter",
        value_type=CharacteristicValueType.TEXT,
        is_mandatory=True,
    )
    decomposition_cache_clear()
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)
    access = _one(order_decompose(order_id=order.pk, actor=ACTOR), "RFS_ACCESS_LINE")
    assert sorted(access.missing_characteristics) == ["splitter", "vlan"]

    result = domain_order_information_receive(
        domain_order_id=access.pk, characteristics={"vlan": 7}, actor=ACTOR
    )

    assert result.state == _S.AWAITING_INFORMATION
    assert result.missing_characteristics == ["splitter"]
    assert DomainOrder.objects.get(pk=access.pk).characteristics["vlan"] == 7
    assert set(
        DomainOrder.objects.filter(parent=access).values_list("state", flat=True)
    ) == {_S.DRAFT}


def test_a_value_that_does_not_fit_is_refused_and_nothing_changes(
    access_line_needs_vlan,
):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)
    access = _one(order_decompose(order_id=order.pk, actor=ACTOR), "RFS_ACCESS_LINE")
    audit_count = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        domain_order_information_receive(
            domain_order_id=access.pk,
            characteristics={"vlan": "not a number"},
            actor=ACTOR,
        )

    assert "characteristics.vlan" in refused.value.errors
    access.refresh_from_db()
    assert access.state == _S.AWAITING_INFORMATION
    assert "vlan" not in access.characteristics
    assert AuditEvent.objects.count() == audit_count


def test_an_unknown_characteristic_is_refused(access_line_needs_vlan):
    order = acknowledged_order()
    line_add(order, "OFF_FIBER_INTERNET", INTERNET)
    access = _one(order_decompose(order_id=order.pk, actor=ACTOR), "RFS_ACCESS_LINE")

    with pytest.raises(ValidationFailed):
        domain_order_information_receive(
            domain_order_id=access.pk,
            characteristics={"vlan": 3, "colour": "red"},
            actor=ACTOR,
        )


@pytest.mark.parametrize("state", [_S.QUALIFIED, _S.DRAFT, _S.IN_PROGRESS, _S.CANCELED])
def test_information_is_received_only_while_awaiting_it(demo, state):
    created = _installation_without_site()
    product = _one(created, "PS_INSTALLATION")
    DomainOrder.objects.filter(pk=product.pk).update(state=state)

    with pytest.raises(InvalidTransition):
        domain_order_information_receive(
            domain_order_id=product.pk,
            characteristics={"site_address": ADDRESS},
            actor=ACTOR,
        )
