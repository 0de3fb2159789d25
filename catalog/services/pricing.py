"""Writes on price lists and their lines (the pricing engine lives with order capture).

Lifecycle: see `catalog.services.versioning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from catalog.audit import AuditAction
from catalog.exceptions import PublishBlocked
from catalog.models import (
    ChargeType,
    PriceAdjustment,
    PriceAdjustmentKind,
    PriceList,
    PriceListLine,
    PricingMatrix,
    RecurringPeriod,
)
from catalog.selectors import price_list_get_for_update
from catalog.services.versioning import (
    children_editable_check,
    item_clean,
    item_new_version_prepare,
    item_publish,
    item_retire,
    item_update,
)
from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import NotFound, ValidationFailed

PRICE_LIST_EDITABLE_FIELDS: frozenset[str] = frozenset(
    {"code", "name", "description", "currency", "valid_from", "valid_to", "segment"}
)


def price_list_create(
    *,
    code: str,
    name: str,
    currency: str,
    actor: Actor,
    description: str = "",
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    segment: str = "",
) -> PriceList:
    """Create version 1 of a price list as a draft."""
    with transaction.atomic():
        if PriceList.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"A price list with code {code!r} exists; make a new version of it.",
                errors={"code": ["Already used."]},
            )
        price_list = PriceList(
            code=code,
            name=name,
            currency=currency,
            description=description,
            valid_from=valid_from,
            valid_to=valid_to,
            segment=segment,
        )
        item_clean(price_list)
        price_list.save()
        audit_record(
            subject=price_list,
            action=AuditAction.PRICE_LIST_CREATED,
            actor=actor,
            to_state=price_list.lifecycle_status,
            data={"code": code, "currency": currency},
        )
    return price_list


def price_list_update(
    *, price_list_id: int, actor: Actor, changes: Mapping[str, Any]
) -> PriceList:
    """Edit a price list; once published only its display fields may change."""
    with transaction.atomic():
        return item_update(
            model=PriceList,
            item_id=price_list_id,
            actor=actor,
            changes=changes,
            editable_fields=PRICE_LIST_EDITABLE_FIELDS,
            action=AuditAction.PRICE_LIST_UPDATED,
        )


def _price_list_ready_check(price_list: PriceList) -> None:
    if not PriceListLine.objects.filter(price_list=price_list).exists():
        raise PublishBlocked(
            f"{price_list} cannot be published yet: it has no price lines.",
            problems=["No price lines."],
        )


def price_list_publish(*, price_list_id: int, actor: Actor) -> PriceList:
    """Publish a draft price list; the previously published version is retired."""
    with transaction.atomic():
        return item_publish(
            model=PriceList,
            item_id=price_list_id,
            actor=actor,
            published_action=AuditAction.PRICE_LIST_PUBLISHED,
            retired_action=AuditAction.PRICE_LIST_RETIRED,
            ready_check=_price_list_ready_check,
        )


def price_list_retire(
    *, price_list_id: int, actor: Actor, reason: str = ""
) -> PriceList:
    """Retire a published price list: new orders no longer use it."""
    with transaction.atomic():
        return item_retire(
            model=PriceList,
            item_id=price_list_id,
            actor=actor,
            action=AuditAction.PRICE_LIST_RETIRED,
            reason=reason,
        )


def price_list_new_version(*, price_list_id: int, actor: Actor) -> PriceList:
    """Make a draft copy one version up, with all its price lines."""
    with transaction.atomic():
        source, draft = item_new_version_prepare(model=PriceList, item_id=price_list_id)
        draft.save()
        lines = list(PriceListLine.objects.filter(price_list_id=source.pk))
        for line in lines:
            line.pk = None
            line.price_list_id = draft.pk
        PriceListLine.objects.bulk_create(lines)
        audit_record(
            subject=draft,
            action=AuditAction.PRICE_LIST_VERSION_CREATED,
            actor=actor,
            to_state=draft.lifecycle_status,
            data={"from_id": source.pk, "from_version": source.version},
        )
    return draft


def price_list_line_add(
    *,
    price_list_id: int,
    offering_id: int,
    charge_type: ChargeType | str,
    amount: Decimal,
    actor: Actor,
    recurring_period: RecurringPeriod | str = "",
    description: str = "",
) -> PriceListLine:
    """Price an offering's one-time or recurring charge on a draft price list."""
    with transaction.atomic():
        price_list = price_list_get_for_update(price_list_id=price_list_id)
        children_editable_check(item=price_list, what="price lines")
        line = PriceListLine(
            price_list=price_list,
            offering_id=offering_id,
            charge_type=charge_type,
            amount=amount,
            recurring_period=recurring_period,
            description=description,
        )
        _period_check(line)
        item_clean(line)
        line.save()
        audit_record(
            subject=price_list,
            action=AuditAction.PRICE_LIST_LINE_ADDED,
            actor=actor,
            data={
                "line_id": line.pk,
                "offering_id": offering_id,
                "charge_type": str(charge_type),
                "amount": amount,
            },
        )
    return line


