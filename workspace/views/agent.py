"""The order agent's pages: its orders with search and filters, and starting a new order."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from ordermgmt.actor import Actor
from ordermgmt.errors import form_add_domain_error
from ordermgmt.exceptions import DomainError
from orders.models import OrderChannel
from orders.selectors import order_list_for_agent
from orders.services import order_draft_create
from workspace.forms import AccountPickForm, OrderSearchForm
from workspace.selectors import account_search
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import AGENT_ROLES

ORDERS_PER_PAGE = 25


class OrderListView(RoleRequiredMixin, View):
    """The agent's drafts and orders, newest first, searchable and filtered, paginated."""

    roles = AGENT_ROLES
    template_name = "workspace/order_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = OrderSearchForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        orders = order_list_for_agent(
            user=request.user,
            search=filters.get("q", ""),
            state=filters.get("state", ""),
            channel=filters.get("channel", ""),
        )
        page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "title": "Order agent workspace",
        }
        template = self.template_name
        if request.htmx and not request.htmx.boosted:
            template += "#order-table"
        return render(request, template, context)


class AccountSearchView(RoleRequiredMixin, View):
    """Customers matching what the agent types (htmx partial)."""

    roles = AGENT_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request,
            "workspace/order_create.html#account-results",
            {"accounts": account_search(query=request.GET.get("q", ""))},
        )


class OrderCreateView(RoleRequiredMixin, View):
    """Pick a customer and open a draft order for it."""

    roles = AGENT_ROLES
    template_name = "workspace/order_create.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, AccountPickForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = AccountPickForm(request.POST)
        if form.is_valid():
            try:
                order = order_draft_create(
                    account_id=form.cleaned_data["account"],
                    actor=Actor.for_user(request.user),
                    channel=OrderChannel.AGENT,
                    external_id=form.cleaned_data["external_id"],
                    description=form.cleaned_data["description"],
                )
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, f"Draft {order} opened for {order.account}.")
                return redirect("workspace:order-edit", pk=order.pk)
        return self._page(request, form, status=400)

    def _page(
        self, request: HttpRequest, form: AccountPickForm, status: int = 200
    ) -> HttpResponse:
        context: dict[str, Any] = {
            "form": form,
            "accounts": account_search(query=""),
        }
        return render(request, self.template_name, context, status=status)
