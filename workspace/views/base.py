"""The role check every workspace page makes."""

from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin

from ordermgmt.roles import Role, user_roles


class RoleRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Only users holding one of `roles` (or superusers) pass; others get 403."""

    roles: tuple[Role, ...] = ()

    def test_func(self) -> bool:
        user = self.request.user  # type: ignore[attr-defined]
        return bool(user.is_superuser or set(self.roles) & user_roles(user))
