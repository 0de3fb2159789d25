"""Per-process memo of the catalog rows that capturing and submitting an order read.

Offerings (with their specification), bundle children, characteristic definitions,
compatibility rules and work groups change rarely, and a published catalog item never
changes except its display fields and its retirement. Each memo below is forgotten as a
whole CATALOG_CACHE_TTL_SECONDS after it was started (default 5 s, 0 under tests: then
every call reads the database, as without a memo), so every process sees a change of the
catalog within that time, as for decision tables (DECISIONS_LOOKUP_TTL_SECONDS) and the
pricing setup (PRICING_CATALOG_TTL_SECONDS). Keys that match no row are remembered too.

The rows handed out are shared by every request of the process: callers read them and
never change them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Hashable, Iterable
from typing import Any, Generic, TypeVar

from django.conf import settings

from catalog.models import CompatibilityRule, OfferingRelationship, ProductOffering
from catalog.rules import CharacteristicDefinition
from catalog.selectors import specification_characteristics_many
from ordermgmt.models import WorkGroup
from orders.selectors import (
    compatibility_rules_by_source_code,
    offering_bundle_children,
    offerings_by_id,
    work_groups_by_code,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING: Any = object()


def catalog_cache_ttl_seconds() -> float:
    default = 0.0 if getattr(settings, "TESTING", False) else 5.0
    return float(getattr(settings, "CATALOG_CACHE_TTL_SECONDS", default))


class CatalogMemo(Generic[K, V]):
    """Rows by key, loaded in one call for the keys not known yet, forgotten after the
    TTL. `load` gets the missing keys and returns the rows it found by key."""

    __slots__ = ("_expires_at", "_load", "_rows")

    def __init__(self, load: Callable[[set[K]], dict[K, V]]) -> None:
        self._load = load
        self._rows: dict[K, V] = {}
        self._expires_at = 0.0

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """Return the rows of the keys that have one (one load for unknown keys)."""
        now = time.monotonic()
        if now >= self._expires_at:
            self._rows = {}
            self._expires_at = now + catalog_cache_ttl_seconds()
        rows = self._rows
        wanted = set(keys)
        missing = {key for key in wanted if key not in rows}
        if missing:
            loaded = self._load(missing)
            for key in missing:
                rows[key] = loaded.get(key, _MISSING)
        found = {}
        for key in wanted:
            row = rows.get(key, _MISSING)
            if row is not _MISSING:
                found[key] = row
        return found

    def clear(self) -> None:
        self._rows = {}
        self._expires_at = 0.0


_MEMOS: list[CatalogMemo[Any, Any]] = []


def catalog_memo(load: Callable[[set[K]], dict[K, V]]) -> CatalogMemo[K, V]:
    """Make a memo of catalog rows (same TTL) that `catalog_cache_clear` forgets too."""
    memo: CatalogMemo[K, V] = CatalogMemo(load)
    _MEMOS.append(memo)
    return memo


def _compatibility_load(codes: set[str]) -> dict[str, list[CompatibilityRule]]:
    rules = compatibility_rules_by_source_code(specification_codes=codes)
    return {code: rules.get(code, []) for code in codes}


_offerings: CatalogMemo[int, ProductOffering] = catalog_memo(
    lambda ids: offerings_by_id(offering_ids=ids)
)
_bundle_children: CatalogMemo[int, list[OfferingRelationship]] = catalog_memo(
    lambda ids: offering_bundle_children(offering_ids=ids)
)
_characteristics: CatalogMemo[int, list[CharacteristicDefinition]] = catalog_memo(
    lambda ids: specification_characteristics_many(specification_ids=ids)
)
_compatibility: CatalogMemo[str, list[CompatibilityRule]] = catalog_memo(
    _compatibility_load
)
_work_groups: CatalogMemo[str, WorkGroup] = catalog_memo(
    lambda codes: work_groups_by_code(codes=codes)
)


def offerings_by_id_cached(
    *, offering_ids: Iterable[int]
) -> dict[int, ProductOffering]:
    """Offerings with their product specification, by id (unknown ids are absent)."""
    return _offerings.get_many(offering_ids)


def offering_bundle_children_cached(
    *, offering_ids: Iterable[int]
) -> dict[int, list[OfferingRelationship]]:
    """Child relationships (child and its specification loaded) by bundle offering id."""
    return _bundle_children.get_many(offering_ids)


def specification_characteristics_cached(
    *, specification_ids: Iterable[int]
) -> dict[int, list[CharacteristicDefinition]]:
    """Characteristic definitions (children nested) by specification id."""
    return _characteristics.get_many(specification_ids)


def compatibility_rules_cached(
    *, specification_codes: Collection[str]
) -> dict[str, list[CompatibilityRule]]:
    """Compatibility rules by source specification code; codes without rules absent."""
    return {
        code: rules
        for code, rules in _compatibility.get_many(specification_codes).items()
        if rules
    }


def work_groups_by_code_cached(*, codes: Iterable[str]) -> dict[str, WorkGroup]:
    """Work groups by code (unknown codes absent)."""
    return _work_groups.get_many(codes)


def catalog_cache_clear() -> None:
    """Forget every memo of this process."""
    for memo in _MEMOS:
        memo.clear()
