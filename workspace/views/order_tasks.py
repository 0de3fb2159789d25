"""Working a manual order task from the fulfillment queue: open its panel, claim it, add a
note, report a problem (a fallout opens and the task waits on hold), complete it with
data. Each write calls one service and answers with the task's row."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from fallout.services import fallout_report
from orchestration.models import OrderTask
from orchestration.services import (
    order_task_claim,
    order_task_complete,
    order_task_note_add,
)
from ordermgmt.actor import Actor
from ordermgmt.errors import form_add_domain_error
from ordermgmt.exceptions import DomainError, NotFound
from workspace.forms import TaskDataForm, TaskNoteForm, TaskProblemForm
from workspace.selectors import order_task_get_for_user, task_row
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import FULFILLMENT_ROLES

ORDER_TASK_CHANGED = "order-task-changed"
ROW_TEMPLATE = "workspace/fulfillment.html#order-task-row"


def _task(request: HttpRequest, pk: int) -> OrderTask:
    try:
        return order_task_get_for_user(user=request.user, task_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


class OrderTaskMixin(RoleRequiredMixin):
    """Answers with the task's queue row, read again after the write."""

    roles = FULFILLMENT_ROLES

    def actor(self) -> Actor:
        return Actor.for_user(self.request.user)  # type: ignore[attr-defined]

    def row(
        self,
        request: HttpRequest,
        pk: int,
        *,
        panel: bool = True,
        changed: bool = False,
        notice: str = "",
        problem: str = "",
        **forms_given: forms.Form,
    ) -> HttpResponse:
        task = _task(request, pk)
        context: dict[str, Any] = {
            "row": task_row(task=task, user_id=request.user.pk, now=timezone.now()),
            "panel": panel,
            "notice": notice,
            "problem": problem,
            "note_form": forms_given.get("note_form") or TaskNoteForm(),
            "problem_form": forms_given.get("problem_form") or TaskProblemForm(),
            "data_form": forms_given.get("data_form") or TaskDataForm(),
        }
        response = render(request, ROW_TEMPLATE, context)
        if changed:
            response["HX-Trigger"] = ORDER_TASK_CHANGED
        return response


class OrderTaskWorkView(OrderTaskMixin, View):
    """The task's row with its work panel open (or closed with `?panel=0`)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.row(request, pk, panel=request.GET.get("panel") != "0")


class OrderTaskClaimView(OrderTaskMixin, View):
    """Take the task from the group queue; its work panel opens."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = _task(request, pk)
        try:
            order_task_claim(task_id=task.pk, actor=self.actor())
        except DomainError as error:
            return self.row(request, pk, problem=error.message)
        return self.row(request, pk, changed=True, notice="You have claimed this task.")


class OrderTaskNoteAddView(OrderTaskMixin, View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = _task(request, pk)
        form = TaskNoteForm(request.POST)
        if not form.is_valid():
            return self.row(request, pk, note_form=form)
        try:
            order_task_note_add(
                task_id=task.pk, text=form.cleaned_data["text"], actor=self.actor()
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            return self.row(request, pk, note_form=form)
        return self.row(request, pk, changed=True, notice="Note added.")


class OrderTaskProblemReportView(OrderTaskMixin, View):
    """Report a problem with the task: a fallout opens for the fallout desk and the task
    waits on hold until it is resolved; the problem is also kept as a flagged note."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = _task(request, pk)
        form = TaskProblemForm(request.POST)
        if not form.is_valid():
            return self.row(request, pk, problem_form=form)
        try:
            fallout = fallout_report(
                task_id=task.pk,
                problem=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                note=form.note_text(),
                actor=self.actor(),
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            return self.row(request, pk, problem_form=form)
        return self.row(
            request,
            pk,
            changed=True,
            notice=f"Problem reported as fallout {fallout.number}. The task is on "
            "hold until the fallout desk resolves it.",
        )


class OrderTaskCompleteView(OrderTaskMixin, View):
    """Complete the task with the name / value pairs entered."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = _task(request, pk)
        form = TaskDataForm(request.POST)
        if not form.is_valid():
            return self.row(request, pk, data_form=form)
        try:
            order_task_complete(
                task_id=task.pk, data=form.cleaned_data["data"], actor=self.actor()
            )
        except DomainError as error:
            # Refusals (claimed by another, no longer open) are not about the data.
            return self.row(request, pk, data_form=form, problem=error.message)
        return self.row(
            request,
            pk,
            panel=False,
            changed=True,
            notice="Task completed; the tasks that waited for it can start now.",
        )
