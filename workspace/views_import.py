"""The order import page: an agent uploads a CSV or JSON file and reads the report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views import View

from ordermgmt.actor import Actor
from orders.imports.exceptions import ImportFileUnreadable
from orders.imports.formats import FORMAT_HELP, UPLOAD_MAX_BYTES, ImportFormat
from orders.imports.report import ImportOrderResult, ImportReport
from orders.imports.service import orders_import
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import AGENT_ROLES

_EXTENSIONS = tuple(f".{f.value}" for f in ImportFormat)


class OrderImportForm(forms.Form):
    file = forms.FileField(
        label="Order file (.csv or .json)",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(_EXTENSIONS)}),
    )
    draft = forms.BooleanField(
        required=False, label="Keep the orders as drafts (do not submit them)"
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in _EXTENSIONS:
            raise forms.ValidationError("Upload a .csv or a .json file.")
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{UPLOAD_MAX_BYTES // 1024 // 1024} MB. Split it, or ask an "
                "administrator to run manage.py import_orders."
            )
        return upload


@dataclass(frozen=True)
class OrderResultRow:
    """One order of the report, with the link to its page when it was created."""

    result: ImportOrderResult
    url: str


def _order_url(order_id: int) -> str:
    try:
        return reverse("workspace:order-detail", args=[order_id])
    except NoReverseMatch:
        return f"/workspace/orders/{order_id}/"


class OrderImportView(RoleRequiredMixin, View):
    """Upload an order file; every row is checked, valid orders are created."""

    roles = AGENT_ROLES
    template_name = "workspace/import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, form=OrderImportForm(), report=None)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OrderImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = orders_import(
                    file_name=PurePath(upload.name).name,
                    content=upload.read(),
                    actor=Actor.for_user(request.user),
                    submit=not form.cleaned_data["draft"],
                )
            except ImportFileUnreadable as exc:
                form.add_error("file", exc.message)
        return self._render(request, form=form, report=report)

    def _render(
        self,
        request: HttpRequest,
        *,
        form: OrderImportForm,
        report: ImportReport | None,
    ) -> HttpResponse:
        template = self.template_name
        if getattr(request, "htmx", False):
            template += "#import-result"
        context = {
            "form": form,
            "report": report,
            "order_rows": [
                OrderResultRow(
                    result=result,
                    url=_order_url(result.order_id) if result.order_id else "",
                )
                for result in (report.orders if report else [])
            ],
            "format_help": FORMAT_HELP,
            "max_megabytes": UPLOAD_MAX_BYTES // 1024 // 1024,
        }
        return render(request, template, context)
