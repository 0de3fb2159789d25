"""Row locks for services: refuse to lock outside a transaction (STYLE.md section 5)."""

from __future__ import annotations

from typing import TypeVar

from django.db import models, transaction

from ordermgmt.exceptions import NotFound

M = TypeVar("M", bound=models.Model)


def lock_one(queryset: models.QuerySet[M], *, pk: int | str, label: str) -> M:
    """Lock and return one row of `queryset`; raise NotFound when it does not exist."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside the service's transaction.")
    try:
        return queryset.select_for_update(of=("self",)).get(pk=pk)
    except queryset.model.DoesNotExist as exc:
        raise NotFound(f"{label} {pk} does not exist.") from exc


def lock_many(queryset: models.QuerySet[M]) -> list[M]:
    """Lock rows in ascending primary key order, the project's rule against deadlocks."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside the service's transaction.")
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))
