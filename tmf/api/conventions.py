"""TMF630 conventions shared by every TMF API view (../shared/tmf/CONVENTIONS.md).

Dates in one UTC form with milliseconds and `Z`; `fields=` attribute selection; `offset` /
`limit` paging with X-Total-Count / X-Result-Count; equality filters on first-level
attributes (with `.gt/.gte/.lt/.lte` on dates and `a,b` for OR); the TMF Error body with
TMF630 codes for every refusal; a JSON parser that refuses oversize, malformed or
non-object bodies with 400 instead of failing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ordermgmt.errors import api_exception_handler
from ordermgmt.exceptions import ValidationFailed
from tmf.exceptions import PayloadInvalid, TmfBodyErrorCode
from tmf.product_order_input import db_int
from tmf.selectors import api_token_with_user_get, user_model_perms_load

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ONE_MS = timedelta(milliseconds=1)

# TMF630 codes beyond the kernel's one-per-status defaults.
CODE_INVALID_QUERY = "28"
CODE_INVALID_HEADER = "26"
CODE_INVALID_CREDENTIALS = "41"


# --- values --------------------------------------------------------------------------


def tmf_datetime(value: datetime | None) -> str | None:
    """Format a date-time as TMF clients read and filter it: 2026-11-26T10:15:30.123Z."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def tmf_money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"unit": currency, "value": float(amount)}


def fields_select(
    representation: dict[str, Any], fields: frozenset[str] | None
) -> dict[str, Any]:
    """Keep only the asked first-level attributes, plus id and href."""
    if fields is None:
        return representation
    return {
        key: value
        for key, value in representation.items()
        if key in fields or key in {"id", "href"}
    }


# --- errors --------------------------------------------------------------------------


