"""Two callers at once: the graph lock keeps them from closing a cycle together."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from catalog.models import SpecificationRelationship, SpecificationRelationshipType
from catalog.services import specification_relationship_add
from ordermgmt.actor import Actor
from ordermgmt.exceptions import CycleError
from tests.catalog.factories import SpecificationFactory

ACTOR = Actor.job("test")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_edges_added_at_once_cannot_close_a_cycle():
    # given: a and b, each locked by a different caller (different source rows)
    a, b = SpecificationFactory(), SpecificationFactory()
    first_added = threading.Event()
    release_first = threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                specification_relationship_add(
                    source_id=a.pk,
                    target_id=b.pk,
                    relationship_type=SpecificationRelationshipType.BUNDLES,
                    actor=ACTOR,
                )
                first_added.set()
                release_first.wait(timeout=10)
        finally:
            connection.close()

    def second() -> None:
        try:
            specification_relationship_add(
                source_id=b.pk,
                target_id=a.pk,
                relationship_type=SpecificationRelationshipType.REQUIRES,
                actor=ACTOR,
            )
            outcome["second"] = "added"
        except CycleError:
            outcome["second"] = "cycle"
        finally:
            connection.close()

    # when: the second caller starts while the first holds its transaction open
    t1 = threading.Thread(target=first)
    t1.start()
    assert first_added.wait(timeout=10)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(timeout=0.5)
    blocked = t2.is_alive()
    release_first.set()
    t1.join(timeout=10)
    t2.join(timeout=10)

    # then: the second waited for the first and then saw the edge it made
    assert blocked
    assert outcome == {"second": "cycle"}
    assert SpecificationRelationship.objects.count() == 1
