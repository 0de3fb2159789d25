"""Shared fixtures: users per role, actors, and the PostgreSQL-only marker."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from ordermgmt.actor import Actor
from ordermgmt.roles import Role


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL row locks; run with DATABASE_URL=postgres://... to include it"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def make_user(db):
    """Return a function that creates a user holding the given roles."""

    def make(username: str, *roles: Role, **fields: object) -> User:
        user = User.objects.create_user(
            username=username, password="pw-" + username, **fields
        )
        if roles:
            user.groups.add(
                *Group.objects.filter(name__in=[role.label for role in roles])
            )
        return user

    return make


@pytest.fixture
def agent_user(make_user) -> User:
    return make_user("agent1", Role.ORDER_AGENT)


@pytest.fixture
def actor(agent_user) -> Actor:
    return Actor.for_user(agent_user)


@pytest.fixture
def job_actor() -> Actor:
    return Actor.job("test")
