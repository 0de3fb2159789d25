"""The fulfillment agent's page: the order task queue of its work groups (worked in
workspace.views.order_tasks) and the enrichment queue: claim an enrichment task, fill in
the technical characteristics it asks for, complete it."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from jeopardy.selectors import jeopardy_alerts_open_for_user
from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError, NotFound, ValidationFailed
from orders.models import EnrichmentTask
from orders.selectors import enrichment_queue
from orders.services import enrichment_task_claim, enrichment_task_complete
from workspace.forms import (
    NON_FIELD,
    CharacteristicForm,
    TaskDataForm,
    TaskNoteForm,
    TaskProblemForm,
    TaskQueueFilterForm,
)
from workspace.selectors import (
    enrichment_task_characteristics,
    enrichment_task_get_for_user,
    order_task_kinds_for_user,
    order_task_queue_for_user,
    task_row,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import FULFILLMENT_ROLES

TEMPLATE = "workspace/fulfillment.html"
ORDER_TASKS_PER_PAGE = 50


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


class FulfillmentQueueView(RoleRequiredMixin, View):
    """The order tasks of the user's work groups (filtered, soonest due first) and the
    open enrichment tasks; a filter change (htmx) answers with the task table only."""

    roles = FULFILLMENT_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        form = TaskQueueFilterForm(
            request.GET or None,
            task_kinds=order_task_kinds_for_user(user=request.user),
        )
        tasks = order_task_queue_for_user(
            user=request.user, now=now, filters=form.filters()
        )
        page = Paginator(tasks, ORDER_TASKS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context: dict[str, Any] = {
            "title": "Fulfillment tasks",
            "filter_form": form,
            "page": page,
            "rows": [
                task_row(task=task, user_id=request.user.pk, now=now)
                for task in page.object_list
            ],
            "query": query.urlencode(),
            "note_form": TaskNoteForm(),
            "problem_form": TaskProblemForm(),
            "data_form": TaskDataForm(),
        }
        if request.htmx and not request.htmx.boosted:
            return render(request, f"{TEMPLATE}#order-task-table", context)
        context["tasks"] = enrichment_queue(user=request.user)
        context["alerts"] = jeopardy_alerts_open_for_user(user=request.user)
        return render(request, TEMPLATE, context)


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
        return render(request, f"{TEMPLATE}#enrichment-row", context)


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
