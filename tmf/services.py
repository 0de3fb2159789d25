"""Writes of the TMF edge: capture from TMF622 (sync or queued), idempotency records.

Product order request lifecycle: accepted -> done (the worker captured the order) |
failed (capture refused; the TMF error body is kept for the client).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import can_proceed
from django_q.tasks import async_task

from ordermgmt.actor import Actor
from ordermgmt.audit import audit_record
from ordermgmt.exceptions import DomainError, InvalidTransition
from ordermgmt.locking import lock_one
from orders.exceptions import DuplicateExternalId
from orders.models import CustomerOrder, CustomerOrderLine, OrderChannel
from orders.services import order_capture, order_capture_with_lines
from tmf.audit import AuditAction
from tmf.capture import CaptureArgs, product_order_capture_args
from tmf.exceptions import IdempotencyKeyInFlight, OrderRequestInFlight
from tmf.models import IdempotencyRecord, ProductOrderRequest, ProductOrderRequestState
from tmf.product_order_input import product_order_input_parse
from tmf.selectors import idempotency_record_get


@dataclass(frozen=True)
class CapturedProductOrder:
    """A TMF622 order as captured: the order, its lines in line-number order, and the
    response body when the caller gave `represent`."""

    order: CustomerOrder
    lines: list[CustomerOrderLine]
    body: dict[str, Any] | None


def product_order_create(
    *,
    capture: CaptureArgs,
    actor: Actor,
    idempotency_key: str = "",
    request_hash: str = "",
    represent: Callable[[CustomerOrder, list[CustomerOrderLine]], dict[str, Any]]
    | None = None,
) -> CapturedProductOrder:
    """Capture and submit an order sent through TMF622, remembering its idempotency key.

    `represent(order, lines)` builds the response body inside the capture's transaction;
    with a key, the record is written there too, with that body, so a repeat can never
    make a second order and returns the first response; a concurrent repeat fails on the
    unique key and is told to retry.
    """
    bodies: list[dict[str, Any]] = []

    def on_captured(order: CustomerOrder, lines: list[CustomerOrderLine]) -> None:
        body = represent(order, lines) if represent is not None else None
        if body is not None:
            bodies.append(body)
        if idempotency_key:
            IdempotencyRecord.objects.create(
                user_id=actor.user_id,
                key=idempotency_key,
                request_hash=request_hash,
                order=order,
                status_code=201,
                response_body=body or {},
                location=body["href"] if body else "",
            )

    try:
        order, lines = order_capture_with_lines(
            **capture.as_kwargs(),
            actor=actor,
            channel=OrderChannel.API,
            submit=True,
            on_captured=on_captured,
        )
    except IntegrityError:
        if idempotency_key and idempotency_record_get(
            user_id=actor.user_id or 0, key=idempotency_key
        ):
            raise IdempotencyKeyInFlight(
                "A request with this Idempotency-Key was processed meanwhile; "
                "repeat it to read its result."
            ) from None
        raise
    return CapturedProductOrder(
        order=order, lines=lines, body=bodies[0] if bodies else None
    )


def product_order_request_create(
    *,
    account_id: int,
    external_id: str,
    payload: dict[str, Any],
    actor: Actor,
    idempotency_key: str = "",
    request_hash: str = "",
) -> ProductOrderRequest:
    """Queue a validated productOrder for the worker (`?mode=async`); capture on commit."""
    if actor.user_id is None:
        raise ValueError("An order request needs the user who sent it.")
    try:
        with transaction.atomic():
            if (
                external_id
                and CustomerOrder.objects.filter(
                    account_id=account_id, external_id=external_id
                ).exists()
            ):
                raise DuplicateExternalId(
                    f"This customer already has an order with externalId {external_id!r}."
                )
            request = ProductOrderRequest.objects.create(
                user_id=actor.user_id,
                account_id=account_id,
                external_id=external_id,
                payload=payload,
            )
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    user_id=actor.user_id,
                    key=idempotency_key,
                    request_hash=request_hash,
                    order_request=request,
                    status_code=202,
                )
            audit_record(
                subject=request,
                action=AuditAction.ORDER_REQUEST_ACCEPTED,
                actor=actor,
                to_state=request.state,
                data={"external_id": external_id, "account_id": account_id},
            )
            request_id = request.pk
            transaction.on_commit(
                lambda: async_task(
                    "tmf.tasks.product_order_request_fulfil_task", request_id
                )
            )
    except IntegrityError:
        if idempotency_key and idempotency_record_get(
            user_id=actor.user_id, key=idempotency_key
        ):
            raise IdempotencyKeyInFlight(
                "A request with this Idempotency-Key was processed meanwhile; "
                "repeat it to read its result."
            ) from None
        raise OrderRequestInFlight(
            f"A queued request for this customer with externalId {external_id!r} "
            "is not finished yet."
        ) from None
    return request


def product_order_request_fulfil(*, request_id: int) -> ProductOrderRequest:
    """Capture the order of a queued request, or record why it cannot be captured.

    A request that is no longer accepted is left as it is (the task may run twice). The
    payload is read and resolved again, since the catalog may have changed meanwhile;
    the capture runs in a savepoint so that a refusal still records the failure.
    """
    with transaction.atomic():
        request = lock_one(
            ProductOrderRequest.objects.select_related("user"),
            pk=request_id,
            label="Order request",
        )
        if request.state != ProductOrderRequestState.ACCEPTED:
            return request
        actor = Actor.for_user(request.user)
        now = timezone.now()
        from_state = request.state
        try:
            with transaction.atomic():
                capture = product_order_capture_args(
                    order_input=product_order_input_parse(request.payload),
                    user=request.user,
                )
                order = order_capture(
                    **capture.as_kwargs(),
                    actor=actor,
                    channel=OrderChannel.API,
                    submit=True,
                )
        except DomainError as exc:
            _transition_check(request, request.fail)
            request.fail(error=exc.as_dict(), at=now)
            action = AuditAction.ORDER_REQUEST_FAILED
        else:
            _transition_check(request, request.complete)
            request.complete(order_id=order.pk, at=now)
            action = AuditAction.ORDER_REQUEST_DONE
        request.save(
            update_fields=["state", "order", "error", "finished_at", "updated_at"]
        )
        audit_record(
            subject=request,
            action=action,
            actor=actor,
            from_state=from_state,
            to_state=request.state,
            data={"order_id": request.order_id, "error": request.error},
            at=now,
        )
    return request


def idempotency_record_response_store(
    *, user_id: int, key: str, body: dict[str, Any], location: str
) -> None:
    """Keep the first response of an idempotent POST so that a repeat returns it as sent."""
    IdempotencyRecord.objects.filter(user_id=user_id, key=key, response_body={}).update(
        response_body=body, location=location, updated_at=timezone.now()
    )


def _transition_check(request: ProductOrderRequest, transition: Any) -> None:
    if not can_proceed(transition):
        raise InvalidTransition(subject=request, transition=transition.__name__)
