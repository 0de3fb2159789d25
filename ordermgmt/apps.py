from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrderManagementConfig(AppConfig):
    name = "ordermgmt"
    verbose_name = "Order management kernel"

    def ready(self) -> None:
        from ordermgmt.roles import roles_sync_after_migrate

        # Bootstrapping the role groups (not domain flow): idempotent after every migrate.
        post_migrate.connect(
            roles_sync_after_migrate, dispatch_uid="ordermgmt-roles-sync"
        )