def _period_check(line: PriceListLine | PricingMatrix) -> None:
    if line.charge_type == ChargeType.RECURRING and not line.recurring_period:
        raise ValidationFailed(
            "A recurring charge needs a period.",
            errors={"recurring_period": ["Choose month or year."]},
        )
    if line.charge_type == ChargeType.ONE_TIME and line.recurring_period:
        raise ValidationFailed(
            "A one-time charge has no period.",
            errors={"recurring_period": ["Leave empty for a one-time charge."]},
        )


def price_list_line_remove(*, line_id: int, actor: Actor) -> None:
    """Remove a line from a draft price list."""
    with transaction.atomic():
        line = PriceListLine.objects.filter(pk=line_id).first()
        if line is None:
            raise NotFound(f"Price list line {line_id} does not exist.")
        price_list = price_list_get_for_update(price_list_id=line.price_list_id)
        children_editable_check(item=price_list, what="price lines")
        line.delete()
        audit_record(
            subject=price_list,
            action=AuditAction.PRICE_LIST_LINE_REMOVED,
            actor=actor,
            data={"line_id": line_id, "offering_id": line.offering_id},
        )


def pricing_matrix_create(
    *,
    code: str,
    name: str,
    offering_id: int,
    charge_type: ChargeType | str,
    decision_table_key: str,
    actor: Actor,
    recurring_period: RecurringPeriod | str = "",
    description: str = "",
) -> PricingMatrix:
    """Price an offering's charge from a decision table on its characteristics."""
    with transaction.atomic():
        matrix = PricingMatrix(
            code=code,
            name=name,
            offering_id=offering_id,
            charge_type=charge_type,
            recurring_period=recurring_period,
            decision_table_key=decision_table_key,
            description=description,
        )
        _period_check(matrix)
        item_clean(matrix)
        matrix.save()
        audit_record(
            subject=matrix,
            action=AuditAction.PRICING_MATRIX_CREATED,
            actor=actor,
            data={"code": code, "decision_table_key": decision_table_key},
        )
    return matrix


def price_adjustment_create(
    *,
    code: str,
    name: str,
    kind: PriceAdjustmentKind | str,
    decision_table_key: str,
    actor: Actor,
    offering_id: int | None = None,
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    priority: int = 100,
    description: str = "",
) -> PriceAdjustment:
    """Add an adjustment (volume, channel, promotion...) decided by a decision table."""
    with transaction.atomic():
        adjustment = PriceAdjustment(
            code=code,
            name=name,
            kind=kind,
            offering_id=offering_id,
            decision_table_key=decision_table_key,
            valid_from=valid_from,
            valid_to=valid_to,
            priority=priority,
            description=description,
        )
        item_clean(adjustment)
        adjustment.save()
        audit_record(
            subject=adjustment,
            action=AuditAction.PRICE_ADJUSTMENT_CREATED,
            actor=actor,
            data={"code": code, "kind": str(kind)},
        )
    return adjustment
