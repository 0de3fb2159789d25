"""Who acts: a signed-in user or a named background job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class Actor:
    """The author of a change, recorded on every audit event."""

    user_id: int | None
    label: str

    @classmethod
    def for_user(cls, user: AbstractBaseUser | AnonymousUser) -> Actor:
        if not user.is_authenticated:
            raise ValueError("An anonymous visitor cannot act; sign in first.")
        return cls(user_id=user.pk, label=user.get_username())

    @classmethod
    def job(cls, name: str) -> Actor:
        return cls(user_id=None, label=f"job:{name}")

    @property
    def is_job(self) -> bool:
        return self.user_id is None

    def __str__(self) -> str:
        return self.label


SYSTEM = Actor.job("system")
