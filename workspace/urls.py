from django.urls import include, path

from workspace import views

app_name = "workspace"

_order = "orders/<int:pk>/"
_line = "orders/<int:pk>/lines/<int:line_pk>/"
_task = "fulfillment/order-tasks/<int:pk>/"
_fallout = "fallout/<int:pk>/"

urlpatterns = [
    # Order agent
    path("agent/", views.OrderListView.as_view(), name="agent"),
    path("agent/customers/", views.AccountSearchView.as_view(), name="account-search"),
    path("orders/new/", views.OrderCreateView.as_view(), name="order-create"),
    path(_order, views.OrderDetailView.as_view(), name="order-detail"),
    path(
        f"{_order}orchestration/",
        views.OrderOrchestrationView.as_view(),
        name="order-orchestration",
    ),
    path(f"{_order}edit/", views.OrderEditView.as_view(), name="order-edit"),
    path(f"{_order}save/", views.OrderHeaderSaveView.as_view(), name="order-save"),
    path(f"{_order}lines/", views.OrderLinesView.as_view(), name="order-lines"),
    path(f"{_order}totals/", views.OrderTotalsView.as_view(), name="order-totals"),
    path(f"{_order}lines/new/", views.OrderLineNewView.as_view(), name="line-new"),
    path(
        f"{_order}lines/validate/",
        views.OrderLineValidateView.as_view(),
        name="line-validate",
    ),
    path(f"{_order}lines/add/", views.OrderLineAddView.as_view(), name="line-add"),
    path(f"{_line}change/", views.OrderLineChangeView.as_view(), name="line-change"),
    path(f"{_line}remove/", views.OrderLineRemoveView.as_view(), name="line-remove"),
    path(
        f"{_order}discount/",
        views.OrderDiscountSetView.as_view(),
        name="order-discount-set",
    ),
    path(f"{_order}submit/", views.OrderSubmitView.as_view(), name="order-submit"),
    path(f"{_order}cancel/", views.OrderDraftCancelView.as_view(), name="order-cancel"),
    # Order approver
    path("approvals/", views.ApprovalQueueView.as_view(), name="approver"),
    path(f"{_order}approve/", views.OrderApproveView.as_view(), name="order-approve"),
    path(f"{_order}reject/", views.OrderRejectView.as_view(), name="order-reject"),
    # Fulfillment agent
    path("fulfillment/", views.FulfillmentQueueView.as_view(), name="fulfillment"),
    path(_task, views.OrderTaskWorkView.as_view(), name="order-task-work"),
    path(f"{_task}claim/", views.OrderTaskClaimView.as_view(), name="order-task-claim"),
    path(
        f"{_task}notes/", views.OrderTaskNoteAddView.as_view(), name="order-task-note"
    ),
    path(
        f"{_task}problem/",
        views.OrderTaskProblemReportView.as_view(),
        name="order-task-problem",
    ),
    path(
        f"{_task}complete/",
        views.OrderTaskCompleteView.as_view(),
        name="order-task-complete",
    ),
    path(
        "fulfillment/tasks/<int:pk>/claim/",
        views.EnrichmentTaskClaimView.as_view(),
        name="enrichment-task-claim",
    ),
    path(
        "fulfillment/tasks/<int:pk>/complete/",
        views.EnrichmentTaskCompleteView.as_view(),
        name="enrichment-task-complete",
    ),
    # Fulfillment manager
    path(
        "fulfillment/manager/",
        views.FulfillmentManagerView.as_view(),
        name="fulfillment-manager",
    ),
    path(
        "fulfillment/jeopardy/",
        views.JeopardyBoardView.as_view(),
        name="jeopardy-board",
    ),
    path(
        "fulfillment/jeopardy/tasks/<int:pk>/reassign/",
        views.JeopardyTaskReassignView.as_view(),
        name="jeopardy-task-reassign",
    ),
    path(
        "fulfillment/jeopardy/tasks/<int:pk>/priority/",
        views.JeopardyTaskPriorityRaiseView.as_view(),
        name="jeopardy-task-priority",
    ),
    path(
        "fulfillment/jeopardy/tasks/<int:pk>/notes/",
        views.JeopardyTaskNoteView.as_view(),
        name="jeopardy-task-note",
    ),
    path(
        "fulfillment/jeopardy/alerts/<int:pk>/seen/",
        views.JeopardyAlertAcknowledgeView.as_view(),
        name="jeopardy-alert-ack",
    ),
    # Order manager
    path("orders/", views.OrderManagerView.as_view(), name="order-manager"),
    # Order import (its own module: workspace.import_urls, /workspace/orders/import/)
    path("", include("workspace.import_urls")),
    # Fallout agent and manager
    path("fallout/", views.FalloutQueueView.as_view(), name="fallout"),
    path(
        "fallout/manager/", views.FalloutManagerView.as_view(), name="fallout-manager"
    ),
    path(
        "fallout/bulk-retry/",
        views.FalloutBulkRetryView.as_view(),
        name="fallout-bulk-retry",
    ),
    path(_fallout, views.FalloutDetailView.as_view(), name="fallout-detail"),
    path(f"{_fallout}take/", views.FalloutTakeView.as_view(), name="fallout-take"),
    path(f"{_fallout}retry/", views.FalloutRetryView.as_view(), name="fallout-retry"),
    path(
        f"{_fallout}correct/",
        views.FalloutCorrectView.as_view(),
        name="fallout-correct",
    ),
    path(f"{_fallout}skip/", views.FalloutSkipView.as_view(), name="fallout-skip"),
    path(
        f"{_fallout}complete/",
        views.FalloutCompleteByHandView.as_view(),
        name="fallout-complete",
    ),
    path(
        f"{_fallout}cancel-line/",
        views.FalloutCancelLineView.as_view(),
        name="fallout-cancel-line",
    ),
    path(
        f"{_fallout}cancel/", views.FalloutCancelView.as_view(), name="fallout-cancel"
    ),
    path(f"{_fallout}hold/", views.FalloutHoldView.as_view(), name="fallout-hold"),
    path(f"{_fallout}await/", views.FalloutAwaitView.as_view(), name="fallout-await"),
    path(
        f"{_fallout}resume/", views.FalloutResumeView.as_view(), name="fallout-resume"
    ),
    path(
        f"{_fallout}reassign/",
        views.FalloutReassignView.as_view(),
        name="fallout-reassign",
    ),
    # Still to come
]
