"""Fixtures of the pricing tests: clean decision-table and pricing caches per test."""

from __future__ import annotations

import pytest

from decisions.evaluator import decision_cache_clear
from orders.pricing.loader import pricing_cache_clear


@pytest.fixture(autouse=True)
def _fresh_caches():
    decision_cache_clear()
    pricing_cache_clear()
    yield
    decision_cache_clear()
    pricing_cache_clear()
