"""Staff workspaces, one per role; later issues replace the placeholders with real queues."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.views.generic import TemplateView

from ordermgmt.roles import Role, user_roles


class RoleWorkspaceView(LoginRequiredMixin, UserPassesTestMixin, TemplateView):
    """A workspace page that only the users of its role (or superusers) may open."""

    template_name = "ordermgmt/placeholder.html"
    role: Role
    title = ""
    purpose = ""
    coming = ""

    def test_func(self) -> bool:
        user = self.request.user
        return bool(user.is_superuser or self.role in user_roles(user))

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, purpose=self.purpose, coming=self.coming)
        return context


class AgentWorkspaceView(RoleWorkspaceView):
    role = Role.ORDER_AGENT
    title = "Order agent workspace"
    purpose = "Capture orders for customers, edit drafts and submit them."
    coming = (
        "order capture, drafts and submission arrive with the order capture issue (#3)."
    )


class ApproverWorkspaceView(RoleWorkspaceView):
    role = Role.ORDER_APPROVER
    title = "Approval queue"
    purpose = "Approve or reject the orders the approval policy sends you."
    coming = "the approval queue arrives with the order capture issue (#3)."


class OrderManagerWorkspaceView(RoleWorkspaceView):
    role = Role.ORDER_MANAGER
    title = "Order management"
    purpose = "Oversee customer and service orders: reassign, revise and cancel."
    coming = "order oversight arrives with the order capture and fulfillment issues (#3, #4)."


class FulfillmentWorkspaceView(RoleWorkspaceView):
    role = Role.FULFILLMENT_AGENT
    title = "Fulfillment tasks"
    purpose = "Work enrichment and fulfillment tasks in your groups' queues."
    coming = (
        "the task queues arrive with the order capture and fulfillment issues (#3, #4)."
    )


class FulfillmentManagerWorkspaceView(RoleWorkspaceView):
    role = Role.FULFILLMENT_MANAGER
    title = "Fulfillment management"
    purpose = "Watch orders in progress, timelines, jeopardy and team load."
    coming = "the dashboards arrive with the fulfillment and jeopardy issues (#4, #5)."


class FalloutWorkspaceView(RoleWorkspaceView):
    role = Role.FALLOUT_AGENT
    title = "Fallout queue"
    purpose = "Diagnose fallout, fix data, and retry, skip or complete the failed task."
    coming = "the fallout queue arrives with the jeopardy and fallout issue (#5)."


class FalloutManagerWorkspaceView(RoleWorkspaceView):
    role = Role.FALLOUT_MANAGER
    title = "Fallout management"
    purpose = "Watch fallout volume, aging and categories, and assign work."
    coming = "the fallout dashboard arrives with the jeopardy and fallout issue (#5)."
