from django.urls import path

from workspace import views

app_name = "workspace"
urlpatterns = [
    path("agent/", views.AgentWorkspaceView.as_view(), name="agent"),
    path("approvals/", views.ApproverWorkspaceView.as_view(), name="approver"),
    path("orders/", views.OrderManagerWorkspaceView.as_view(), name="order-manager"),
    path("fulfillment/", views.FulfillmentWorkspaceView.as_view(), name="fulfillment"),
    path(
        "fulfillment/manager/",
        views.FulfillmentManagerWorkspaceView.as_view(),
        name="fulfillment-manager",
    ),
    path("fallout/", views.FalloutWorkspaceView.as_view(), name="fallout"),
    path(
        "fallout/manager/",
        views.FalloutManagerWorkspaceView.as_view(),
        name="fallout-manager",
    ),
]
