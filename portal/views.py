"""Customer self-service portal: a customer sees only its own account's orders and products."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.views.generic import TemplateView

from inventory.models import InventoryItem
from ordermgmt.exceptions import NotFound
from orders.models import Account
from orders.selectors import account_ids_for_user, order_get_for_user, orders_visible_to


class PortalHomeView(LoginRequiredMixin, TemplateView):
    """The customer's account: its orders, newest first, and the products it owns."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        account_ids = account_ids_for_user(user=self.request.user)
        context["accounts"] = Account.objects.filter(pk__in=account_ids).order_by(
            "name"
        )
        context["orders"] = (
            orders_visible_to(user=self.request.user)
            .filter(account_id__in=account_ids)
            .order_by("-created_at")[:50]
        )
        context["products"] = (
            InventoryItem.objects.filter(
                account_id__in=account_ids, parent__isnull=True
            )
            .select_related("offering")
            .order_by("-created_at")[:50]
        )
        return context


class PortalOrderDetailView(LoginRequiredMixin, TemplateView):
    """One of the customer's orders with its lines; another account's order is a 404."""

    template_name = "portal/order_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            order = order_get_for_user(user=self.request.user, order_id=kwargs["pk"])
        except NotFound as exc:
            raise Http404(exc.message) from exc
        context["order"] = order
        context["lines"] = sorted(order.lines.all(), key=lambda line: line.line_number)
        return context
