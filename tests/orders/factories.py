"""Factories for accounts and orders, plus minimal catalog rows for order capture tests.

States are set at construction; a test of a transition goes through its service.
"""

from __future__ import annotations

from typing import Any

import factory

from catalog.models import (
    CharacteristicSpec,
    CharacteristicValueType,
    LifecycleStatus,
    ProductOffering,
    Specification,
    SpecificationKind,
)
from orders.models import (
    Account,
    AccountKind,
    Contact,
    CustomerOrder,
    CustomerOrderLine,
    CustomerOrderState,
    CustomerSegment,
    LineAction,
    LineState,
)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    number = factory.Sequence(lambda n: f"ACC{5000000 + n:07d}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    kind = AccountKind.ORGANISATION
    segment = CustomerSegment.SMALL_BUSINESS
    region = "north"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")


def _order_trait(state: CustomerOrderState) -> factory.Trait:
    return factory.Trait(state=state)


class CustomerOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerOrder

    number = factory.Sequence(lambda n: f"ORD{5000000 + n:07d}")
    account = factory.SubFactory(AccountFactory)
    state = CustomerOrderState.DRAFT

    class Params:
        submitted = _order_trait(CustomerOrderState.SUBMITTED)
        enrichment_in_progress = _order_trait(CustomerOrderState.ENRICHMENT_IN_PROGRESS)
        new = _order_trait(CustomerOrderState.NEW)
        acknowledged = _order_trait(CustomerOrderState.ACKNOWLEDGED)
        rejected = _order_trait(CustomerOrderState.REJECTED)
        in_progress = _order_trait(CustomerOrderState.IN_PROGRESS)
        completed = _order_trait(CustomerOrderState.COMPLETED)
        canceled = _order_trait(CustomerOrderState.CANCELED)


class CustomerOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerOrderLine

    order = factory.SubFactory(CustomerOrderFactory)
    line_number = factory.Sequence(lambda n: n + 1)
    action = LineAction.ADD
    quantity = 1
    state = LineState.DRAFT


def specification_with_characteristics(
    *, code: str = "FIBRE", characteristics: list[dict[str, Any]] | None = None
) -> Specification:
    """Create a published product specification with the given characteristic rows."""
    specification = Specification.objects.create(
        code=code,
        name=code.title(),
        kind=SpecificationKind.PRODUCT,
        lifecycle_status=LifecycleStatus.PUBLISHED,
    )
    for position, fields in enumerate(characteristics or []):
        CharacteristicSpec.objects.create(
            specification=specification,
            name=fields.get("code", "").title(),
            position=position,
            **fields,
        )
    return specification


def published_offering(
    *,
    code: str = "FIBRE-1G",
    specification: Specification | None = None,
    **fields: Any,
) -> ProductOffering:
    """Create a published offering; by default for a fibre spec with speed and static IP."""
    if specification is None:
        specification = specification_with_characteristics(
            code=f"{code}-SPEC",
            characteristics=[
                {
                    "code": "speed",
                    "value_type": CharacteristicValueType.CHOICE,
                    "allowed_values": ["100", "1000"],
                    "is_mandatory": True,
                },
                {"code": "static_ip", "value_type": CharacteristicValueType.BOOLEAN},
            ],
        )
    fields.setdefault("lifecycle_status", LifecycleStatus.PUBLISHED)
    return ProductOffering.objects.create(
        code=code,
        name=code.title(),
        product_specification=specification,
        **fields,
    )
