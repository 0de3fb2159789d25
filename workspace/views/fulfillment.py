"""The fulfillment agent's enrichment queue: claim a task, fill in the technical
characteristics it asks for, complete it."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError, NotFound, ValidationFailed
from orders.models import EnrichmentTask
from orders.selectors import enrichment_queue
from orders.services import enrichment_task_claim, enrichment_task_complete
from workspace.forms import NON_FIELD, CharacteristicForm
from workspace.selectors import (
    enrichment_task_characteristics,
    enrichment_task_get_for_user,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import FULFILLMENT_ROLES

TEMPLATE = "workspace/enrichment_queue.html"


def _task(request: HttpRequest, pk: int) -> EnrichmentTask:
    try:
        return enrichment_task_get_for_user(user=request.user, task_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _task_form(task: EnrichmentTask, data: Any = None) -> CharacteristicForm:
    return CharacteristicForm(
        data,
        characteristics=enrichment_task_characteristics(task=task),
        values=task.line.characteristics if task.line else {},
    )


class EnrichmentQueueView(RoleRequiredMixin, View):
    """Open and in-progress enrichment tasks of the user's work groups, oldest first."""

    roles = FULFILLMENT_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            TEMPLATE,
            {"tasks": enrichment_queue(user=request.user), "title": "Enrichment tasks"},
        )


class EnrichmentTaskMixin(RoleRequiredMixin):
    roles = FULFILLMENT_ROLES

    def row(
        self,
        request: HttpRequest,
        task: EnrichmentTask,
        *,
        form: CharacteristicForm | None = None,
        problem: str = "",
    ) -> HttpResponse:
        context = {
            "task": task,
            "form": form,
            "errors": form.characteristic_error_map if form else {},
            "problem": problem,
        }
        return render(request, f"{TEMPLATE}#task-row", context)


class EnrichmentTaskClaimView(EnrichmentTaskMixin, View):
    """Take a task; its row opens the form of what it asks for."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = _task(request, pk)
        try:
            enrichment_task_claim(task_id=task.pk, actor=Actor.for_user(request.user))
        except DomainError as error:
            return self.row(request, task, problem=error.message)
        task = _task(request, pk)
        return self.row(request, task, form=_task_form(task))


class EnrichmentTaskCompleteView(EnrichmentTaskMixin, View):
    """The task form (GET) and completing the task with the values entered (POST)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = _task(request, pk)
        return self.row(request, task, form=_task_form(task))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = _task(request, pk)
        form = _task_form(task, request.POST)
        if form.check_characteristics():
            return self.row(request, task, form=form)
        try:
            enrichment_task_complete(
                task_id=task.pk,
                characteristics=form.characteristic_values(),
                actor=Actor.for_user(request.user),
            )
        except ValidationFailed as error:
            form.add_service_errors(error.errors or {NON_FIELD: [error.message]})
            return self.row(request, task, form=form)
        except DomainError as error:
            return self.row(request, task, form=form, problem=error.message)
        return self.row(request, _task(request, pk))
