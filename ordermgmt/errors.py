"""Where a DomainError becomes something a person or a client reads: 409 or form errors.

The TMF error body ({code, reason, message, status}) is the one shape for every API error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ordermgmt.exceptions import DomainError, ErrorCode, NotFound, ValidationFailed

# TMF630 numeric codes by HTTP status.
_TMF_CODES = {
    400: "21",
    401: "40",
    403: "50",
    404: "60",
    405: "61",
    409: "70",
    500: "1",
}
_REASONS = {
    400: "Invalid request",
    401: "Missing or invalid credentials",
    403: "Forbidden",
    404: "Resource not found",
    405: "Method not allowed",
    409: "Conflict",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal error",
}


def tmf_error_body(*, status_code: int, message: str, **extra: Any) -> dict[str, Any]:
    """Return the TMF Error body for an HTTP status and a human message."""
    body: dict[str, Any] = {
        "code": _TMF_CODES.get(status_code, str(status_code)),
        "reason": _REASONS.get(status_code, "Error"),
        "message": message,
        "status": str(status_code),
        "@type": "Error",
    }
    body.update(extra)
    return body


def domain_error_status(error: DomainError) -> int:
    if error.code == ErrorCode.NOT_FOUND or isinstance(error, NotFound):
        return status.HTTP_404_NOT_FOUND
    if isinstance(error, ValidationFailed):
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_409_CONFLICT


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: domain refusals → 409 (404/400 where apt), all in TMF shape."""
    if isinstance(exc, DomainError):
        status_code = domain_error_status(exc)
        body = tmf_error_body(
            status_code=status_code, message=exc.message, errorCode=str(exc.code)
        )
        if exc.details:
            body["details"] = exc.details
        return Response(body, status=status_code)
    response = exception_handler(exc, context)
    if response is None:
        return None
    message = _flatten_detail(response.data)
    if isinstance(exc, drf_exceptions.ValidationError):
        response.data = tmf_error_body(
            status_code=response.status_code, message=message, details=response.data
        )
    else:
        response.data = tmf_error_body(
            status_code=response.status_code, message=message
        )
    return response


def _flatten_detail(data: Any, prefix: str = "") -> str:
    if isinstance(data, dict):
        parts = [
            _flatten_detail(value, f"{prefix}{key}: ") for key, value in data.items()
        ]
        return "; ".join(part for part in parts if part)
    if isinstance(data, list):
        return "; ".join(_flatten_detail(item, prefix) for item in data)
    return f"{prefix}{data}"


def form_add_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Put a DomainError on a bound form: per-field messages where known, else non-field."""
    field_errors = (
        error.details.get("errors") if isinstance(error.details, dict) else None
    )
    if isinstance(field_errors, dict) and field_errors:
        for field, messages in field_errors.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message if target else f"{field}: {message}")
        return
    form.add_error(None, error.message)
