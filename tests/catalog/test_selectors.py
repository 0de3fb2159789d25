"""Catalog selectors: published look-ups, characteristics and the specification tree."""

from __future__ import annotations

import pytest
from django.db import transaction

from catalog.models import SpecificationRelationshipType
from catalog.selectors import (
    offering_get_published,
    specification_characteristics,
    specification_get_for_update,
    specification_reachable_ids,
    specification_tree,
)
from ordermgmt.exceptions import NotFound
from tests.catalog.factories import (
    CharacteristicSpecFactory,
    ProductOfferingFactory,
    SpecificationFactory,
    SpecificationRelationshipFactory,
)

pytestmark = pytest.mark.django_db


def test_offering_get_published_returns_the_published_version():
    ProductOfferingFactory(code="fibre", retired=True)
    published = ProductOfferingFactory(code="fibre", version=2, published=True)
    ProductOfferingFactory(code="fibre", version=3)
    assert offering_get_published(code="fibre") == published


def test_offering_get_published_raises_not_found():
    ProductOfferingFactory(code="draft-only")
    with pytest.raises(NotFound):
        offering_get_published(code="draft-only")


def test_specification_characteristics_nests_children_in_one_query(
    django_assert_num_queries,
):
    spec = SpecificationFactory()
    site = CharacteristicSpecFactory(
        specification=spec, code="site", value_type="object", position=2
    )
    CharacteristicSpecFactory(specification=spec, code="city", parent=site)
    CharacteristicSpecFactory(specification=spec, code="speed", position=1)
    with django_assert_num_queries(1):
        chars = specification_characteristics(specification_id=spec.pk)
    assert [c.code for c in chars] == ["speed", "site"]
    assert [c.code for c in chars[1].children] == ["city"]


def build_tree(depth: int, width: int):
    """A tree `depth` levels deep and `width` wide, with a characteristic per node."""
    root = SpecificationFactory()
    CharacteristicSpecFactory(specification=root)
    level = [root]
    for _ in range(depth):
        next_level = []
        for parent in level:
            for _ in range(width):
                rel = SpecificationRelationshipFactory(
                    source=parent,
                    relationship_type=SpecificationRelationshipType.BUNDLES,
                )
                CharacteristicSpecFactory(specification=rel.target)
                next_level.append(rel.target)
        level = next_level
    return root


@pytest.mark.parametrize(("depth", "width"), [(1, 1), (3, 2), (5, 3)])
def test_specification_tree_query_count_is_bounded(
    django_assert_max_num_queries, depth, width
):
    root = build_tree(depth, width)
    with django_assert_max_num_queries(4):
        tree = specification_tree(specification_id=root.pk)
    nodes = list(tree.walk())
    assert len(nodes) == sum(width**level for level in range(depth + 1))
    assert max(level for level, _ in nodes) == depth
    assert all(len(node.characteristics) == 1 for _, node in nodes)


def test_specification_tree_shares_a_child_of_two_parents():
    root, left, right, shared = (SpecificationFactory() for _ in range(4))
    for source, target in [
        (root, left),
        (root, right),
        (left, shared),
        (right, shared),
    ]:
        SpecificationRelationshipFactory(source=source, target=target)
    tree = specification_tree(specification_id=root.pk)
    leaves = [
        edge.node for branch in tree.relationships for edge in branch.node.relationships
    ]
    assert [leaf.specification for leaf in leaves] == [shared, shared]
    assert specification_reachable_ids(specification_id=root.pk) == {
        left.pk,
        right.pk,
        shared.pk,
    }


def test_specification_tree_of_a_missing_spec_is_not_found():
    with pytest.raises(NotFound):
        specification_tree(specification_id=123456)


def test_lock_function_returns_the_row_and_not_found():
    spec = SpecificationFactory()
    with transaction.atomic():
        assert specification_get_for_update(specification_id=spec.pk) == spec
    with pytest.raises(NotFound), transaction.atomic():
        specification_get_for_update(specification_id=spec.pk + 1000)
