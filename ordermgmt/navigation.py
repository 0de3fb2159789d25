"""Where each role works: the home redirect and the navigation links come from here."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from ordermgmt.roles import Role, user_roles


@dataclass(frozen=True)
class Place:
    role: Role
    title: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# Ordered: a user holding several roles lands on the first place it has.
PLACES: tuple[Place, ...] = (
    Place(Role.PROCESS_ADMIN, "Admin", "admin:index"),
    Place(Role.ORDER_AGENT, "Orders", "workspace:agent"),
    Place(Role.ORDER_APPROVER, "Approvals", "workspace:approver"),
    Place(Role.ORDER_MANAGER, "Order management", "workspace:order-manager"),
    Place(Role.FULFILLMENT_AGENT, "Fulfillment tasks", "workspace:fulfillment"),
    Place(Role.FULFILLMENT_MANAGER, "Fulfillment", "workspace:fulfillment-manager"),
    Place(Role.FULFILLMENT_MANAGER, "Jeopardy", "workspace:jeopardy-board"),
    Place(Role.FALLOUT_AGENT, "Fallout", "workspace:fallout"),
    Place(Role.FALLOUT_MANAGER, "Fallout management", "workspace:fallout-manager"),
    Place(Role.INTEGRATOR, "API", "api-docs"),
    Place(Role.CUSTOMER, "My account", "portal:home"),
)


def places_for(user: object) -> list[Place]:
    """Return the places a user may work in, in navigation order."""
    if getattr(user, "is_superuser", False):
        return list(PLACES)
    roles = user_roles(user)
    return [place for place in PLACES if place.role in roles]
