"""Customer accounts, their contacts, and the portal users who belong to an account."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel
from orders.models.common import currency_validator


class AccountKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    CONSUMER = "consumer", "Consumer"


class CustomerSegment(models.TextChoices):
    CONSUMER = "consumer", "Consumer"
    SMALL_BUSINESS = "small_business", "Small business"
    ENTERPRISE = "enterprise", "Enterprise"
    WHOLESALE = "wholesale", "Wholesale"


class AccountState(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"


class ContactRole(models.TextChoices):
    PRIMARY = "primary", "Primary"
    BILLING = "billing", "Billing"
    TECHNICAL = "technical", "Technical"
    SITE = "site", "Site"


class Account(ConcurrentTransitionMixin, TimeStampedModel):
    """A customer: an organisation or a consumer, who owns orders and inventory."""

    # Set from the primary key in the creating transaction; NULL only inside it.
    number = models.CharField(max_length=20, unique=True, null=True, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=16, choices=AccountKind.choices, default=AccountKind.ORGANISATION
    )
    segment = models.CharField(
        max_length=24, choices=CustomerSegment.choices, default=CustomerSegment.CONSUMER
    )
    region = models.CharField(max_length=64, blank=True, default="")
    currency = models.CharField(
        max_length=3, default="EUR", validators=[currency_validator]
    )
    # Postal addresses as TMF-like dicts: {"street", "city", "postcode", "country"}.
    billing_address = models.JSONField(default=dict, blank=True)
    service_address = models.JSONField(default=dict, blank=True)
    state = FSMField(
        max_length=16,
        choices=AccountState.choices,
        default=AccountState.ACTIVE,
        protected=True,
    )
    suspended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(segment__in=CustomerSegment.values),
                name="orders_account_segment_valid",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"),
                name="orders_account_currency_iso",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})" if self.number else self.name

    @transition(field=state, source=AccountState.ACTIVE, target=AccountState.SUSPENDED)
    def suspend(self, *, at: datetime) -> None:
        self.suspended_at = at

    @transition(field=state, source=AccountState.SUSPENDED, target=AccountState.ACTIVE)
    def reactivate(self) -> None:
        self.suspended_at = None


class Contact(TimeStampedModel):
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    role = models.CharField(
        max_length=16, choices=ContactRole.choices, default=ContactRole.PRIMARY
    )

    class Meta:
        ordering = ["account_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class AccountUser(TimeStampedModel):
    """A portal user's membership of one customer account."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="portal_users"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_user"
    )

    class Meta:
        ordering = ["account_id", "id"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.account_id}"
