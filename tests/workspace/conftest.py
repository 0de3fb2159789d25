"""Workspace fixtures: people per role, a small priced catalog, orders in each state, and
the demo data for the fulfillment pages."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from catalog.models import (
    CharacteristicSpec,
    CharacteristicValueType,
    ChargeType,
    LifecycleStatus,
    OfferingRelationship,
    ProductOffering,
    Specification,
    SpecificationKind,
)
from decisions.evaluator import decision_cache_clear
from decomposition.selectors import decomposition_cache_clear
from fixtures.demo.load import demo_load
from ordermgmt.models import WorkGroup
from ordermgmt.roles import Role
from orders.models import Account, CustomerSegment
from tests.catalog.factories import CategoryFactory
from tests.orders.factories import AccountFactory
from tests.orders.pricing.factories import price_list

T = CharacteristicValueType


@pytest.fixture(autouse=True)
def _fresh_decision_cache():
    decision_cache_clear()
    yield
    decision_cache_clear()


@pytest.fixture
def agent(make_user) -> User:
    return make_user("agent", Role.ORDER_AGENT, first_name="Omar", last_name="Agent")


@pytest.fixture
def approver(make_user) -> User:
    user = make_user("approver", Role.ORDER_APPROVER)
    group, _ = WorkGroup.objects.get_or_create(
        code="approvers", defaults={"name": "Order approvers"}
    )
    group.members.add(user)
    return user


@pytest.fixture
def fulfiller(make_user) -> User:
    return make_user("fulfiller", Role.FULFILLMENT_AGENT)


@pytest.fixture
def customer_user(make_user) -> User:
    return make_user("customer", Role.CUSTOMER)


@pytest.fixture
def provisioning(fulfiller) -> WorkGroup:
    group = WorkGroup.objects.create(code="provisioning", name="Provisioning")
    group.members.add(fulfiller)
    return group


@pytest.fixture
def account(db) -> Account:
    return AccountFactory(
        name="Harbour Café", segment=CustomerSegment.CONSUMER, currency="EUR"
    )


def _char(
    spec: Specification, code: str, value_type: str, **fields
) -> CharacteristicSpec:
    return CharacteristicSpec.objects.create(
        specification=spec,
        code=code,
        name=fields.pop("name", code.replace("_", " ").capitalize()),
        value_type=value_type,
        position=CharacteristicSpec.objects.filter(specification=spec).count(),
        **fields,
    )


@dataclass
class Catalog:
    internet: ProductOffering
    bundle: ProductOffering


@pytest.fixture
def catalog(db) -> Catalog:
    """An internet offering whose specification has one characteristic of each type,
    a bundle that includes it, and a published EUR price list for both."""
    spec = Specification.objects.create(
        code="PS_NET",
        name="Internet",
        kind=SpecificationKind.PRODUCT,
        lifecycle_status=LifecycleStatus.PUBLISHED,
    )
    _char(
        spec,
        "bandwidth",
        T.CHOICE,
        allowed_values=[100, 300],
        default_value=300,
        is_mandatory=True,
        unit="Mbps",
    )
    _char(spec, "static_ip", T.BOOLEAN, default_value=False)
    _char(spec, "boxes", T.INTEGER, min_value=Decimal(1), max_value=Decimal(4))
    _char(spec, "ready_on", T.DATE)
    _char(spec, "installation_address", T.ADDRESS)
    site = _char(spec, "site", T.OBJECT)
    CharacteristicSpec.objects.create(
        specification=spec,
        parent=site,
        code="floor",
        name="Floor",
        value_type=T.INTEGER,
        position=0,
    )
    bundle_spec = Specification.objects.create(
        code="PS_HOME",
        name="Home bundle",
        kind=SpecificationKind.PRODUCT,
        lifecycle_status=LifecycleStatus.PUBLISHED,
    )
    category = CategoryFactory(name="Internet")
    internet = ProductOffering.objects.create(
        code="OFF_NET",
        name="Home Internet",
        product_specification=spec,
        category=category,
        lifecycle_status=LifecycleStatus.PUBLISHED,
    )
    bundle = ProductOffering.objects.create(
        code="OFF_HOME",
        name="Home Bundle",
        product_specification=bundle_spec,
        category=CategoryFactory(name="Bundles"),
        is_bundle=True,
        lifecycle_status=LifecycleStatus.PUBLISHED,
    )
    OfferingRelationship.objects.create(parent=bundle, child=internet)
    price_list(
        "PL_TEST_EUR",
        prices=[
            (internet, ChargeType.ONE_TIME, "50.00"),
            (internet, ChargeType.RECURRING, "30.00"),
            (bundle, ChargeType.RECURRING, "0.00"),
        ],
    )
    return Catalog(internet=internet, bundle=bundle)


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo data, loaded once per test module in a transaction rolled back at its
    end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        decision_cache_clear()
        decomposition_cache_clear()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_load()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            decision_cache_clear()
            decomposition_cache_clear()


@pytest.fixture
def demo(demo_module, db) -> dict[str, User]:
    """The demo catalog, plans, work groups and users (by username)."""
    return {user.username: user for user in User.objects.all()}
