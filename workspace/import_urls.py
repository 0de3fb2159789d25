"""URL of the order import page; included by `workspace.urls` (app_name "workspace")."""

from django.urls import path

from workspace.views_import import OrderImportView

urlpatterns = [
    path("orders/import/", OrderImportView.as_view(), name="order-import"),
]
