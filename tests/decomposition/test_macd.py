"""Change, delete, suspend and resume lines decompose into only the domain orders their
inventory item needs."""

from __future__ import annotations

from collections import Counter

import pytest

from decomposition.models import DomainOrder, DomainOrderAction, DomainOrderKind
from decomposition.services import order_decompose
from inventory.models import InventoryItem, InventoryItemKind, InventoryItemState
from ordermgmt.actor import Actor
from orders.models import LineAction
from tests.decomposition.factories import (
    INTERNET,
    acknowledged_order,
    line_add,
)
from tests.orders.factories import AccountFactory

ACTOR = Actor.job("macd-test")
_A = DomainOrderAction


def _owned(code: str, characteristics: dict) -> InventoryItem:
    """What an account owns after an add order of `code` completed: one inventory item
    per domain order, with the same tree and final values."""
    account = AccountFactory()
    order = acknowledged_order(account=account)
    line_add(order, code, characteristics)
    created = order_decompose(order_id=order.pk, actor=ACTOR)
    items: dict[int, InventoryItem] = {}
    for domain_order in created:
        items[domain_order.pk] = InventoryItem.objects.create(
            kind=InventoryItemKind(domain_order.kind),
            account=account,
            specification=domain_order.specification,
            parent=items.get(domain_order.parent_id),
            characteristics=domain_order.characteristics,
            state=InventoryItemState.ACTIVE,
        )
    return items[created[0].pk]


def _macd_order(
    item: InventoryItem, action: str, characteristics=None
) -> list[DomainOrder]:
    order = acknowledged_order(account=item.account)
    line_add(
        order,
        "OFF_FIBER_INTERNET",
        characteristics or {},
        action=action,
        inventory_item=item,
    )
    return order_decompose(order_id=order.pk, actor=ACTOR)


def _summary(created: list[DomainOrder]) -> Counter[tuple[str, str]]:
    return Counter((d.specification.code, d.action) for d in created)


def test_a_change_without_differences_makes_only_the_product_order(demo):
    item = _owned("OFF_FIBER_INTERNET", INTERNET)

    created = _macd_order(item, LineAction.CHANGE, {"bandwidth": 300})

    assert _summary(created) == {("PS_FIBER_INTERNET", _A.CHANGE): 1}
    assert created[0].inventory_item_id == item.pk


def test_a_bandwidth_change_touches_only_the_subtree_whose_values_differ(demo):
    item = _owned("OFF_FIBER_INTERNET", INTERNET)

    created = _macd_order(item, LineAction.CHANGE, {"bandwidth": 1000})

    assert _summary(created) == {
        ("PS_FIBER_INTERNET", _A.CHANGE): 1,
        ("CFS_INTERNET", _A.CHANGE): 1,
        ("RFS_ACCESS_LINE", _A.CHANGE): 1,
        ("RFS_IP_CONNECTIVITY", _A.CHANGE): 1,
    }
    by_code = {d.specification.code: d for d in created}
    assert by_code["RFS_IP_CONNECTIVITY"].characteristics["profile"] == "FTTH_1G"
    assert by_code["RFS_ACCESS_LINE"].parent_id == by_code["CFS_INTERNET"].pk
    owned = {
        i.specification.code: i.pk
        for i in InventoryItem.objects.filter(account=item.account)
    }
    for code, domain_order in by_code.items():
        assert domain_order.inventory_item_id == owned[code]


def test_a_static_ip_change_leaves_the_access_line_alone(demo):
    item = _owned("OFF_FIBER_INTERNET", INTERNET)

    created = _macd_order(item, LineAction.CHANGE, {"static_ip": True})

    assert _summary(created) == {
        ("PS_FIBER_INTERNET", _A.CHANGE): 1,
        ("CFS_INTERNET", _A.CHANGE): 1,
        ("RFS_IP_CONNECTIVITY", _A.CHANGE): 1,
    }


def test_a_change_adds_what_the_item_lacks_and_deletes_what_it_no_longer_needs(demo):
    account_item = _owned("OFF_FIBER_TV", {"package": "basic", "set_top_boxes": 2})
    order = acknowledged_order(account=account_item.account)
    line_add(
        order,
        "OFF_FIBER_TV",
        {"set_top_boxes": 1, "package": "premium"},
        action=LineAction.CHANGE,
        inventory_item=account_item,
    )

    created = order_decompose(order_id=order.pk, actor=ACTOR)

    assert _summary(created) == {
        ("PS_FIBER_TV", _A.CHANGE): 1,
        ("CFS_IPTV", _A.CHANGE): 1,
        ("RFS_IPTV_STREAM", _A.CHANGE): 1,
        ("RFS_IPTV_STREAM", _A.DELETE): 1,
    }
    (removed,) = [d for d in created if d.action == _A.DELETE]
    assert removed.sequence == 2
    assert removed.inventory_item_id is not None


@pytest.mark.parametrize(
    "action", [LineAction.DELETE, LineAction.SUSPEND, LineAction.RESUME]
)
def test_delete_suspend_and_resume_make_the_product_and_service_orders_only(
    demo, action
):
    item = _owned("OFF_FIBER_INTERNET", INTERNET)

    created = _macd_order(item, action)

    assert _summary(created) == {
        ("PS_FIBER_INTERNET", action): 1,
        ("CFS_INTERNET", action): 1,
        ("RFS_ACCESS_LINE", action): 1,
        ("RFS_IP_CONNECTIVITY", action): 1,
    }
    assert not [d for d in created if d.kind == DomainOrderKind.RESOURCE]
    assert all(d.inventory_item_id is not None for d in created)
    assert all(d.state == "qualified" for d in created)


def test_a_delete_of_an_item_without_recorded_children_plans_the_services(demo):
    account = AccountFactory()
    item = InventoryItem.objects.create(
        account=account,
        specification_id=line_add(
            acknowledged_order(account=account), "OFF_FIBER_INTERNET", INTERNET
        ).specification_id,
        characteristics=INTERNET,
        state=InventoryItemState.ACTIVE,
    )

    created = _macd_order(item, LineAction.DELETE)

    assert Counter(d.kind for d in created) == {"product": 1, "service": 3}
    assert [d.inventory_item_id for d in created if d.kind == "service"] == [None] * 3
