"""TMF622 Product Ordering v4: productOrder (list, create, read, merge-patch) and the
productOrderRequest a client follows after an asynchronous create.

Create (POST productOrder) submits the order at once (v4 has no draft): 201, the order,
`Location` = its href. With `?mode=async` the payload is validated (shape and references)
and stored as a ProductOrderRequest, the worker captures it (django-q2, enqueued on
commit) and the answer is 202 with the request (`id`, `href`, `state` accepted / done /
failed, and `productOrder` once captured) and `Location` = the request's href; GET that
href until `state` is done (then `productOrder.href` names the order) or failed (then
`error` is the TMF Error body). An `externalId` also finds the order with
`GET productOrder?externalId=...`.

`Idempotency-Key` (per user): a repeat with the same body returns the first status, body
and Location and creates nothing; the same key with another body is a 409.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ordermgmt.actor import Actor
from ordermgmt.exceptions import NotFound
from orders.services import order_update
from tmf.api.conventions import (
    CODE_INVALID_HEADER,
    BodyInvalid,
    FilterField,
    InvalidQuery,
    TmfApiView,
    fields_param_read,
    fields_select,
    list_params_read,
    list_response,
)
from tmf.api.serializers import (
    Hrefs,
    product_order_representation,
    product_order_request_representation,
)
from tmf.capture import CaptureArgs, product_order_capture_args
from tmf.exceptions import IdempotencyKeyReused
from tmf.models import IdempotencyRecord
from tmf.product_order_input import product_order_input_parse, product_order_patch_parse
from tmf.selectors import (
    idempotency_record_get,
    order_with_items_get,
    product_order_get_for_user,
    product_order_request_get_for_user,
    product_orders_for_user,
)
from tmf.services import (
    idempotency_record_response_store,
    product_order_create,
    product_order_request_create,
)
from tmf.states import order_states_for_tmf

VIEW_ORDER = ("orders.view_customerorder",)
ADD_ORDER = ("orders.add_customerorder",)
CHANGE_ORDER = ("orders.change_customerorder",)
IDEMPOTENCY_KEY_MAX_LENGTH = 255

ORDER_FILTERS = {
    "id": FilterField("number"),
    "externalId": FilterField("external_id"),
    "description": FilterField("description"),
    "priority": FilterField("priority", kind="int"),
    "state": FilterField("state", kind="choice", values=order_states_for_tmf),
    "orderDate": FilterField("created_at", kind="date"),
    "requestedStartDate": FilterField("requested_start_date", kind="date"),
    "requestedCompletionDate": FilterField("requested_completion_date", kind="date"),
    "expectedCompletionDate": FilterField("committed_date", kind="date"),
    "completionDate": FilterField("completed_at", kind="date"),
    "cancellationDate": FilterField("canceled_at", kind="date"),
    "category": FilterField("extra__category"),
}

_LIST_PARAMETERS = [
    OpenApiParameter(
        "fields", str, description="Attributes to return (id and href always)."
    ),
    OpenApiParameter("offset", int, description="Index of the first result (0-based)."),
    OpenApiParameter(
        "limit", int, description="Page size (default 100, at most 1000)."
    ),
    OpenApiParameter("state", str, description="TMF state; `a,b` for either."),
    OpenApiParameter("externalId", str),
    OpenApiParameter(
        "orderDate",
        str,
        description="Exact date as returned; also orderDate.gt / .gte / .lt / .lte.",
    ),
]
_CREATE_PARAMETERS = [
    OpenApiParameter(
        "mode", str, enum=["async"], description="`async`: 202, captured by the worker."
    ),
    OpenApiParameter(
        "Idempotency-Key",
        str,
        location=OpenApiParameter.HEADER,
        description="A repeat with the same key and body returns the first result.",
    ),
]


def _order_response(order_id: int, request: Request, status_code: int) -> Response:
    order = order_with_items_get(order_id=order_id)
    body = product_order_representation(order, Hrefs(request))
    response = Response(body, status=status_code)
    response["Location"] = body["href"]
    return response


def _request_hash(request: Request, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    mode = request.query_params.get("mode", "")
    text = f"{request.method} {request.path.rstrip('/')} {mode} {canonical}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise BodyInvalid(
            f"Idempotency-Key: at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters.",
            tmf_code=CODE_INVALID_HEADER,
        )
    return key


def _replay(record: IdempotencyRecord, request: Request) -> Response:
    hrefs = Hrefs(request)
    body = record.response_body
    location = record.location
    if not body:
        # The first response was not stored yet (or the process stopped before it).
        if record.order_id is not None:
            body = product_order_representation(
                order_with_items_get(order_id=record.order_id), hrefs
            )
        else:
            body = product_order_request_representation(record.order_request, hrefs)
        location = body["href"]
    response = Response(body, status=record.status_code)
    response["Location"] = location
    response["Idempotent-Replayed"] = "true"
    return response


class ProductOrderListCreateApi(TmfApiView):
    """GET lists productOrders (bare array, filters, paging); POST creates one."""

    required_permissions = {"GET": VIEW_ORDER, "POST": ADD_ORDER}

    @extend_schema(
        operation_id="productOrder_list",
        parameters=_LIST_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="List productOrders: a bare JSON array with X-Total-Count and X-Result-Count.",
    )
    def get(self, request: Request) -> Response:
        params = list_params_read(request.query_params, filter_fields=ORDER_FILTERS)
        with_items = params.fields is None or "productOrderItem" in params.fields
        hrefs = Hrefs(request)
        return list_response(
            queryset=product_orders_for_user(user=request.user, with_items=with_items),
            params=params,
            represent=lambda orders: [
                product_order_representation(order, hrefs, with_items=with_items)
                for order in orders
            ],
        )

    @extend_schema(
        operation_id="productOrder_create",
        parameters=_CREATE_PARAMETERS,
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT},
        description="Create a productOrder; it is submitted at once. See the module docs for async mode and idempotency.",
    )
    def post(self, request: Request) -> Response:
        payload = self.json_object_body(request)
        key = _idempotency_key(request)
        request_hash = _request_hash(request, payload) if key else ""
        if key:
            record = idempotency_record_get(user_id=request.user.pk, key=key)
            if record is not None:
                if record.request_hash != request_hash:
                    raise IdempotencyKeyReused(
                        "This Idempotency-Key was used with another request body."
                    )
                return _replay(record, request)
        capture = product_order_capture_args(
            order_input=product_order_input_parse(payload), user=request.user
        )
        actor = Actor.for_user(request.user)
        mode = request.query_params.get("mode", "")
        if mode not in {"", "sync", "async"}:
            raise InvalidQuery("mode: expected async (or sync, the default).")
        if mode == "async":
            return self._queue(request, payload, capture, actor, key, request_hash)
        hrefs = Hrefs(request)
        # The captured order is complete in memory: shown without reading it back, and
        # stored with the idempotency key in the capture's own transaction.
        captured = product_order_create(
            capture=capture,
            actor=actor,
            idempotency_key=key,
            request_hash=request_hash,
            represent=lambda order, lines: product_order_representation(
                order, hrefs, lines=lines
            ),
        )
        body = captured.body or {}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = body["href"]
        return response

    def _queue(
        self,
        request: Request,
        payload: dict[str, Any],
        capture: CaptureArgs,
        actor: Actor,
        key: str,
        request_hash: str,
    ) -> Response:
        order_request = product_order_request_create(
            account_id=capture.account_id,
            external_id=capture.external_id,
            payload=payload,
            actor=actor,
            idempotency_key=key,
            request_hash=request_hash,
        )
        order_request.refresh_from_db()
        body = product_order_request_representation(order_request, Hrefs(request))
        response = Response(body, status=status.HTTP_202_ACCEPTED)
        response["Location"] = body["href"]
        if key:
            idempotency_record_response_store(
                user_id=request.user.pk,
                key=key,
                body=response.data,
                location=response["Location"],
            )
        return response


class ProductOrderDetailApi(TmfApiView):
    """GET reads one productOrder; PATCH (merge-patch) changes a draft or acknowledged one."""

    required_permissions = {"GET": VIEW_ORDER, "PATCH": CHANGE_ORDER}

    @extend_schema(
        operation_id="productOrder_retrieve",
        parameters=[OpenApiParameter("fields", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, order_id: str) -> Response:
        order = product_order_get_for_user(user=request.user, order_ref=order_id)
        body = product_order_representation(order, Hrefs(request))
        return Response(fields_select(body, fields_param_read(request.query_params)))

    @extend_schema(
        operation_id="productOrder_patch",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        description="JSON merge patch (application/merge-patch+json or application/json).",
    )
    def patch(self, request: Request, order_id: str) -> Response:
        patch = self.json_object_body(request)
        order = product_order_get_for_user(user=request.user, order_ref=order_id)
        changes = product_order_patch_parse(patch, current_extra=order.extra)
        order_update(
            order_id=order.pk, changes=changes, actor=Actor.for_user(request.user)
        )
        return _order_response(order.pk, request, status.HTTP_200_OK)


class ProductOrderRequestDetailApi(TmfApiView):
    """GET follows an asynchronous create: accepted, done (with the order) or failed."""

    required_permissions = {"GET": VIEW_ORDER}

    @extend_schema(
        operation_id="productOrderRequest_retrieve",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, request_id: str) -> Response:
        order_request = product_order_request_get_for_user(
            user=request.user, public_id=request_id
        )
        body = product_order_request_representation(order_request, Hrefs(request))
        response = Response(body)
        if body["productOrder"] is not None:
            response["Location"] = body["productOrder"]["href"]
        return response


class TmfNotFoundApi(TmfApiView):
    """Any other path under /tmf-api/: a 404 with the TMF Error body, for every method."""

    permission_classes: list[Any] = []
    authentication_classes: list[Any] = []

    def options(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound(f"No TMF resource at {request.path}.")

    def http_method_not_allowed(
        self, request: Request, *args: Any, **kwargs: Any
    ) -> Response:
        raise NotFound(f"No TMF resource at {request.path}.")
