"""The role check every workspace page makes, and the pages still to come (placeholders)."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.views.generic import TemplateView

from ordermgmt.roles import Role, user_roles


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Only users holding one of `roles` (or superusers) pass; others get 403."""

    roles: tuple[Role, ...] = ()

    def test_func(self) -> bool:
        user = self.request.user  # type: ignore[attr-defined]
        return bool(user.is_superuser or set(self.roles) & user_roles(user))


class RoleWorkspaceView(RoleRequiredMixin, TemplateView):
    """A workspace page that only the users of its role (or superusers) may open."""

    template_name = "ordermgmt/placeholder.html"
    role: Role
    title = ""
    purpose = ""
    coming = ""

    @property
    def roles(self) -> tuple[Role, ...]:  # type: ignore[override]
        return (self.role,)

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context.update(title=self.title, purpose=self.purpose, coming=self.coming)
        return context


class OrderManagerWorkspaceView(RoleWorkspaceView):
    role = Role.ORDER_MANAGER
    title = "Order management"
    purpose = "Oversee customer and service orders: reassign, revise and cancel."
    coming = "order oversight arrives with the order capture and fulfillment issues (#3, #4)."
