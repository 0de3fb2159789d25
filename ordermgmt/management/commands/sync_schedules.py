from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule

from ordermgmt.schedules import SCHEDULES


class Command(BaseCommand):
    help = "Upsert the schedules of ordermgmt/schedules.py by name and delete strays."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for job in SCHEDULES:
                Schedule.objects.update_or_create(
                    name=job.name,
                    defaults={
                        "func": job.func,
                        "schedule_type": Schedule.MINUTES,
                        "minutes": job.minutes,
                        "repeats": -1,
                    },
                )
            strays = Schedule.objects.exclude(name__in=[job.name for job in SCHEDULES])
            removed, _ = strays.delete()
        self.stdout.write(
            f"{len(SCHEDULES)} schedules in place, {removed} strays removed."
        )
