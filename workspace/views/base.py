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
