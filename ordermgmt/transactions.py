"""The transaction every service opens (STYLE.md section 5), without nested savepoints.

A service that another service calls runs inside its caller's transaction. Django's
`atomic()` would wrap each such call in a savepoint (two more statements each), though
no service catches another's error and goes on: an error inside aborts the outermost
service as a whole. So `service_atomic()` opens a savepoint only for the outermost
service of a call chain, where a caller (a test, a per-row import) may catch the error
and go on, and nested services join the transaction as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_IN_SERVICE: ContextVar[bool] = ContextVar("ordermgmt_in_service", default=False)


@contextmanager
def service_atomic() -> Iterator[None]:
    """`transaction.atomic()` for a service; nested services add no savepoint."""
    if _IN_SERVICE.get() and transaction.get_connection().in_atomic_block:
        with transaction.atomic(savepoint=False):
            yield
        return
    token = _IN_SERVICE.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _IN_SERVICE.reset(token)
