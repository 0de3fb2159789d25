"""Edits of an order's own fields: header fields (draft or acknowledged) and the
manual discount of a draft (repriced; a discount above the approval policy's threshold
sends the order to an approver on submit)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import ValidationFailed
from orders.audit import AuditAction
from orders.exceptions import DuplicateExternalId, OrderNotEditable
from orders.models import CustomerOrder, CustomerOrderState, OrderPriority
from orders.selectors import order_get_for_update, order_lines_for_update
from orders.services.lines import require_draft
from orders.services.pricing_link import draft_reprice

# What `order_update` may change; everything else on an order is owned by the server.
UPDATABLE_FIELDS = frozenset(
    {
        "description",
        "notes",
        "requested_start_date",
        "requested_completion_date",
        "priority",
        "external_id",
        "extra",
    }
)
_UPDATABLE_STATES = (CustomerOrderState.DRAFT, CustomerOrderState.ACKNOWLEDGED)
_DATE_FIELDS = ("requested_start_date", "requested_completion_date")


def _date_value(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed
    raise ValueError


def _changes_cleaned(changes: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in UPDATABLE_FIELDS:
            errors[name] = ["This field is set by the system and cannot be changed."]
        elif name in _DATE_FIELDS:
            try:
                cleaned[name] = _date_value(value)
            except ValueError:
                errors[name] = ["Give a date and time, e.g. 2026-01-31T09:00:00Z."]
        elif name == "priority":
            if isinstance(value, bool) or value not in OrderPriority.values:
                errors[name] = [
                    f"Choose one of: {', '.join(map(str, OrderPriority.values))}."
                ]
            else:
                cleaned[name] = int(value)
        elif name == "extra":
            if not isinstance(value, Mapping):
                errors[name] = ["Give the extension attributes as an object."]
            else:
                cleaned[name] = dict(value)
        elif not isinstance(value, str):
            errors[name] = ["Give text."]
        elif name == "external_id" and len(value) > 100:
            errors[name] = ["Use at most 100 characters."]
        else:
            cleaned[name] = value
    if errors:
        raise ValidationFailed("The order changes are not valid.", errors=errors)
    return cleaned


def order_update(
    *, order_id: int, changes: Mapping[str, Any], actor: Actor
) -> CustomerOrder:
    """Change an order's header fields (draft or acknowledged); server fields are refused."""
    cleaned = _changes_cleaned(changes)
    try:
        with transaction.atomic():
            order = order_get_for_update(order_id=order_id)
            if order.state not in _UPDATABLE_STATES:
                raise OrderNotEditable(
                    f"Order {order} is {order.get_state_display().lower()}; only a "
                    f"draft or an acknowledged order can be changed.",
                    state=order.state,
                )
            before = {name: getattr(order, name) for name in cleaned}
            for name, value in cleaned.items():
                setattr(order, name, value)
            start, end = order.requested_start_date, order.requested_completion_date
            if start is not None and end is not None and end < start:
                raise ValidationFailed(
                    "The requested completion date is before the requested start date.",
                    errors={
                        "requested_completion_date": [
                            "Must not be before the start date."
                        ]
                    },
                )
            if cleaned:
                order.save(update_fields=[*sorted(cleaned), "updated_at"])
                audit_record(
                    subject=order,
                    action=AuditAction.ORDER_UPDATED,
                    actor=actor,
                    data=json.loads(
                        json.dumps(
                            {"before": before, "after": cleaned}, cls=DjangoJSONEncoder
                        )
                    ),
                )
    except IntegrityError as exc:
        external_id = cleaned.get("external_id", "")
        if external_id:
            raise DuplicateExternalId(
                f"The customer already has an order with external id {external_id!r}.",
                external_id=external_id,
            ) from exc
        raise
    return order


def _percent_checked(percent: Decimal | int | str, reason: str) -> Decimal:
    try:
        value = Decimal(str(percent))
    except InvalidOperation:
        value = Decimal("NaN")
    errors: dict[str, list[str]] = {}
    if not value.is_finite() or value < 0 or value > 100:
        errors["percent"] = ["Give a percentage between 0 and 100."]
    elif value.as_tuple().exponent < -4:  # type: ignore[operator]
        errors["percent"] = ["Use at most four decimal places."]
    elif value > 0 and not reason.strip():
        errors["reason"] = ["Say why the customer gets a discount."]
    if errors:
        raise ValidationFailed("The discount is not valid.", errors=errors)
    return value


def order_discount_set(
    *, order_id: int, percent: Decimal | int | str, reason: str, actor: Actor
) -> CustomerOrder:
    """Give a draft a manual discount in percent, with a reason; the draft is repriced."""
    value = _percent_checked(percent, reason)
    with transaction.atomic():
        order = order_get_for_update(order_id=order_id)
        require_draft(order, doing="get a discount")
        before = order.discount_percent
        order.discount_percent = value
        order.discount_reason = reason.strip()
        order.save(update_fields=["discount_percent", "discount_reason", "updated_at"])
        now = timezone.now()
        audit_record(
            subject=order,
            action=AuditAction.ORDER_DISCOUNT_SET,
            actor=actor,
            reason=order.discount_reason,
            data={"before": before, "after": value},
            at=now,
        )
        draft_reprice(
            order=order, lines=order_lines_for_update(order_id=order.pk), at=now
        )
    return order
