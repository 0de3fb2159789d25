"""The fulfillment manager's jeopardy board: tasks and orders at risk by level, group and
age, and what a manager does about one: reassign, raise priority, add a note, and
acknowledge alerts. Each write calls one service and comes back to the board."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from jeopardy.selectors import (
    jeopardy_alerts_open_for_user,
    jeopardy_level_counts,
    jeopardy_orders_at_risk,
    jeopardy_tasks_at_risk,
)
from jeopardy.services import jeopardy_alert_acknowledge
from orchestration.models import JeopardyLevel
from orchestration.services import (
    order_task_manager_note_add,
    order_task_priority_raise,
    order_task_reassign,
)
from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError
from workspace.forms_jeopardy import (
    JeopardyBoardFilterForm,
    TaskManagerNoteForm,
    TaskPriorityRaiseForm,
    TaskReassignForm,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import FULFILLMENT_MANAGER_ROLES, FULFILLMENT_ROLES

TEMPLATE = "workspace/jeopardy_board.html"
TASKS_PER_PAGE = 50


class JeopardyBoardView(RoleRequiredMixin, View):
    """At-risk tasks (paged) and orders, filtered by level, group and age."""

    roles = FULFILLMENT_MANAGER_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        form = JeopardyBoardFilterForm(request.GET or None)
        filters = form.filters()
        tasks = jeopardy_tasks_at_risk(filters=filters, now=now)
        page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        counts = jeopardy_level_counts()
        context: dict[str, Any] = {
            "title": "Jeopardy board",
            "now": now,
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "orders": jeopardy_orders_at_risk(filters=filters, now=now),
            "level_counts": [
                (label, counts.get(level, 0), level)
                for level, label in reversed(JeopardyLevel.choices)
                if level > 0
            ],
            "alerts": jeopardy_alerts_open_for_user(user=request.user),
            "reassign_form": TaskReassignForm(),
            "priority_form": TaskPriorityRaiseForm(),
            "note_form": TaskManagerNoteForm(),
        }
        return render(request, TEMPLATE, context)


class _BoardActionView(RoleRequiredMixin, View, ABC):
    """Validate the form, call the service, come back to the board with a message."""

    roles = FULFILLMENT_MANAGER_ROLES
    form_class: type[forms.Form]
    done = ""

    @abstractmethod
    def act(self, *, pk: int, data: dict[str, Any], actor: Actor) -> None:
        """Call the action's service with the form's values."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form_class(request.POST)
        if not form.is_valid():
            errors = "; ".join(
                f"{name}: {' '.join(errs)}" for name, errs in form.errors.items()
            )
            messages.error(request, f"Task #{pk}: {errors}")
        else:
            try:
                self.act(
                    pk=pk, data=form.cleaned_data, actor=Actor.for_user(request.user)
                )
            except DomainError as error:
                messages.error(request, f"Task #{pk}: {error.message}")
            else:
                messages.success(request, f"Task #{pk}: {self.done}")
        return _back_to_board(request)


def _back_to_board(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return HttpResponseRedirect(target or reverse("workspace:jeopardy-board"))


class JeopardyTaskReassignView(_BoardActionView):
    form_class = TaskReassignForm
    done = "reassigned."

    def act(self, *, pk: int, data: dict[str, Any], actor: Actor) -> None:
        order_task_reassign(
            task_id=pk,
            work_group_id=data["work_group"],
            assignee_id=data["assignee"],
            reason=data["reason"],
            actor=actor,
        )


class JeopardyTaskPriorityRaiseView(_BoardActionView):
    form_class = TaskPriorityRaiseForm
    done = "priority raised."

    def act(self, *, pk: int, data: dict[str, Any], actor: Actor) -> None:
        order_task_priority_raise(
            task_id=pk, priority=data["priority"], reason=data["reason"], actor=actor
        )


class JeopardyTaskNoteView(_BoardActionView):
    form_class = TaskManagerNoteForm
    done = "note added."

    def act(self, *, pk: int, data: dict[str, Any], actor: Actor) -> None:
        order_task_manager_note_add(task_id=pk, text=data["text"], actor=actor)


class JeopardyAlertAcknowledgeView(RoleRequiredMixin, View):
    """A group member or manager has seen an alert; it leaves the alert lists."""

    roles = FULFILLMENT_MANAGER_ROLES + FULFILLMENT_ROLES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            jeopardy_alert_acknowledge(alert_id=pk, actor=Actor.for_user(request.user))
        except DomainError as error:
            messages.error(request, error.message)
        return _back_to_board(request)
