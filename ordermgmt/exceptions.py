"""DomainError: a refused business operation with a stable code (mapped to 409 / forms)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    NOT_FOUND = "not_found"
    VALIDATION_FAILED = "validation_failed"
    IMMUTABLE = "immutable"
    CYCLE = "cycle"
    CONCURRENT_UPDATE = "concurrent_update"
    PERMISSION_DENIED = "permission_denied"


class DomainError(Exception):
    """Base of every business refusal; subclasses fix `code`, callers give the message."""

    code: str = "domain_error"

    def __init__(
        self, message: str, *, code: str | None = None, **details: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class InvalidTransition(DomainError):
    code = ErrorCode.INVALID_TRANSITION

    def __init__(
        self, *, subject: object, transition: str, state: str | None = None
    ) -> None:
        current = state if state is not None else getattr(subject, "state", "?")
        super().__init__(
            f"{subject} cannot {transition.replace('_', ' ')} while it is {current}.",
            transition=transition,
            state=str(current),
        )


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class ValidationFailed(DomainError):
    """Input that breaks a business rule; `errors` maps a field (or '__all__') to messages."""

    code = ErrorCode.VALIDATION_FAILED

    def __init__(
        self, message: str, *, errors: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(message, errors=errors or {})
        self.errors = errors or {}


class ImmutableError(DomainError):
    code = ErrorCode.IMMUTABLE


class CycleError(DomainError):
    code = ErrorCode.CYCLE


class ConcurrentUpdate(DomainError):
    code = ErrorCode.CONCURRENT_UPDATE
