"""What every versioned catalog item shares: codes, the lifecycle and its constraints."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel

# Fields of a published item that may still change: they only label it.
DISPLAY_FIELDS: frozenset[str] = frozenset({"name", "description"})

CODE_MAX_LENGTH = 64


class LifecycleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


def lifecycle_constraints(prefix: str) -> list[models.BaseConstraint]:
    """Constraints shared by every versioned catalog item."""
    return [
        models.UniqueConstraint(
            fields=["code", "version"], name=f"{prefix}_code_version_uniq"
        ),
        models.UniqueConstraint(
            fields=["code"],
            condition=Q(lifecycle_status=LifecycleStatus.DRAFT),
            name=f"{prefix}_one_draft_per_code",
        ),
        models.UniqueConstraint(
            fields=["code"],
            condition=Q(lifecycle_status=LifecycleStatus.PUBLISHED),
            name=f"{prefix}_one_published_per_code",
        ),
        models.CheckConstraint(
            condition=Q(version__gte=1), name=f"{prefix}_version_positive"
        ),
        models.CheckConstraint(
            condition=Q(lifecycle_status__in=LifecycleStatus.values),
            name=f"{prefix}_lifecycle_status_valid",
        ),
    ]


class VersionedCatalogItem(ConcurrentTransitionMixin, TimeStampedModel):
    """A catalog item with a code, a version and the draft → published → retired cycle."""

    code = models.CharField(max_length=CODE_MAX_LENGTH)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    lifecycle_status = FSMField(
        choices=LifecycleStatus.choices,
        default=LifecycleStatus.DRAFT,
        protected=True,
    )
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_draft(self) -> bool:
        return self.lifecycle_status == LifecycleStatus.DRAFT

    @property
    def is_published(self) -> bool:
        return self.lifecycle_status == LifecycleStatus.PUBLISHED

    @property
    def state(self) -> str:
        """The lifecycle status under the name InvalidTransition reads."""
        return self.lifecycle_status

    @transition(
        field=lifecycle_status,
        source=LifecycleStatus.DRAFT,
        target=LifecycleStatus.PUBLISHED,
    )
    def publish(self, *, at: datetime) -> None:
        self.published_at = at

    @transition(
        field=lifecycle_status,
        source=LifecycleStatus.PUBLISHED,
        target=LifecycleStatus.RETIRED,
    )
    def retire(self, *, at: datetime) -> None:
        self.retired_at = at
