"""Staff workspaces (htmx): one module per workspace; import views from here."""

from workspace.views.agent import AccountSearchView, OrderCreateView, OrderListView
from workspace.views.base import (
    FalloutManagerWorkspaceView,
    FalloutWorkspaceView,
    FulfillmentManagerWorkspaceView,
    OrderManagerWorkspaceView,
    RoleRequiredMixin,
    RoleWorkspaceView,
)
from workspace.views.fulfillment import (
    EnrichmentQueueView,
    EnrichmentTaskClaimView,
    EnrichmentTaskCompleteView,
)
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
from workspace.views.orders import (
    ApprovalQueueView,
    OrderApproveView,
    OrderDetailView,
    OrderRejectView,
)

__all__ = [
    "AccountSearchView",
    "ApprovalQueueView",
    "EnrichmentQueueView",
    "EnrichmentTaskClaimView",
    "EnrichmentTaskCompleteView",
    "FalloutManagerWorkspaceView",
    "FalloutWorkspaceView",
    "FulfillmentManagerWorkspaceView",
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
    "OrderManagerWorkspaceView",
    "OrderRejectView",
    "OrderSubmitView",
    "OrderTotalsView",
    "RoleRequiredMixin",
    "RoleWorkspaceView",
]
