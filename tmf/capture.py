"""From a parsed productOrder to the arguments of `orders.services.order_capture`.

References are resolved here, in a fixed number of queries: the customer party, the
offerings (our id or a published code) and the products (inventory items) of modify /
delete items. An unknown reference is a PayloadInvalid naming the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orders.models import Account
from orders.services.capture_input import LineInput
from tmf.exceptions import PayloadInvalid
from tmf.product_order_input import ProductOrderInput
from tmf.selectors import (
    account_for_customer_party,
    inventory_items_by_reference,
    offerings_by_reference,
)


@dataclass(frozen=True)
class CaptureArgs:
    account_id: int
    lines: list[LineInput]
    external_id: str
    description: str
    priority: int
    requested_start_date: datetime | None
    requested_completion_date: datetime | None
    extra: dict[str, Any]
    # The account row as resolved, handed to the capture so it is not read twice.
    account: Account | None = None

    def as_kwargs(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "account": self.account,
            "lines": self.lines,
            "external_id": self.external_id,
            "description": self.description,
            "priority": self.priority,
            "requested_start_date": self.requested_start_date,
            "requested_completion_date": self.requested_completion_date,
            "extra": self.extra,
        }


def product_order_capture_args(
    *, order_input: ProductOrderInput, user: Any
) -> CaptureArgs:
    """Resolve the references of a parsed productOrder; raise PayloadInvalid if unknown."""
    errors: dict[str, list[str]] = {}
    account = account_for_customer_party(party_ref=order_input.customer_ref, user=user)
    if account is None:
        errors["relatedParty"] = [
            f"No customer with id {order_input.customer_ref!r} that you may order for."
        ]
    offerings = offerings_by_reference(
        refs=[i.offering_ref for i in order_input.items if i.offering_ref]
    )
    products = inventory_items_by_reference(
        refs=[i.product_ref for i in order_input.items if i.product_ref]
    )
    lines: list[LineInput] = []
    for item in order_input.items:
        path = f"productOrderItem[id={item.ref}]"
        offering = offerings.get(item.offering_ref) if item.offering_ref else None
        if item.offering_ref and offering is None:
            errors[f"{path}.productOffering.id"] = [
                f"No product offering with id {item.offering_ref!r}."
            ]
        product = products.get(item.product_ref) if item.product_ref else None
        if item.product_ref and (
            product is None
            or (account is not None and product.account_id != account.pk)
        ):
            errors[f"{path}.product.id"] = [
                f"No product {item.product_ref!r} owned by this customer."
            ]
        lines.append(
            LineInput(
                ref=item.ref,
                action=item.action,
                offering_id=offering.pk if offering else None,
                quantity=item.quantity,
                characteristics=item.characteristics,
                inventory_item_id=product.pk if product else None,
                parent_ref=item.parent_ref,
                extra=item.extra,
            )
        )
    if errors or account is None:
        first_path, first_messages = next(iter(errors.items()))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise PayloadInvalid(f"{first_path}: {first_messages[0]}{more}", errors=errors)
    return CaptureArgs(
        account_id=account.pk,
        account=account,
        lines=lines,
        external_id=order_input.external_id,
        description=order_input.description,
        priority=order_input.priority,
        requested_start_date=order_input.requested_start_date,
        requested_completion_date=order_input.requested_completion_date,
        extra=order_input.extra,
    )
