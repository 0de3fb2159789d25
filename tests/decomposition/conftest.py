"""The demo catalog, loaded once per test module inside a transaction rolled back at the
end; each test runs in a savepoint inside it."""

from __future__ import annotations

import pytest
from django.db import transaction

from decisions.evaluator import decision_cache_clear
from decomposition.selectors import decomposition_cache_clear
from fixtures.demo.load import demo_load


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
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
def demo(demo_module, db):
    """The demo catalog, users and accounts (read-only use; changes roll back)."""
