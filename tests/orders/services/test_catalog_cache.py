"""The per-process memo of catalog rows: one read for unknown keys, misses remembered,
everything forgotten after CATALOG_CACHE_TTL_SECONDS (0 under tests: no memo)."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings

from catalog.models import LifecycleStatus, ProductOffering
from orders.services import catalog_cache
from orders.services.catalog_cache import (
    CatalogMemo,
    catalog_cache_clear,
    offerings_by_id_cached,
)
from tests.orders.factories import published_offering

pytestmark = pytest.mark.django_db


@pytest.fixture
def loads():
    calls: list[set[int]] = []

    def load(keys: set[int]) -> dict[int, str]:
        calls.append(set(keys))
        return {key: f"row {key}" for key in keys if key % 2 == 0}

    return calls, CatalogMemo(load)


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(catalog_cache.time, "monotonic", lambda: now[0])
    return now


@override_settings(CATALOG_CACHE_TTL_SECONDS=5)
def test_memo_reads_only_unknown_keys_and_remembers_misses(loads, clock):
    calls, memo = loads

    assert memo.get_many([2, 3]) == {2: "row 2"}
    assert memo.get_many([2, 3, 4]) == {2: "row 2", 4: "row 4"}
    assert memo.get_many([3, 4]) == {4: "row 4"}

    assert calls == [{2, 3}, {4}]


@override_settings(CATALOG_CACHE_TTL_SECONDS=5)
def test_memo_forgets_everything_after_the_time_to_live(loads, clock):
    calls, memo = loads
    memo.get_many([2])

    clock[0] += 4.9
    memo.get_many([2])
    clock[0] += 0.2
    memo.get_many([2])

    assert calls == [{2}, {2}]


@override_settings(CATALOG_CACHE_TTL_SECONDS=0)
def test_a_zero_time_to_live_reads_every_time(loads, clock):
    calls, memo = loads
    memo.get_many([2])
    memo.get_many([2])
    assert calls == [{2}, {2}]


@override_settings(CATALOG_CACHE_TTL_SECONDS=60)
def test_offerings_are_served_from_the_memo_until_it_is_cleared(
    django_assert_num_queries,
):
    catalog_cache_clear()
    offering = published_offering(code="MEMO")
    try:
        assert (
            offerings_by_id_cached(offering_ids=[offering.pk])[offering.pk] == offering
        )
        ProductOffering.objects.filter(pk=offering.pk).update(
            lifecycle_status=LifecycleStatus.RETIRED
        )
        with django_assert_num_queries(0):
            cached = offerings_by_id_cached(offering_ids=[offering.pk])[offering.pk]
        assert cached.lifecycle_status == LifecycleStatus.PUBLISHED

        catalog_cache_clear()

        fresh = offerings_by_id_cached(offering_ids=[offering.pk])[offering.pk]
        assert fresh.lifecycle_status == LifecycleStatus.RETIRED
    finally:
        catalog_cache_clear()
