from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.PortalHomeView.as_view(), name="home"),
    path(
        "orders/<int:pk>/", views.PortalOrderDetailView.as_view(), name="order-detail"
    ),
]
