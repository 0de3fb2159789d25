"""Factories for the catalog: minimal valid drafts; traits for published / retired."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from catalog.models import (
    Category,
    CharacteristicSpec,
    CharacteristicValueType,
    ChargeType,
    LifecycleStatus,
    OfferingRelationship,
    PriceList,
    PriceListLine,
    ProductOffering,
    Specification,
    SpecificationKind,
    SpecificationRelationship,
    SpecificationRelationshipType,
)


class LifecycleTraits(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    class Params:
        published = factory.Trait(
            lifecycle_status=LifecycleStatus.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )
        retired = factory.Trait(
            lifecycle_status=LifecycleStatus.RETIRED,
            published_at=factory.LazyFunction(timezone.now),
            retired_at=factory.LazyFunction(timezone.now),
        )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class SpecificationFactory(LifecycleTraits):
    class Meta:
        model = Specification

    code = factory.Sequence(lambda n: f"spec-{n}")
    name = factory.Sequence(lambda n: f"Specification {n}")
    kind = SpecificationKind.PRODUCT


class CharacteristicSpecFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharacteristicSpec

    specification = factory.SubFactory(SpecificationFactory)
    code = factory.Sequence(lambda n: f"char{n}")
    name = factory.Sequence(lambda n: f"Characteristic {n}")
    value_type = CharacteristicValueType.TEXT


class SpecificationRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SpecificationRelationship

    source = factory.SubFactory(SpecificationFactory)
    target = factory.SubFactory(SpecificationFactory, kind=SpecificationKind.CFS)
    relationship_type = SpecificationRelationshipType.REALIZED_AS


class ProductOfferingFactory(LifecycleTraits):
    class Meta:
        model = ProductOffering

    code = factory.Sequence(lambda n: f"offer-{n}")
    name = factory.Sequence(lambda n: f"Offering {n}")


class OfferingRelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferingRelationship

    parent = factory.SubFactory(ProductOfferingFactory, is_bundle=True)
    child = factory.SubFactory(ProductOfferingFactory)


class PriceListFactory(LifecycleTraits):
    class Meta:
        model = PriceList

    code = factory.Sequence(lambda n: f"pl-{n}")
    name = factory.Sequence(lambda n: f"Price list {n}")
    currency = "EUR"


class PriceListLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceListLine

    price_list = factory.SubFactory(PriceListFactory)
    offering = factory.SubFactory(ProductOfferingFactory)
    charge_type = ChargeType.ONE_TIME
    amount = Decimal("10.0000")
