"""Staff workspaces (htmx): one module per workspace; import views from here."""

from workspace.views.agent import AccountSearchView, OrderCreateView, OrderListView
from workspace.views.base import (
    FalloutManagerWorkspaceView,
    FalloutWorkspaceView,
    RoleRequiredMixin,
    RoleWorkspaceView,
)
from workspace.views.fulfillment import (
    EnrichmentTaskClaimView,
    EnrichmentTaskCompleteView,
    FulfillmentQueueView,
)
from workspace.views.jeopardy import (
    JeopardyAlertAcknowledgeView,
    JeopardyBoardView,
    JeopardyTaskNoteView,
    JeopardyTaskPriorityRaiseView,
    JeopardyTaskReassignView,
)
from workspace.views.manager import FulfillmentManagerView
from workspace.views.order_edit import (
    OrderDiscountSetView,
    OrderDraftCancelView,
    OrderEditView,
    OrderHeaderSaveView,
    OrderLineAddView,
    OrderLineChangeView,
    OrderLineNewView,
    OrderLineRemoveView,
    OrderLinesView,
    OrderLineValidateView,
    OrderSubmitView,
    OrderTotalsView,
)
from workspace.views.order_manager import OrderManagerView
from workspace.views.order_tasks import (
    OrderTaskClaimView,
    OrderTaskCompleteView,
    OrderTaskNoteAddView,
    OrderTaskProblemReportView,
    OrderTaskWorkView,
)
from workspace.views.orders import (
    ApprovalQueueView,
    OrderApproveView,
    OrderDetailView,
    OrderOrchestrationView,
    OrderRejectView,
)

__all__ = [
    "AccountSearchView",
    "ApprovalQueueView",
    "EnrichmentTaskClaimView",
    "EnrichmentTaskCompleteView",
    "FalloutManagerWorkspaceView",
    "FalloutWorkspaceView",
    "FulfillmentManagerView",
    "FulfillmentQueueView",
    "JeopardyAlertAcknowledgeView",
    "JeopardyBoardView",
    "JeopardyTaskNoteView",
    "JeopardyTaskPriorityRaiseView",
    "JeopardyTaskReassignView",
    "OrderApproveView",
    "OrderCreateView",
    "OrderDetailView",
    "OrderDiscountSetView",
    "OrderDraftCancelView",
    "OrderEditView",
    "OrderHeaderSaveView",
    "OrderLineAddView",
    "OrderLineChangeView",
    "OrderLineNewView",
    "OrderLineRemoveView",
    "OrderLineValidateView",
    "OrderLinesView",
    "OrderListView",
    "OrderManagerView",
    "OrderOrchestrationView",
    "OrderRejectView",
    "OrderSubmitView",
    "OrderTaskClaimView",
    "OrderTaskCompleteView",
    "OrderTaskNoteAddView",
    "OrderTaskProblemReportView",
    "OrderTaskWorkView",
    "OrderTotalsView",
    "RoleRequiredMixin",
    "RoleWorkspaceView",
]
