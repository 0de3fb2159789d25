"""Editing a draft order: lines configured in a generated form with inline validation,
prices and totals refreshed on `order-changed`, a manual discount, submit and cancel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from catalog.models import ProductOffering
from ordermgmt.actor import Actor
from ordermgmt.errors import form_add_domain_error
from ordermgmt.exceptions import DomainError, NotFound, ValidationFailed
from orders.models import ApprovalStatus, CustomerOrder, CustomerOrderLine
from orders.services import (
    order_discount_set,
    order_draft_cancel,
    order_line_add,
    order_line_change,
    order_line_remove,
    order_submit,
    order_update,
)
from workspace.forms import NON_FIELD, DiscountForm, LineForm, OrderHeaderForm
from workspace.selectors import (
    offering_characteristics,
    offering_get_sellable,
    offering_groups,
    order_get_for_workspace,
    order_line_rows,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import AGENT_ROLES

ORDER_CHANGED = "order-changed"
TEMPLATE = "workspace/order_edit.html"


def _order(request: HttpRequest, pk: int) -> CustomerOrder:
    try:
        return order_get_for_workspace(user=request.user, order_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _line(order: CustomerOrder, line_pk: int) -> CustomerOrderLine:
    for line in order.lines.all():
        if line.pk == line_pk:
            return line
    raise Http404(f"Order {order} has no line {line_pk}.")


def _offering(offering_id: str | int | None) -> ProductOffering:
    try:
        return offering_get_sellable(offering_id=int(offering_id or 0))
    except (NotFound, ValueError) as exc:
        raise Http404("Choose an offering that is for sale.") from exc


def _changed(response: HttpResponse) -> HttpResponse:
    response["HX-Trigger"] = ORDER_CHANGED
    return response


class DraftOrderMixin(RoleRequiredMixin):
    """An agent's view of one order; write views load it and call one service."""

    roles = AGENT_ROLES

    def actor(self) -> Actor:
        return Actor.for_user(self.request.user)  # type: ignore[attr-defined]


class OrderEditView(DraftOrderMixin, View):
    """The draft order page: lines, the offering picker, the line editor, totals."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        if not order.is_draft:
            return redirect("workspace:order-detail", pk=order.pk)
        context = {
            "order": order,
            "rows": order_line_rows(lines=order.lines.all()),
            "offering_groups": offering_groups(),
            "discount_form": DiscountForm(
                initial={
                    "percent": format(order.discount_percent.normalize(), "f"),
                    "reason": order.discount_reason,
                }
            ),
            "header_form": OrderHeaderForm(
                initial={
                    "external_id": order.external_id,
                    "description": order.description,
                }
            ),
        }
        return render(request, TEMPLATE, context)


class OrderLinesView(DraftOrderMixin, View):
    """The lines panel with prices (htmx partial, refreshed on `order-changed`)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        return render(
            request,
            f"{TEMPLATE}#lines",
            {"order": order, "rows": order_line_rows(lines=order.lines.all())},
        )


class OrderTotalsView(DraftOrderMixin, View):
    """The totals panel (htmx partial, refreshed on `order-changed`)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return render(request, f"{TEMPLATE}#totals", {"order": _order(request, pk)})


class LineEditorMixin(DraftOrderMixin):
    """Renders the line editor: the generated form for one offering or one line."""

    def editor(
        self,
        request: HttpRequest,
        *,
        order: CustomerOrder,
        offering: ProductOffering,
        form: LineForm,
        line: CustomerOrderLine | None = None,
        done: str = "",
    ) -> HttpResponse:
        context: dict[str, Any] = {
            "order": order,
            "offering": offering,
            "form": form,
            "line": line,
            "errors": form.characteristic_error_map,
            "done": done,
        }
        return render(request, f"{TEMPLATE}#line-editor", context)


class OrderLineNewView(LineEditorMixin, View):
    """The editor for a new line of an offering, its defaults filled in."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        offering = _offering(request.GET.get("offering"))
        form = LineForm(characteristics=offering_characteristics(offering=offering))
        return self.editor(request, order=order, offering=offering, form=form)


class OrderLineValidateView(LineEditorMixin, View):
    """Check the line form as the agent types; answer with every field's errors."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        offering = _offering(request.POST.get("offering"))
        form = LineForm(
            request.POST, characteristics=offering_characteristics(offering=offering)
        )
        form.check_characteristics()
        return render(
            request,
            f"{TEMPLATE}#field-errors",
            {"slots": form.error_slots()},
        )


class OrderLineAddView(LineEditorMixin, View):
    """Add a configured line (a bundle brings its children); the editor is emptied."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        offering = _offering(request.POST.get("offering"))
        characteristics = offering_characteristics(offering=offering)
        form = LineForm(request.POST, characteristics=characteristics)
        if form.check_characteristics():
            return self.editor(request, order=order, offering=offering, form=form)
        try:
            order_line_add(
                order_id=order.pk,
                offering_id=offering.pk,
                quantity=form.quantity_value() or 1,
                characteristics=form.characteristic_values(),
                action="add",
                actor=self.actor(),
            )
        except ValidationFailed as error:
            form.add_service_errors(error.errors or {NON_FIELD: [error.message]})
            return self.editor(request, order=order, offering=offering, form=form)
        except DomainError as error:
            form.add_service_errors({NON_FIELD: [error.message]})
            return self.editor(request, order=order, offering=offering, form=form)
        return _changed(
            render(
                request,
                f"{TEMPLATE}#line-editor",
                {"order": order, "done": f"{offering.name} added to the order."},
            )
        )


