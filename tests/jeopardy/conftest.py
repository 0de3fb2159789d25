"""Fixtures of the jeopardy tests: a clean decision cache and in-memory email."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from decisions.evaluator import decision_cache_clear


@pytest.fixture(autouse=True)
def _fresh_decision_cache() -> Iterator[None]:
    decision_cache_clear()
    yield
    decision_cache_clear()


@pytest.fixture(autouse=True)
def _memory_mail(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
