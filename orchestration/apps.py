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
        hooks.DOMAIN_ORDERS_CLOSED.connect(fulfillment.domain_orders_inventory_complete)
        hooks.ORDER_LINES_DONE.connect(fulfillment.order_lines_done)
        hooks.ORDERS_DONE.connect(fulfillment.orders_done)
        hooks.ORDER_LINES_PONR.connect(fulfillment.order_lines_ponr)
