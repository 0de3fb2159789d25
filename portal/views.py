"""Customer self-service portal."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class PortalHomeView(LoginRequiredMixin, TemplateView):
    template_name = "ordermgmt/placeholder.html"
