"""Catalog admin for process admins: search, filters, inlines, lifecycle actions calling
the services, and a read-only tree of a specification.

Published and retired items show every field read-only except `DISPLAY_FIELDS`, and
their inlines cannot be changed; a change starts with the "new version" action.
"""

from catalog.admin import offerings, pricing, specifications

__all__ = ["offerings", "pricing", "specifications"]
