from django.core.management.base import BaseCommand

from ordermgmt.roles import roles_sync


class Command(BaseCommand):
    help = "Create the role groups and set their model permissions (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        groups = roles_sync()
        self.stdout.write(f"{len(groups)} role groups in place.")