class OrderLineChangeView(LineEditorMixin, View):
    """Edit a line's quantity and characteristics."""

    def get(self, request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
        order = _order(request, pk)
        line = _line(order, line_pk)
        offering = _offering(line.offering_id)
        form = LineForm(
            initial={"quantity": line.quantity},
            characteristics=offering_characteristics(offering=offering),
            values=line.characteristics,
        )
        return self.editor(
            request, order=order, offering=offering, form=form, line=line
        )

    def post(self, request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
        order = _order(request, pk)
        line = _line(order, line_pk)
        offering = _offering(line.offering_id)
        form = LineForm(
            request.POST, characteristics=offering_characteristics(offering=offering)
        )
        if form.check_characteristics():
            return self.editor(
                request, order=order, offering=offering, form=form, line=line
            )
        try:
            order_line_change(
                order_id=order.pk,
                line_id=line.pk,
                actor=self.actor(),
                quantity=form.quantity_value(),
                characteristics=form.characteristic_values(),
            )
        except ValidationFailed as error:
            form.add_service_errors(error.errors or {NON_FIELD: [error.message]})
            return self.editor(
                request, order=order, offering=offering, form=form, line=line
            )
        except DomainError as error:
            form.add_service_errors({NON_FIELD: [error.message]})
            return self.editor(
                request, order=order, offering=offering, form=form, line=line
            )
        return _changed(
            render(
                request,
                f"{TEMPLATE}#line-editor",
                {"order": order, "done": f"Line {line.line_number} changed."},
            )
        )


class OrderLineRemoveView(DraftOrderMixin, View):
    """Remove a line and its bundle children; the lines panel comes back."""

    def post(self, request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
        order = _order(request, pk)
        line = _line(order, line_pk)
        try:
            order_line_remove(order_id=order.pk, line_id=line.pk, actor=self.actor())
        except DomainError as error:
            messages.error(request, error.message)
        order = _order(request, pk)
        return _changed(
            render(
                request,
                f"{TEMPLATE}#lines",
                {"order": order, "rows": order_line_rows(lines=order.lines.all())},
            )
        )


class OrderDiscountSetView(DraftOrderMixin, View):
    """Set the manual discount with its reason; above the threshold it needs approval."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        form = DiscountForm(request.POST)
        saved = False
        if form.is_valid():
            try:
                order = order_discount_set(
                    order_id=order.pk,
                    percent=form.cleaned_data["percent"],
                    reason=form.cleaned_data["reason"],
                    actor=self.actor(),
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                saved = True
        response = render(
            request,
            f"{TEMPLATE}#discount",
            {"order": order, "discount_form": form, "saved": saved},
        )
        return _changed(response) if saved else response


class OrderHeaderSaveView(DraftOrderMixin, View):
    """Save the draft's reference and description, and go back to the order list."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        form = OrderHeaderForm(request.POST)
        if form.is_valid():
            try:
                order_update(
                    order_id=order.pk, changes=form.cleaned_data, actor=self.actor()
                )
            except DomainError as error:
                messages.error(request, error.message)
                return redirect("workspace:order-edit", pk=order.pk)
            messages.success(request, f"Draft {order} saved.")
            return redirect("workspace:agent")
        messages.error(request, "The reference or description is not valid.")
        return redirect("workspace:order-edit", pk=order.pk)


def _submit_problems(error: DomainError) -> list[str]:
    if isinstance(error, ValidationFailed) and error.errors:
        return [
            f"{field.replace('.', ' › ')}: {message}"
            for field, field_messages in error.errors.items()
            for message in field_messages
        ]
    return [error.message]


class OrderSubmitView(DraftOrderMixin, View):
    """Submit the draft; the order page then shows where it went."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        try:
            order = order_submit(order_id=order.pk, actor=self.actor())
        except DomainError as error:
            for problem in _submit_problems(error):
                messages.error(request, problem)
            return redirect("workspace:order-edit", pk=order.pk)
        waiting = (
            f" ({order.get_approval_status_display().lower()})"
            if order.approval_status == ApprovalStatus.PENDING
            else ""
        )
        messages.success(
            request, f"Order {order} submitted: {order.get_state_display()}{waiting}."
        )
        return redirect("workspace:order-detail", pk=order.pk)


class OrderDraftCancelView(DraftOrderMixin, View):
    """Throw a draft away."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = _order(request, pk)
        try:
            order_draft_cancel(
                order_id=order.pk,
                actor=self.actor(),
                reason=request.POST.get("reason", "").strip()
                or "Canceled by the agent",
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("workspace:order-edit", pk=order.pk)
        messages.success(request, f"Draft {order} canceled.")
        return redirect("workspace:agent")
