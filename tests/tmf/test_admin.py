"""The TMF records are visible, read-only, in the admin."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["productorderrequest", "idempotencyrecord"])
def test_admin_lists_tmf_records_read_only(admin_client, model):
    response = admin_client.get(reverse(f"admin:tmf_{model}_changelist"))
    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:tmf_{model}_add")).status_code == 403
