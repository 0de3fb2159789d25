from django.apps import AppConfig


class FalloutConfig(AppConfig):
    name = "fallout"
    verbose_name = "Fallout"

    def ready(self) -> None:
        from fallout.receivers import order_task_failed
        from orchestration import hooks

        hooks.ORDER_TASK_FAILED.connect(order_task_failed)
