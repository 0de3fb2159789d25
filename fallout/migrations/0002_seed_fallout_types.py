"""Seed the fallout types every installation has (DESIGN.md issue 5); admins add more."""

from django.db import migrations

SEEDED_TYPES = (
    ("billing_issue", "Billing issue"),
    ("inventory_allocation_failure", "Inventory allocation failure"),
    ("provisioning_failure", "Provisioning failure"),
    ("data_error", "Data error"),
)


def seed(apps, schema_editor):
    FalloutType = apps.get_model("fallout", "FalloutType")
    for code, name in SEEDED_TYPES:
        FalloutType.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("fallout", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
