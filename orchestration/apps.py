from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    name = "orchestration"
    verbose_name = "Orchestration"

    def ready(self) -> None:
        from orchestration import hooks
        from orchestration.receivers import order_acknowledged
        from orchestration.services import fulfillment
        from orders import hooks as order_hooks

        order_hooks.ORDER_ACKNOWLEDGED.connect(order_acknowledged)
        hooks.DOMAIN_ORDER_CLOSED.connect(fulfillment.domain_order_inventory_activate)
        hooks.ORDER_LINE_DONE.connect(fulfillment.order_line_done)
        hooks.ORDER_DONE.connect(fulfillment.order_done)
        hooks.ORDER_LINE_PONR.connect(fulfillment.order_line_ponr)
