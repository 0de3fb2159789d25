"""Price list services: lifecycle, immutability, new versions with their lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.audit import AuditAction
from catalog.exceptions import PublishBlocked
from catalog.models import ChargeType, LifecycleStatus, PriceListLine, RecurringPeriod
from catalog.services import (
    price_list_create,
    price_list_line_add,
    price_list_line_remove,
    price_list_new_version,
    price_list_publish,
    price_list_retire,
    price_list_update,
)
from ordermgmt.audit import audit_history
from ordermgmt.exceptions import ImmutableError, InvalidTransition, ValidationFailed
from tests.catalog.factories import (
    PriceListFactory,
    PriceListLineFactory,
    ProductOfferingFactory,
)

pytestmark = pytest.mark.django_db


def test_price_list_create_refuses_a_bad_currency(actor):
    with pytest.raises(ValidationFailed) as exc:
        price_list_create(code="pl", name="PL", currency="eur", actor=actor)
    assert "currency" in exc.value.errors


def test_price_list_lifecycle_with_audit(actor):
    price_list = price_list_create(code="pl", name="PL", currency="EUR", actor=actor)
    with pytest.raises(PublishBlocked):
        price_list_publish(price_list_id=price_list.pk, actor=actor)
    price_list_line_add(
        price_list_id=price_list.pk,
        offering_id=ProductOfferingFactory().pk,
        charge_type=ChargeType.RECURRING,
        recurring_period=RecurringPeriod.MONTH,
        amount=Decimal("39.95"),
        actor=actor,
    )
    price_list_publish(price_list_id=price_list.pk, actor=actor)
    with pytest.raises(InvalidTransition):
        price_list_publish(price_list_id=price_list.pk, actor=actor)
    price_list_retire(price_list_id=price_list.pk, actor=actor)
    with pytest.raises(InvalidTransition):
        price_list_retire(price_list_id=price_list.pk, actor=actor)
    price_list.refresh_from_db()
    assert price_list.lifecycle_status == LifecycleStatus.RETIRED
    assert list(audit_history(subject=price_list).values_list("action", flat=True)) == [
        AuditAction.PRICE_LIST_CREATED,
        AuditAction.PRICE_LIST_LINE_ADDED,
        AuditAction.PRICE_LIST_PUBLISHED,
        AuditAction.PRICE_LIST_RETIRED,
    ]


@pytest.mark.parametrize(
    ("charge_type", "period"),
    [(ChargeType.RECURRING, ""), (ChargeType.ONE_TIME, RecurringPeriod.YEAR)],
)
def test_price_line_period_must_match_the_charge(actor, charge_type, period):
    price_list = PriceListFactory()
    with pytest.raises(ValidationFailed) as exc:
        price_list_line_add(
            price_list_id=price_list.pk,
            offering_id=ProductOfferingFactory().pk,
            charge_type=charge_type,
            recurring_period=period,
            amount=Decimal(1),
            actor=actor,
        )
    assert "recurring_period" in exc.value.errors


def test_price_line_amount_cannot_be_negative(actor):
    with pytest.raises(ValidationFailed):
        price_list_line_add(
            price_list_id=PriceListFactory().pk,
            offering_id=ProductOfferingFactory().pk,
            charge_type=ChargeType.ONE_TIME,
            amount=Decimal("-1"),
            actor=actor,
        )


def test_published_price_list_lines_are_immutable(actor):
    line = PriceListLineFactory(price_list__published=True)
    with pytest.raises(ImmutableError):
        price_list_line_add(
            price_list_id=line.price_list_id,
            offering_id=ProductOfferingFactory().pk,
            charge_type=ChargeType.ONE_TIME,
            amount=Decimal(5),
            actor=actor,
        )
    with pytest.raises(ImmutableError):
        price_list_line_remove(line_id=line.pk, actor=actor)
    with pytest.raises(ImmutableError):
        price_list_update(
            price_list_id=line.price_list_id, actor=actor, changes={"currency": "USD"}
        )
    assert PriceListLine.objects.get().pk == line.pk


def test_price_list_new_version_copies_lines(actor):
    line = PriceListLineFactory(price_list__published=True, amount=Decimal("12.5"))
    new = price_list_new_version(price_list_id=line.price_list_id, actor=actor)
    assert new.version == 2
    assert new.currency == line.price_list.currency
    copied = new.lines.get()
    assert (copied.offering_id, copied.amount) == (line.offering_id, Decimal("12.5"))
    assert line.price_list.lines.get().pk == line.pk


def test_pricing_matrix_and_adjustment_create_record_audit_events(job_actor):
    from catalog.models import PriceAdjustmentKind
    from catalog.services import price_adjustment_create, pricing_matrix_create
    from ordermgmt.audit import audit_history

    offering = ProductOfferingFactory()
    matrix = pricing_matrix_create(
        code="PM1",
        name="Bandwidth by term",
        offering_id=offering.pk,
        charge_type="recurring",
        recurring_period="month",
        decision_table_key="pricing_bw",
        actor=job_actor,
    )
    adjustment = price_adjustment_create(
        code="ADJ1",
        name="Volume",
        kind=PriceAdjustmentKind.VOLUME,
        decision_table_key="adj_volume",
        actor=job_actor,
    )
    assert [e.action for e in audit_history(subject=matrix)] == [
        "pricing_matrix.created"
    ]
    assert [e.action for e in audit_history(subject=adjustment)] == [
        "price_adjustment.created"
    ]


def test_pricing_matrix_for_a_recurring_charge_needs_a_period(job_actor):
    from catalog.services import pricing_matrix_create

    offering = ProductOfferingFactory()
    with pytest.raises(ValidationFailed):
        pricing_matrix_create(
            code="PM2",
            name="x",
            offering_id=offering.pk,
            charge_type="recurring",
            decision_table_key="k",
            actor=job_actor,
        )
