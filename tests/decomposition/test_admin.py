"""The domain order admin lists and shows domain orders and never edits them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from decomposition.models import DomainOrderState
from tests.decomposition.factories import DomainOrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client):
    user = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def test_the_changelist_filters_by_state(admin_client_logged_in):
    held = DomainOrderFactory(state=DomainOrderState.ON_HOLD, number="PO0009001")
    DomainOrderFactory(state=DomainOrderState.QUALIFIED, number="PO0009002")

    response = admin_client_logged_in.get(
        "/admin/decomposition/domainorder/", {"state": DomainOrderState.ON_HOLD}
    )

    assert response.status_code == 200
    assert held.number in response.content.decode()
    assert "PO0009002" not in response.content.decode()


def test_the_detail_page_is_read_only(admin_client_logged_in):
    parent = DomainOrderFactory(number="PO0009003")
    DomainOrderFactory(parent=parent, order=parent.order, line=parent.line)
    url = f"/admin/decomposition/domainorder/{parent.pk}/change/"

    response = admin_client_logged_in.get(url)
    posted = admin_client_logged_in.post(url, {"state": "canceled"})

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert posted.status_code == 403
    assert (
        admin_client_logged_in.get("/admin/decomposition/domainorder/add/").status_code
        == 403
    )
