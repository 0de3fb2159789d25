"""Reads of the catalog: published items, characteristic definitions, the specification
tree, graph reachability and the lock functions the services use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, models, transaction

from catalog.models import (
    AttributeMappingRule,
    CharacteristicSpec,
    CompatibilityRule,
    LifecycleStatus,
    OfferingRelationship,
    PriceList,
    PriceListLine,
    ProductOffering,
    Specification,
    SpecificationRelationship,
)
from catalog.rules import CharacteristicDefinition
from ordermgmt.exceptions import NotFound
from ordermgmt.locking import lock_one

# Keys of the PostgreSQL advisory locks that serialise edits of a relationship graph.
SPECIFICATION_GRAPH_LOCK_KEY = 7_301_001
OFFERING_GRAPH_LOCK_KEY = 7_301_002


# --- published items ---------------------------------------------------------------


def offering_get_published(*, code: str) -> ProductOffering:
    """Return the published version of an offering, with its specification and category."""
    try:
        return ProductOffering.objects.select_related(
            "product_specification", "category"
        ).get(code=code, lifecycle_status=LifecycleStatus.PUBLISHED)
    except ProductOffering.DoesNotExist as exc:
        raise NotFound(f"No published offering with code {code!r}.") from exc


def offering_list_published(*, sellable_only: bool = True) -> list[ProductOffering]:
    """Return the published offerings, sellable ones only unless told otherwise."""
    offerings = ProductOffering.objects.filter(
        lifecycle_status=LifecycleStatus.PUBLISHED
    ).select_related("product_specification", "category")
    if sellable_only:
        offerings = offerings.filter(is_sellable=True)
    return list(offerings.order_by("category__position", "name"))


def specification_get_published(*, code: str) -> Specification:
    """Return the published version of a specification."""
    try:
        return Specification.objects.get(
            code=code, lifecycle_status=LifecycleStatus.PUBLISHED
        )
    except Specification.DoesNotExist as exc:
        raise NotFound(f"No published specification with code {code!r}.") from exc


def offering_child_relationships(*, offering_id: int) -> list[OfferingRelationship]:
    """Return a bundle offering's child relationships with the child offerings."""
    return list(
        OfferingRelationship.objects.filter(parent_id=offering_id)
        .select_related("child", "child__product_specification")
        .order_by("position", "id")
    )


def price_list_lines(*, price_list_id: int) -> list[PriceListLine]:
    """Return a price list's lines with their offerings."""
    return list(
        PriceListLine.objects.filter(price_list_id=price_list_id).select_related(
            "offering"
        )
    )


def compatibility_rules_for(
    *, specification_ids: Iterable[int]
) -> list[CompatibilityRule]:
    """Return the compatibility rules whose source is one of the specifications."""
    return list(
        CompatibilityRule.objects.filter(
            source_id__in=set(specification_ids)
        ).select_related("source", "target")
    )


def attribute_mapping_rules_for(
    *, source_ids: Iterable[int]
) -> list[AttributeMappingRule]:
    """Return the attribute-mapping rules whose source is one of the specifications."""
    return list(
        AttributeMappingRule.objects.filter(source_id__in=set(source_ids)).order_by(
            "source_id", "position", "id"
        )
    )


# --- characteristics ---------------------------------------------------------------


def _definitions_from_rows(
    rows: Iterable[CharacteristicSpec],
) -> dict[int, list[CharacteristicDefinition]]:
    """Nest characteristic rows (children under parents) per specification id."""
    rows = sorted(rows, key=lambda row: (row.position, row.code))
    children_of: dict[int, list[CharacteristicSpec]] = defaultdict(list)
    for row in rows:
        if row.parent_id is not None:
            children_of[row.parent_id].append(row)

    def build(row: CharacteristicSpec) -> CharacteristicDefinition:
        return CharacteristicDefinition(
            id=row.pk,
            code=row.code,
            name=row.name,
            value_type=row.value_type,
            allowed_values=tuple(row.allowed_values or ()),
            default_value=row.default_value,
            is_mandatory=row.is_mandatory,
            is_customer_configurable=row.is_customer_configurable,
            min_value=row.min_value,
            max_value=row.max_value,
            unit=row.unit,
            position=row.position,
            children=tuple(build(child) for child in children_of[row.pk]),
        )

    by_spec: dict[int, list[CharacteristicDefinition]] = defaultdict(list)
    for row in rows:
        if row.parent_id is None:
            by_spec[row.specification_id].append(build(row))
    return by_spec


def specification_characteristics(
    *, specification_id: int
) -> list[CharacteristicDefinition]:
    """Return a specification's characteristics, children nested, in one query."""
    rows = CharacteristicSpec.objects.filter(specification_id=specification_id)
    return _definitions_from_rows(rows).get(specification_id, [])


