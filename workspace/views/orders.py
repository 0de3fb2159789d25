"""The order page (lines, prices, state, approval, enrichment, orchestration, jeopardy,
open fallouts, history with fallout events and jeopardy alerts marked),
its live orchestration view, and the approver's queue with approve / reject from a queue
row or from the order page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from fallout.selectors import order_fallout_events, order_fallouts_open
from jeopardy.models import JeopardyAlert
from jeopardy.selectors import order_jeopardy_alerts
from orchestration.models import JeopardyLevel
from orchestration.selectors import order_jeopardy_level
from ordermgmt.actor import Actor
from ordermgmt.errors import form_add_domain_error
from ordermgmt.exceptions import DomainError, NotFound
from ordermgmt.roles import user_roles
from orders.models import ApprovalStatus, CustomerOrder, CustomerOrderState
from orders.selectors import approval_queue, order_detail
from orders.services import order_approve, order_reject
from workspace.forms import RejectForm
from workspace.selectors import (
    order_get_for_orchestration,
    order_get_for_workspace,
    order_line_rows,
    order_lines_for_orchestration,
    order_orchestration,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import (
    AGENT_ROLES,
    APPROVER_ROLES,
    FALLOUT_ROLES,
    ORDER_READER_ROLES,
)

QUEUE_PER_PAGE = 50
JEOPARDY_EVENT = "jeopardy.raised"


@dataclass(frozen=True)
class JeopardyMark:
    """A jeopardy alert shown in the order history like an audit event."""

    occurred_at: datetime
    pk: int
    to_state: str
    reason: str
    action: str = JEOPARDY_EVENT
    from_state: str = ""
    actor_user: None = None
    actor_label: str = "jeopardy scan"


def _jeopardy_marks(alerts: list[JeopardyAlert]) -> list[JeopardyMark]:
    return [
        JeopardyMark(
            occurred_at=alert.created_at,
            pk=alert.pk,
            to_state=JeopardyLevel(alert.level).label.lower(),
            reason=(
                f"{alert.task.name} ({alert.task.code})"
                + (f", {alert.work_group.name} alerted" if alert.work_group else "")
            ),
        )
        for alert in alerts
    ]


def _may(user: Any, roles: tuple[Any, ...]) -> bool:
    return bool(user.is_superuser or set(roles) & user_roles(user))


def _awaits_decision(order: CustomerOrder) -> bool:
    return (
        order.state == CustomerOrderState.NEW
        and order.approval_status == ApprovalStatus.PENDING
    )


class OrderDetailView(RoleRequiredMixin, View):
    """Everything about one order, for every staff role that follows orders."""

    roles = ORDER_READER_ROLES
    template_name = "workspace/order_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            detail = order_detail(user=request.user, order_id=pk)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        order = detail.order
        orchestration = order_orchestration(
            order=order, lines=detail.lines, now=timezone.now()
        )
        # Jeopardy and fallout exist only once the order has fulfillment tasks.
        in_fulfillment = bool(orchestration.layout or orchestration.is_live)
        fallout_events = (
            order_fallout_events(order_id=order.pk) if in_fulfillment else []
        )
        jeopardy_marks = (
            _jeopardy_marks(order_jeopardy_alerts(order_id=order.pk))
            if in_fulfillment
            else []
        )
        fallouts = order_fallouts_open(order_id=order.pk) if in_fulfillment else []
        context = {
            "order": order,
            "rows": order_line_rows(lines=detail.lines),
            "tasks": detail.tasks,
            # The order's own events, its fallouts' and its jeopardy alerts, which
            # the timeline marks.
            "history": sorted(
                [*detail.history, *fallout_events, *jeopardy_marks],
                key=lambda event: (event.occurred_at, event.pk),
            ),
            "fallouts": fallouts,
            "jeopardy": JeopardyLevel(
                order_jeopardy_level(order_id=order.pk) if in_fulfillment else 0
            ),
            # Only fallout staff may open a fallout's page (no extra query for an order
            # without open fallouts).
            "can_open_fallouts": bool(fallouts) and _may(request.user, FALLOUT_ROLES),
            "can_edit": order.is_draft and _may(request.user, AGENT_ROLES),
            "can_decide": _awaits_decision(order)
            and _may(request.user, APPROVER_ROLES),
            "reject_form": RejectForm(),
            "orchestration": orchestration,
        }
        return render(request, self.template_name, context)


class OrderOrchestrationView(RoleRequiredMixin, View):
    """The orchestration view of an order alone: the partial that refreshes itself
    while the order is in progress (and the order's state badge, out of band)."""

    roles = ORDER_READER_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            order = order_get_for_orchestration(user=request.user, order_id=pk)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        orchestration = order_orchestration(
            order=order,
            lines=order_lines_for_orchestration(order_id=order.pk),
            now=timezone.now(),
        )
        return render(
            request,
            "workspace/_orchestration.html",
            {
                "order": order,
                "orchestration": orchestration,
                "state_oob": True,
                # The table stays open across refreshes: htmx sends the toggle.
                "show_tasks": request.GET.get("tasks") == "1",
            },
        )


class ApprovalQueueView(RoleRequiredMixin, View):
    """Orders waiting for the user's approver groups, oldest first."""

    roles = APPROVER_ROLES
    template_name = "workspace/approval_queue.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        page = Paginator(approval_queue(user=request.user), QUEUE_PER_PAGE).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            self.template_name,
            {"page": page, "reject_form": RejectForm(), "title": "Approval queue"},
        )


class ApprovalDecisionMixin(RoleRequiredMixin):
    """Approve or reject: from a queue row (htmx, the row goes) or the order page."""

    roles = APPROVER_ROLES

    def decided(self, request: HttpRequest, order: CustomerOrder) -> HttpResponse:
        if request.htmx:
            # An empty answer swapped over the row removes it from the queue.
            return HttpResponse("")
        messages.success(
            request, f"Order {order} is {order.get_state_display().lower()}."
        )
        return redirect("workspace:order-detail", pk=order.pk)

    def refused(
        self, request: HttpRequest, order_pk: int, form: RejectForm, problem: str
    ) -> HttpResponse:
        if request.htmx:
            order = _queue_order(request, order_pk)
            return render(
                request,
                "workspace/approval_queue.html#queue-row",
                {"order": order, "reject_form": form, "problem": problem},
            )
        messages.error(request, problem)
        return redirect("workspace:order-detail", pk=order_pk)


def _queue_order(request: HttpRequest, pk: int) -> CustomerOrder:
    try:
        return order_get_for_workspace(user=request.user, order_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


class OrderApproveView(ApprovalDecisionMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            order = order_approve(
                order_id=pk,
                actor=Actor.for_user(request.user),
                reason=request.POST.get("reason", "").strip(),
            )
        except DomainError as error:
            return self.refused(request, pk, RejectForm(), error.message)
        return self.decided(request, order)


class OrderRejectView(ApprovalDecisionMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = RejectForm(request.POST)
        if not form.is_valid():
            return self.refused(request, pk, form, "Say why the order is rejected.")
        try:
            order = order_reject(
                order_id=pk,
                actor=Actor.for_user(request.user),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            return self.refused(request, pk, form, error.message)
        return self.decided(request, order)
