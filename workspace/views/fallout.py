"""The fallout workspace: the agent's queues (mine, my groups'), the fallout page with
its whole context and the resolution actions, bulk retry, and the fallout manager's
dashboard with reassignment. Every write calls one fallout service."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from catalog.selectors import specification_characteristics
from fallout.models import FalloutRecord
from fallout.selectors import (
    FalloutQueueFilters,
    fallout_aging,
    fallout_get,
    fallout_history,
    fallout_mean_time_to_resolve,
    fallout_queue,
    fallout_rate_by_offering,
    fallout_staff,
    fallouts_open_by_group,
    fallouts_open_by_type,
)
from fallout.services import (
    fallout_assign,
    fallout_await_information,
    fallout_cancel,
    fallout_cancel_line,
    fallout_complete_task_by_hand,
    fallout_correct_and_retry,
    fallout_hold,
    fallout_resume,
    fallout_retry,
    fallout_route_to_group,
    fallout_skip_task,
    fallouts_bulk_retry,
)
from ordermgmt.actor import Actor
from ordermgmt.errors import form_add_domain_error
from ordermgmt.exceptions import DomainError, NotFound
from ordermgmt.roles import Role, user_roles
from workspace.fallout_forms import (
    BulkRetryForm,
    CompleteByHandForm,
    CorrectionForm,
    FalloutQueueFilterForm,
    OptionalReasonForm,
    ReasonForm,
    ReassignForm,
    correction_definitions,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import FALLOUT_MANAGER_ROLES, FALLOUT_ROLES

QUEUE_PER_PAGE = 50
DETAIL = "workspace:fallout-detail"


def _is_manager(user: Any) -> bool:
    return bool(user.is_superuser or Role.FALLOUT_MANAGER in user_roles(user))


def _fallout(pk: int) -> FalloutRecord:
    try:
        return fallout_get(fallout_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _duration_text(duration: timedelta | None) -> str:
    if duration is None:
        return "—"
    minutes = int(duration.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min"
    return f"{hours // 24} d {hours % 24} h"


def _correction_form(fallout: FalloutRecord, data: Any = None) -> CorrectionForm:
    domain_order = fallout.task.domain_order
    values = dict(domain_order.characteristics or {})
    return CorrectionForm(
        data,
        characteristics=correction_definitions(
            definitions=specification_characteristics(
                specification_id=domain_order.specification_id
            ),
            values=values,
        ),
        values=values,
    )


class FalloutQueueView(RoleRequiredMixin, View):
    """My fallouts or my groups' queue (every group for managers), filtered and searched;
    a filter change (htmx) answers with the table only."""

    roles = FALLOUT_ROLES
    template_name = "workspace/fallout_queue.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        manager = _is_manager(request.user)
        form = FalloutQueueFilterForm(request.GET or None, manager=manager)
        filters = form.filters(default_scope="groups")
        records = fallout_queue(user=request.user, filters=filters)
        page = Paginator(records, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "title": "Fallout queue",
            "filter_form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "bulk_form": BulkRetryForm(),
            "now": timezone.now(),
        }
        if request.htmx and not request.htmx.boosted:
            return render(request, f"{self.template_name}#fallout-table", context)
        return render(request, self.template_name, context)


class FalloutDetailView(RoleRequiredMixin, View):
    """One fallout with the order, line, task, adapter request and response, the error,
    the attempts and the history, and a form for each action."""

    roles = FALLOUT_ROLES
    template_name = "workspace/fallout_detail.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(request, _fallout(pk))

    def page(
        self, request: HttpRequest, fallout: FalloutRecord, **forms_given: forms.Form
    ) -> HttpResponse:
        domain_order = fallout.task.domain_order
        context: dict[str, Any] = {
            "title": f"Fallout {fallout.number}",
            "fallout": fallout,
            "task": fallout.task,
            "domain_order": domain_order,
            "request_json": json.dumps(fallout.request, indent=2, sort_keys=True),
            "response_json": json.dumps(fallout.response, indent=2, sort_keys=True),
            "history": fallout_history(fallout=fallout),
            "workable": fallout.state
            in ("open", "in_progress", "on_hold", "awaiting_information"),
            "correction_form": forms_given.get("correction_form")
            or _correction_form(fallout),
            "retry_form": forms_given.get("retry_form") or OptionalReasonForm(),
            "skip_form": forms_given.get("skip_form") or ReasonForm(),
            "complete_form": forms_given.get("complete_form") or CompleteByHandForm(),
            "cancel_line_form": forms_given.get("cancel_line_form") or ReasonForm(),
            "cancel_form": forms_given.get("cancel_form") or ReasonForm(),
            "park_form": forms_given.get("park_form") or ReasonForm(),
            "problem": forms_given.get("problem", ""),
        }
        return render(request, self.template_name, context)


class FalloutActionView(RoleRequiredMixin, View, ABC):
    """POST one action on a fallout; back to its page with a message, or the page with
    the form's errors. Subclasses name the form and call their one service."""

    roles = FALLOUT_ROLES
    form_class: type[forms.Form] = OptionalReasonForm
    form_key = "retry_form"
    done = ""

    @abstractmethod
    def perform(
        self, request: HttpRequest, fallout: FalloutRecord, form: forms.Form
    ) -> None:
        """Call the action's service with the form's values."""

    def make_form(self, request: HttpRequest, fallout: FalloutRecord) -> forms.Form:
        return self.form_class(request.POST)

    def form_ok(self, form: forms.Form) -> bool:
        return form.is_valid()

    def error_show(self, form: forms.Form, error: DomainError) -> None:
        form_add_domain_error(form, error)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fallout = _fallout(pk)
        form = self.make_form(request, fallout)
        if self.form_ok(form):
            try:
                self.perform(request, fallout, form)
            except DomainError as error:
                self.error_show(form, error)
            else:
                messages.success(request, self.done.format(number=fallout.number))
                return redirect(DETAIL, pk=pk)
        return FalloutDetailView().page(request, _fallout(pk), **{self.form_key: form})

    @staticmethod
    def actor(request: HttpRequest) -> Actor:
        return Actor.for_user(request.user)


