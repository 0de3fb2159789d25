"""Refusals at the TMF edge, each with a stable code (the HTTP mapping is in tmf.api)."""

from __future__ import annotations

from enum import StrEnum

from ordermgmt.exceptions import DomainError, ValidationFailed


class TmfErrorCode(StrEnum):
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_FLIGHT = "idempotency_key_in_flight"
    ORDER_REQUEST_IN_FLIGHT = "order_request_in_flight"


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key came back with a different request body."""

    code = TmfErrorCode.IDEMPOTENCY_KEY_REUSED


class IdempotencyKeyInFlight(DomainError):
    """Another request with the same Idempotency-Key is being processed right now."""

    code = TmfErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT


class OrderRequestInFlight(DomainError):
    """An asynchronous request for the same customer and externalId is still queued."""

    code = TmfErrorCode.ORDER_REQUEST_IN_FLIGHT


class TmfBodyErrorCode(StrEnum):
    """TMF630 error codes for a request body the server cannot accept."""

    MISSING_BODY = "21"
    INVALID_BODY = "22"
    MISSING_BODY_FIELD = "23"
    INVALID_BODY_FIELD = "24"


class PayloadInvalid(ValidationFailed):
    """A TMF payload of the wrong shape; `errors` is keyed by the TMF attribute path."""

    def __init__(
        self,
        message: str,
        *,
        errors: dict[str, list[str]] | None = None,
        tmf_code: str = TmfBodyErrorCode.INVALID_BODY_FIELD,
    ) -> None:
        super().__init__(message, errors=errors)
        self.tmf_code = tmf_code
