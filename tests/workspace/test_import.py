"""The order import page: agents and managers upload a file and read the report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ordermgmt.roles import Role
from orders.imports.formats import UPLOAD_MAX_BYTES
from orders.models import CustomerOrder, CustomerOrderState
from tests.orders.imports.conftest import (
    csv_bytes,
    demo_build,
    internet_row,
    json_bytes,
)

pytestmark = pytest.mark.django_db

URL = "/workspace/orders/import/"


@pytest.fixture
def demo(db):
    return demo_build()


@pytest.fixture
def agent_client(client, agent_user):
    client.force_login(agent_user)
    return client


def upload(client, name: str, content: bytes, **data):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **data})


def test_url_name_is_in_the_workspace_namespace():
    assert reverse("workspace:order-import") == URL


def test_agent_sees_the_form_and_the_format_description(agent_client):
    response = agent_client.get(URL)
    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"char.&lt;code&gt;" in response.content


def test_order_manager_may_import_and_other_roles_may_not(client, make_user):
    client.force_login(make_user("mgr", Role.ORDER_MANAGER))
    assert client.get(URL).status_code == 200
    client.force_login(make_user("appr", Role.ORDER_APPROVER))
    assert client.get(URL).status_code == 403
    assert upload(client, "o.csv", b"order_ref\n").status_code == 403
    client.logout()
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_upload_with_good_and_bad_orders_reports_and_creates_the_good(
    demo, agent_client, agent_user
):
    # given
    content = csv_bytes(
        [
            internet_row(demo.jane, "good"),
            internet_row(demo.jane, "bad", offering="OFF_MISSING"),
        ]
    )

    # when
    response = upload(agent_client, "desk.csv", content)

    # then
    assert response.status_code == 200
    order = CustomerOrder.objects.get(captured_by=agent_user)
    assert order.state != CustomerOrderState.DRAFT
    page = response.content.decode()
    assert "Report for desk.csv" in page
    assert f'href="/workspace/orders/{order.pk}/">{order.number}</a>' in page
    assert "Unknown offering &#x27;OFF_MISSING&#x27;" in page
    assert "<td>3</td><td>offering</td><td>bad</td>" in page


def test_json_upload_as_drafts(demo, agent_client, agent_user):
    content = json_bytes(
        [{"account": demo.northwind.number, "lines": [{"offering": "OFF_WIFI_ROUTER"}]}]
    )
    response = upload(agent_client, "desk.json", content, draft="on")
    assert response.status_code == 200
    order = CustomerOrder.objects.get(captured_by=agent_user)
    assert order.state == CustomerOrderState.DRAFT


def test_htmx_upload_returns_only_the_result_partial(demo, agent_client):
    response = agent_client.post(
        URL,
        {
            "file": SimpleUploadedFile(
                "o.csv", csv_bytes([internet_row(demo.jane, "A")])
            )
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert response.content.lstrip().startswith(b'<div id="import-result">')


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orders.txt", b"order_ref,account\n", "Upload a .csv or a .json file."),
        ("orders.csv", b"", "The submitted file is empty."),
        ("orders.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        ("orders.csv", "ä;ö".encode("latin-1"), "not UTF-8"),
        ("orders.json", b"{oops", "not valid JSON"),
        ("orders.json", b'{"ref": "A"}', "must hold a list of orders"),
    ],
)
def test_bad_file_is_a_form_error_not_a_server_error(
    agent_client, agent_user, name, content, message
):
    response = upload(agent_client, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert b'data-testid="import-form-errors"' in response.content
    assert not CustomerOrder.objects.filter(captured_by=agent_user).exists()


def test_file_over_the_limit_is_a_form_error(agent_client):
    content = b"order_ref,account,offering\n" + b"x" * UPLOAD_MAX_BYTES
    response = upload(agent_client, "big.csv", content)
    assert response.status_code == 200
    assert b"the limit is 5 MB" in response.content


def test_post_without_a_file_is_a_form_error(agent_client):
    response = agent_client.post(URL, {})
    assert response.status_code == 200
    assert b"This field is required." in response.content
