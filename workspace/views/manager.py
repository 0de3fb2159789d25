"""The fulfillment manager's dashboard: orders in progress with their age and progress,
the task load of each work group by state, and today's throughput."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import View

from jeopardy.selectors import jeopardy_alerts_open_for_user
from workspace.selectors import (
    BOARD_STATES,
    GroupLoad,
    orders_in_progress,
    task_load_by_group,
    throughput_today,
)
from workspace.views.base import RoleRequiredMixin
from workspace.views.roles import FULFILLMENT_MANAGER_ROLES


def _all_groups(loads: list[GroupLoad]) -> GroupLoad:
    return GroupLoad(
        group="All groups",
        counts=[
            sum(load.counts[index] for load in loads)
            for index in range(len(BOARD_STATES))
        ],
        overdue=sum(load.overdue for load in loads),
        done_today=sum(load.done_today for load in loads),
    )


class FulfillmentManagerView(RoleRequiredMixin, View):
    """The dashboard; it refreshes itself (htmx asks for the `dashboard` partial)."""

    roles = FULFILLMENT_MANAGER_ROLES
    template_name = "workspace/fulfillment_manager.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        now = timezone.now()
        loads = task_load_by_group(now=now)
        context = {
            "title": "Fulfillment management",
            "now": now,
            "in_progress": orders_in_progress(),
            "board_states": [label for _, label in BOARD_STATES],
            "loads": loads,
            "all_groups": _all_groups(loads),
            "throughput": throughput_today(now=now),
            "alerts": jeopardy_alerts_open_for_user(user=request.user),
        }
        template = self.template_name
        if request.htmx and not request.htmx.boosted:
            template += "#dashboard"
        return render(request, template, context)
