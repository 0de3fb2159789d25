"""Database constraints of the catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog.models import ChargeType, RecurringPeriod
from tests.catalog.factories import (
    CharacteristicSpecFactory,
    PriceListFactory,
    PriceListLineFactory,
    SpecificationFactory,
    SpecificationRelationshipFactory,
)

pytestmark = pytest.mark.django_db


def test_top_level_characteristic_codes_are_unique_despite_null_parent():
    spec = SpecificationFactory()
    CharacteristicSpecFactory(specification=spec, code="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        CharacteristicSpecFactory(specification=spec, code="x")


def test_child_codes_are_unique_under_one_parent_but_may_repeat_elsewhere():
    spec = SpecificationFactory()
    a = CharacteristicSpecFactory(specification=spec, code="a", value_type="object")
    b = CharacteristicSpecFactory(specification=spec, code="b", value_type="object")
    CharacteristicSpecFactory(specification=spec, code="city", parent=a)
    CharacteristicSpecFactory(specification=spec, code="city", parent=b)
    CharacteristicSpecFactory(specification=spec, code="city")
    with pytest.raises(IntegrityError), transaction.atomic():
        CharacteristicSpecFactory(specification=spec, code="city", parent=a)


def test_one_draft_and_one_published_version_per_code():
    SpecificationFactory(code="x", published=True)
    SpecificationFactory(code="x", version=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecificationFactory(code="x", version=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecificationFactory(code="x", version=4, published=True)


def test_price_line_amount_and_period_constraints():
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListLineFactory(amount=Decimal("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListLineFactory(charge_type=ChargeType.RECURRING, recurring_period="")
    line = PriceListLineFactory(
        charge_type=ChargeType.RECURRING, recurring_period=RecurringPeriod.YEAR
    )
    assert line.pk


def test_price_list_currency_is_three_capitals():
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceListFactory(currency="eu")


def test_relationship_quantities_and_self_reference():
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecificationRelationshipFactory(min_quantity=2, default_quantity=1)
    spec = SpecificationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SpecificationRelationshipFactory(source=spec, target=spec)