class FalloutTakeView(FalloutActionView):
    done = "You took {number}."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_assign(fallout_id=fallout.pk, actor=self.actor(request))


class FalloutRetryView(FalloutActionView):
    done = "{number} closed; the task runs again."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_retry(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
        )


class FalloutCorrectView(FalloutActionView):
    form_key = "correction_form"
    done = "Values corrected; {number} closed and the task runs again."

    def make_form(self, request: HttpRequest, fallout: FalloutRecord) -> forms.Form:
        return _correction_form(fallout, request.POST)

    def form_ok(self, form: forms.Form) -> bool:
        return form.is_valid() and not form.check_characteristics()  # type: ignore[attr-defined]

    def error_show(self, form: forms.Form, error: DomainError) -> None:
        super().error_show(form, error)
        form.characteristic_error_map.setdefault("__all__", []).append(  # type: ignore[attr-defined]
            error.message
        )

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        current = dict(fallout.task.domain_order.characteristics or {})
        changed = {
            code: value
            for code, value in form.characteristic_values().items()
            if value not in (None, "") and current.get(code) != value
        }
        fallout_correct_and_retry(
            fallout_id=fallout.pk,
            values=changed,
            actor=self.actor(request),
            reason=form.cleaned_data.get("reason", ""),
        )


class FalloutSkipView(FalloutActionView):
    form_class = ReasonForm
    form_key = "skip_form"
    done = "{number} closed; the task is skipped and the order goes on."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_skip_task(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
        )


class FalloutCompleteByHandView(FalloutActionView):
    form_class = CompleteByHandForm
    form_key = "complete_form"
    done = "{number} closed; the task is completed by hand."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_complete_task_by_hand(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
            data=form.data_given(),  # type: ignore[attr-defined]
        )


class FalloutCancelLineView(FalloutActionView):
    form_class = ReasonForm
    form_key = "cancel_line_form"
    done = "{number} closed; the line is canceled."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_cancel_line(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
        )


