"""The order manager's page: every order in flight with its state, committed date,
jeopardy level and open tasks, filtered and paged."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from orchestration.models import JeopardyLevel
from orders.models import CustomerOrderState
from workspace.selectors.oversight import (
    ORDERS_IN_FLIGHT,
    OrderOversightFilters,
    orders_in_flight,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import ORDER_MANAGER_ROLES

ORDERS_PER_PAGE = 50


class OrderOversightFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[
            ("", "Any state"),
            *[(s, CustomerOrderState(s).label) for s in ORDERS_IN_FLIGHT],
        ],
    )
    at_risk = forms.TypedChoiceField(
        label="Jeopardy",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Any"),
            *[(v, f"{label} or worse") for v, label in JeopardyLevel.choices if v > 0],
        ],
    )
    past_commit = forms.BooleanField(label="Past committed date", required=False)

    def filters(self) -> OrderOversightFilters:
        if not self.is_valid():
            return OrderOversightFilters()
        data = self.cleaned_data
        return OrderOversightFilters(
            q=data["q"].strip(),
            state=data["state"],
            at_risk=data["at_risk"],
            past_commit=data["past_commit"],
        )


class OrderManagerView(RoleRequiredMixin, View):
    """Orders in flight; a filter change (htmx) answers with the table only."""

    roles = ORDER_MANAGER_ROLES
    template_name = "workspace/order_manager.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        form = OrderOversightFilterForm(request.GET or None)
        orders = orders_in_flight(filters=form.filters(), now=now)
        page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context: dict[str, Any] = {
            "title": "Order management",
            "now": now,
            "form": form,
            "page": page,
            "query": query.urlencode(),
        }
        template = self.template_name
        if request.htmx and not request.htmx.boosted:
            template += "#order-table"
        return render(request, template, context)
