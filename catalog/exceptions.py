"""Catalog refusals, each with a stable code."""

from ordermgmt.exceptions import DomainError


class PublishBlocked(DomainError):
    """The item is not ready to publish (a draft child, a missing choice list...)."""

    code = "catalog.publish_blocked"


class DraftVersionExists(DomainError):
    """A code may have one draft at a time; finish or delete it first."""

    code = "catalog.draft_version_exists"