def specification_characteristics_many(
    *, specification_ids: Iterable[int]
) -> dict[int, list[CharacteristicDefinition]]:
    """Return the characteristics of several specifications by id, in one query."""
    ids = set(specification_ids)
    by_spec = _definitions_from_rows(
        CharacteristicSpec.objects.filter(specification_id__in=ids)
    )
    return {spec_id: by_spec.get(spec_id, []) for spec_id in ids}


# --- the relationship graph --------------------------------------------------------


def _reachable_ids(*, table: str, source: str, target: str, start_id: int) -> set[int]:
    # One recursive query whatever the depth; UNION (not UNION ALL) stops on repeats.
    sql = (
        f"WITH RECURSIVE reach(id) AS ("
        f" SELECT r.{target} FROM {table} r WHERE r.{source} = %s"
        f" UNION"
        f" SELECT r.{target} FROM {table} r JOIN reach ON r.{source} = reach.id"
        f") SELECT id FROM reach"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start_id])
        return {row[0] for row in cursor.fetchall()}


def specification_reachable_ids(*, specification_id: int) -> set[int]:
    """Return the ids of every specification below one, through any relationship."""
    return _reachable_ids(
        table=SpecificationRelationship._meta.db_table,
        source="source_id",
        target="target_id",
        start_id=specification_id,
    )


def offering_reachable_ids(*, offering_id: int) -> set[int]:
    """Return the ids of every offering below a bundle offering."""
    return _reachable_ids(
        table=OfferingRelationship._meta.db_table,
        source="parent_id",
        target="child_id",
        start_id=offering_id,
    )


@dataclass(frozen=True)
class SpecificationTreeEdge:
    relationship: SpecificationRelationship
    node: SpecificationTreeNode


@dataclass(frozen=True)
class SpecificationTreeNode:
    specification: Specification
    characteristics: tuple[CharacteristicDefinition, ...]
    relationships: tuple[SpecificationTreeEdge, ...]

    def walk(self, depth: int = 0) -> Iterable[tuple[int, SpecificationTreeNode]]:
        """Yield (depth, node) depth-first; a shared child appears under each parent."""
        yield depth, self
        for edge in self.relationships:
            yield from edge.node.walk(depth + 1)


def specification_tree(*, specification_id: int) -> SpecificationTreeNode:
    """Return the specification with everything below it, in four queries at most."""
    try:
        root = Specification.objects.get(pk=specification_id)
    except Specification.DoesNotExist as exc:
        raise NotFound(f"Specification {specification_id} does not exist.") from exc
    spec_ids = specification_reachable_ids(specification_id=root.pk) | {root.pk}
    relationships = list(
        SpecificationRelationship.objects.filter(source_id__in=spec_ids)
        .select_related("target")
        .order_by("position", "id")
    )
    characteristics = specification_characteristics_many(specification_ids=spec_ids)
    specs: dict[int, Specification] = {root.pk: root}
    edges_by_source: dict[int, list[SpecificationRelationship]] = defaultdict(list)
    for rel in relationships:
        specs[rel.target_id] = rel.target
        edges_by_source[rel.source_id].append(rel)

    # The graph is acyclic (services refuse cycles), so building bottom-up terminates;
    # a node shared by two parents is built once.
    built: dict[int, SpecificationTreeNode] = {}

    def build(spec_id: int) -> SpecificationTreeNode:
        if spec_id not in built:
            built[spec_id] = SpecificationTreeNode(
                specification=specs[spec_id],
                characteristics=tuple(characteristics.get(spec_id, [])),
                relationships=tuple(
                    SpecificationTreeEdge(relationship=rel, node=build(rel.target_id))
                    for rel in edges_by_source[spec_id]
                ),
            )
        return built[spec_id]

    return build(root.pk)


# --- locks -------------------------------------------------------------------------


def specification_get_for_update(*, specification_id: int) -> Specification:
    """Lock and return one specification."""
    return lock_one(
        Specification.objects.all(), pk=specification_id, label="Specification"
    )


def offering_get_for_update(*, offering_id: int) -> ProductOffering:
    """Lock and return one product offering."""
    return lock_one(
        ProductOffering.objects.all(), pk=offering_id, label="Product offering"
    )


def price_list_get_for_update(*, price_list_id: int) -> PriceList:
    """Lock and return one price list."""
    return lock_one(PriceList.objects.all(), pk=price_list_id, label="Price list")


def versions_get_for_update(
    *, model: type[models.Model], code: str, extra_pk: int
) -> list[models.Model]:
    """Lock the draft and published versions of one code (and `extra_pk`), in pk order."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks are taken inside the service's transaction.")
    queryset = model._default_manager.filter(  # type: ignore[attr-defined]
        models.Q(code=code)
        & models.Q(
            lifecycle_status__in=[LifecycleStatus.DRAFT, LifecycleStatus.PUBLISHED]
        )
        | models.Q(pk=extra_pk)
    )
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def relationship_graph_lock(*, key: int) -> None:
    """Serialise edits of one relationship graph so that two edges cannot close a cycle.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: writers are already serial
    (immediate transactions), so nothing to do.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The graph lock is taken inside the service's transaction.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
