"""Link domain orders to the inventory items they build or change."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import timezone

from decomposition.audit import AuditAction
from decomposition.models import DomainOrder
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record_many
from ordermgmt.exceptions import ValidationFailed
from ordermgmt.locking import lock_many
from ordermgmt.transactions import service_atomic


def domain_orders_inventory_link(
    *, order_id: int, links: Mapping[int, int], actor: Actor
) -> list[DomainOrder]:
    """Point each domain order of an order at its inventory item, in one UPDATE."""
    if not links:
        return []
    with service_atomic():
        domain_orders = lock_many(
            DomainOrder.objects.filter(order_id=order_id, pk__in=list(links))
        )
        if len(domain_orders) != len(links):
            raise ValidationFailed(
                "Some domain orders are not part of this order.",
                errors={"links": sorted(set(links) - {d.pk for d in domain_orders})},
            )
        now = timezone.now()
        for domain_order in domain_orders:
            domain_order.inventory_item_id = links[domain_order.pk]
            domain_order.updated_at = now
        DomainOrder.objects.bulk_update(
            domain_orders, fields=["inventory_item", "updated_at"]
        )
        audit_record_many(
            subjects=domain_orders,
            action=AuditAction.DOMAIN_ORDER_INVENTORY_LINKED,
            actor=actor,
            at=now,
        )
    return domain_orders
