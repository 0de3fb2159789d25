"""Fixtures of the decisions tests: a clean evaluator cache per test, a process admin."""

from __future__ import annotations

import pytest

from decisions.evaluator import decision_cache_clear


@pytest.fixture(autouse=True)
def _fresh_decision_cache():
    decision_cache_clear()
    yield
    decision_cache_clear()