class InvalidQuery(drf_exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid query parameter."


class BodyInvalid(drf_exceptions.APIException):
    """A body that is not a JSON object of acceptable size."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid body."

    def __init__(self, detail: str, *, tmf_code: str = TmfBodyErrorCode.INVALID_BODY):
        super().__init__(detail)
        self.tmf_code = tmf_code


def _tmf_code_for(exc: Exception) -> str | None:
    if isinstance(exc, PayloadInvalid | BodyInvalid):
        return exc.tmf_code
    if isinstance(exc, ValidationFailed):
        return TmfBodyErrorCode.INVALID_BODY_FIELD
    if isinstance(exc, drf_exceptions.ParseError):
        return TmfBodyErrorCode.INVALID_BODY
    if isinstance(exc, InvalidQuery):
        return CODE_INVALID_QUERY
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return CODE_INVALID_HEADER
    if isinstance(exc, drf_exceptions.AuthenticationFailed):
        return CODE_INVALID_CREDENTIALS
    return None


def tmf_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The kernel's TMF Error body, with TMF630 codes and payload paths in the message."""
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound(str(exc) or "Resource not found.")
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    code = _tmf_code_for(exc)
    if code is not None:
        response.data["code"] = code
    if isinstance(exc, ValidationFailed) and not isinstance(exc, PayloadInvalid):
        errors = {tmf_path(key): messages for key, messages in exc.errors.items()}
        if errors:
            response.data["message"] = "; ".join(
                f"{path}: {' '.join(messages)}" for path, messages in errors.items()
            )
            response.data["details"] = {"errors": errors}
    if isinstance(exc, PayloadInvalid):
        response.data["details"] = {"errors": exc.errors}
    if response.status_code == status.HTTP_415_UNSUPPORTED_MEDIA_TYPE:
        response.data["reason"] = "Unsupported media type"
    return response


_COLUMN_TO_TMF = {
    "account": "relatedParty",
    "account_id": "relatedParty",
    "external_id": "externalId",
    "description": "description",
    "priority": "priority",
    "requested_start_date": "requestedStartDate",
    "requested_completion_date": "requestedCompletionDate",
    "lines": "productOrderItem",
}
_LINE_FIELD_TO_TMF = {
    "offering": "productOffering.id",
    "offering_id": "productOffering.id",
    "inventory_item": "product.id",
    "inventory_item_id": "product.id",
    "quantity": "quantity",
    "action": "action",
    "parent_ref": "productOrderItemRelationship",
    "characteristics": "product.productCharacteristic",
}


def tmf_path(key: str) -> str:
    """Name a domain error key (`lines.<ref>.<field>`) as the TMF attribute it concerns."""
    if not key.startswith("lines."):
        return _COLUMN_TO_TMF.get(key, key)
    rest = key.removeprefix("lines.")
    marker = ".characteristics."
    if marker in rest:
        ref, code = rest.split(marker, 1)
        return f"productOrderItem[id={ref}].product.productCharacteristic[name={code}]"
    ref, _, field_name = rest.rpartition(".")
    if not ref:
        return f"productOrderItem[id={rest}]"
    if field_name not in _LINE_FIELD_TO_TMF:
        return f"productOrderItem[id={rest}]"
    return f"productOrderItem[id={ref}].{_LINE_FIELD_TO_TMF[field_name]}"


# --- parsing and rendering ------------------------------------------------------------


class TmfJsonParser(BaseParser):
    """Parse a JSON body of at most 1 MB; anything else is a 400 with a TMF body."""

    media_type = "application/json"

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise BodyInvalid(f"The body is larger than {MAX_BODY_BYTES} bytes.")
        if not raw.strip():
            raise BodyInvalid(
                "The body is empty.", tmf_code=TmfBodyErrorCode.MISSING_BODY
            )
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:
            raise BodyInvalid(f"The body is not valid JSON: {exc}") from exc


class MergePatchJsonParser(TmfJsonParser):
    media_type = "application/merge-patch+json"


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


class TmfJsonRenderer(JSONRenderer):
    """JSON as TMF clients expect it: UTF-8, `/` not escaped."""

    charset = "utf-8"


# --- the base view --------------------------------------------------------------------


class TmfModelPermission(BasePermission):
    """The user must hold the model permissions the view names for the request method."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        wanted = getattr(view, "required_permissions", {}).get(request.method)
        if wanted is None:
            return True
        user_model_perms_load(user=user)
        return user.has_perms(wanted)


class TmfTokenAuthentication(TokenAuthentication):
    """DRF token authentication reading the token and its user in one SQL query."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = api_token_with_user_get(key=key)
        if token is None:
            raise drf_exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise drf_exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token


class TmfTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme of TmfTokenAuthentication: `Authorization: Token ...`
    (named apart from DRF's own tokenAuth, which the schema views use)."""

    target_class = "tmf.api.conventions.TmfTokenAuthentication"
    name = "tmfTokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.keyword
        )


class TmfApiView(APIView):
    """Base of every TMF API view: TMF parsers, renderer, permissions and errors."""

    parser_classes = [TmfJsonParser, MergePatchJsonParser]
    renderer_classes = [TmfJsonRenderer]
    authentication_classes = [TmfTokenAuthentication, SessionAuthentication]
    permission_classes = [TmfModelPermission]
    required_permissions: dict[str, tuple[str, ...]] = {}

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return tmf_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            raise BodyInvalid(f"The body is larger than {MAX_BODY_BYTES} bytes.")

    def json_object_body(self, request: Request) -> dict[str, Any]:
        """Return the parsed body; a JSON value other than an object is a 400."""
        data = request.data
        if not isinstance(data, dict):
            raise BodyInvalid("The body must be a JSON object.")
        return data


# --- listing --------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterField:
    """How a first-level attribute filters: its ORM lookup and how to read a value."""

    lookup: str
    kind: str = "text"  # text | int | date | bool | choice
    # For kind "choice": TMF value -> stored values (several for one TMF state).
    values: Callable[[str], list[str]] | None = None


@dataclass(frozen=True)
class ListParams:
    fields: frozenset[str] | None
    offset: int
    limit: int
    filters: Q


_DATE_OPERATORS = {"gt", "gte", "lt", "lte"}


def list_params_read(
    query: Mapping[str, str] | Any,
    *,
    filter_fields: Mapping[str, FilterField],
    reserved: Iterable[str] = (),
) -> ListParams:
    """Read fields, offset, limit and the attribute filters of a list query string."""
    fields = fields_param_read(query)
    offset = _int_param(query, "offset", default=0, maximum=None)
    limit = _int_param(query, "limit", default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    skip = {"fields", "offset", "limit", *reserved}
    filters = Q()
    for key in query:
        if key in skip:
            continue
        attribute, _, operator = key.partition(".")
        spec = filter_fields.get(attribute)
        if spec is None:
            raise InvalidQuery(f"{key}: not an attribute this resource can filter on.")
        for value in query.getlist(key):
            filters &= _filter_q(key, spec, operator, value)
    return ListParams(fields=fields, offset=offset, limit=limit, filters=filters)


def fields_param_read(query: Mapping[str, str]) -> frozenset[str] | None:
    raw = query.get("fields")
    if raw is None:
        return None
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def _int_param(
    query: Mapping[str, str], name: str, *, default: int, maximum: int | None
) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise InvalidQuery(f"{name}: expected a whole number of at least 0.")
    value = int(raw)
    if maximum is not None and value > maximum:
        raise InvalidQuery(f"{name}: at most {maximum}.")
    return value


def _filter_q(key: str, spec: FilterField, operator: str, value: str) -> Q:
    if spec.kind == "date":
        return _date_q(key, spec.lookup, operator, value)
    if operator:
        raise InvalidQuery(f"{key}: only dates take an operator (gt, gte, lt, lte).")
    options = value.split(",")
    if spec.kind == "int":
        # A value that is no whole number matches nothing (an id that does not exist).
        numbers = [n for n in map(db_int, options) if n is not None]
        return Q(**{f"{spec.lookup}__in": numbers})
    if spec.kind == "bool":
        if value not in {"true", "false"}:
            raise InvalidQuery(f"{key}: expected true or false.")
        return Q(**{spec.lookup: value == "true"})
    if spec.kind == "choice" and spec.values is not None:
        stored = [s for option in options for s in spec.values(option)]
        return Q(**{f"{spec.lookup}__in": stored})
    if len(options) == 1:
        return Q(**{spec.lookup: value})
    return Q(**{f"{spec.lookup}__in": options})


def _date_q(key: str, lookup: str, operator: str, value: str) -> Q:
    parsed = _date_value(key, value)
    try:
        next_ms = parsed + ONE_MS
    except OverflowError as exc:
        raise InvalidQuery(f"{key}: the date is out of range.") from exc
    # Dates are shown to the millisecond, so a shown value stands for its millisecond.
    if operator == "":
        return Q(**{f"{lookup}__gte": parsed, f"{lookup}__lt": next_ms})
    if operator not in _DATE_OPERATORS:
        raise InvalidQuery(f"{key}: unknown operator; use gt, gte, lt or lte.")
    bounds = {
        "gt": (f"{lookup}__gte", next_ms),
        "gte": (f"{lookup}__gte", parsed),
        "lt": (f"{lookup}__lt", parsed),
        "lte": (f"{lookup}__lt", next_ms),
    }
    lookup_name, bound = bounds[operator]
    return Q(**{lookup_name: bound})


def _date_value(key: str, value: str) -> datetime:
    try:
        parsed = parse_datetime(value.replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidQuery(
            f"{key}: expected a date-time such as 2026-01-31T10:00:00.000Z."
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.replace(microsecond=parsed.microsecond // 1000 * 1000)


def list_response(
    *,
    queryset: QuerySet[Any],
    params: ListParams,
    represent: Callable[[list[Any]], list[dict[str, Any]]],
) -> Response:
    """Page a filtered queryset and answer a bare JSON array with the count headers."""
    filtered = queryset.filter(params.filters)
    total = filtered.count()
    page = (
        list(filtered[params.offset : params.offset + params.limit])
        if params.limit and params.offset < total
        else []
    )
    body = [fields_select(item, params.fields) for item in represent(page)]
    response = Response(body, status=status.HTTP_200_OK)
    response["X-Total-Count"] = str(total)
    response["X-Result-Count"] = str(len(body))
    return response