class FalloutCancelView(FalloutActionView):
    form_class = ReasonForm
    form_key = "cancel_form"
    done = "{number} canceled; the task runs again."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_cancel(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
        )


class FalloutHoldView(FalloutActionView):
    form_class = ReasonForm
    form_key = "park_form"
    done = "{number} is on hold."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_hold(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
        )


class FalloutAwaitView(FalloutActionView):
    form_class = ReasonForm
    form_key = "park_form"
    done = "{number} awaits information."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_await_information(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
        )


class FalloutResumeView(FalloutActionView):
    done = "{number} is in progress again."

    def perform(self, request, fallout, form) -> None:  # type: ignore[no-untyped-def]
        fallout_resume(
            fallout_id=fallout.pk,
            actor=self.actor(request),
            reason=form.cleaned_data["reason"],
        )


class FalloutBulkRetryView(RoleRequiredMixin, View):
    """Retry every open fallout of one type (after an outage)."""

    roles = FALLOUT_ROLES

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BulkRetryForm(request.POST)
        back = request.POST.get("next") or "workspace:fallout"
        if back not in ("workspace:fallout", "workspace:fallout-manager"):
            back = "workspace:fallout"
        if not form.is_valid():
            messages.error(request, "Choose a type and say why to retry them all.")
            return redirect(back)
        try:
            retried = fallouts_bulk_retry(
                fallout_type_id=form.cleaned_data["fallout_type"].pk,
                actor=Actor.for_user(request.user),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(back)
        messages.success(
            request,
            f"{len(retried)} {form.cleaned_data['fallout_type'].name.lower()} "
            f"fallout{'s' if len(retried) != 1 else ''} retried.",
        )
        return redirect(back)


class FalloutManagerView(RoleRequiredMixin, View):
    """Open fallouts by type and group, aging, mean time to resolve, the fallout rate per
    offering over time (Chart.js), and the open fallouts with a reassignment form."""

    roles = FALLOUT_MANAGER_ROLES
    template_name = "workspace/fallout_manager.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        people = [(u.pk, u.get_full_name() or u.username) for u in fallout_staff()]
        oldest = list(
            fallout_queue(
                user=request.user, filters=FalloutQueueFilters(scope="all")
            ).order_by("opened_at", "id")[:QUEUE_PER_PAGE]
        )
        by_type = fallouts_open_by_type()
        context = {
            "title": "Fallout management",
            "now": now,
            "open_total": sum(row.count for row in by_type),
            "by_type": by_type,
            "by_group": fallouts_open_by_group(),
            "aging": fallout_aging(now=now),
            "mttr": _duration_text(fallout_mean_time_to_resolve(now=now)),
            "rate_chart": fallout_rate_by_offering(now=now).as_chart(),
            "oldest": oldest,
            "reassign_form": ReassignForm(people=people),
            "bulk_form": BulkRetryForm(),
        }
        return render(request, self.template_name, context)


class FalloutReassignView(RoleRequiredMixin, View):
    """Give a fallout to another group's queue and/or a person (fallout managers)."""

    roles = FALLOUT_MANAGER_ROLES

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        fallout = _fallout(pk)
        people = [(u.pk, u.username) for u in fallout_staff()]
        form = ReassignForm(request.POST, people=people)
        if not form.is_valid():
            messages.error(request, "Choose a group or a person.")
            return redirect("workspace:fallout-manager")
        actor = Actor.for_user(request.user)
        try:
            group = form.cleaned_data["work_group"]
            if group is not None and group.pk != fallout.work_group_id:
                fallout_route_to_group(
                    fallout_id=fallout.pk, work_group_id=group.pk, actor=actor
                )
            if form.cleaned_data["assignee"] is not None:
                fallout_assign(
                    fallout_id=fallout.pk,
                    assignee_id=form.cleaned_data["assignee"],
                    actor=actor,
                )
        except DomainError as error:
            messages.error(request, f"{fallout.number}: {error.message}")
        else:
            messages.success(request, f"{fallout.number} reassigned.")
        return redirect("workspace:fallout-manager")
