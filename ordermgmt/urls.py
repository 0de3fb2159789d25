from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ordermgmt import views

urlpatterns = [
    path("", views.home_view, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("workspace/", include("workspace.urls")),
    path("portal/", include("portal.urls")),
    path("tmf-api/", include("tmf.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]

admin.site.site_header = "Order Management — process administration"
admin.site.site_title = "Order Management admin"
admin.site.index_title = "Catalog, pricing, decision tables and rules"
