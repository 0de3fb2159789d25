"""Clients per role for the TMF APIs: token auth for the integrator, sessions otherwise."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ordermgmt.roles import Role
from orders.services import account_portal_user_add
from tests.orders.factories import AccountFactory

ORDERS_URL = "/tmf-api/productOrderingManagement/v4/productOrder"
CATALOG_URL = "/tmf-api/productCatalogManagement/v4/"


@pytest.fixture
def integrator(make_user):
    return make_user("integrator1", Role.INTEGRATOR)


@pytest.fixture
def api(integrator) -> APIClient:
    """An API client authenticated as the integrator with `Authorization: Token ...`."""
    token = Token.objects.create(user=integrator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def account():
    return AccountFactory(name="Acme Ltd")


@pytest.fixture
def customer_client(make_user, job_actor, account) -> APIClient:
    """A customer user of `account`, signed in with a session (its own pages)."""
    user = make_user("cust1", Role.CUSTOMER)
    account_portal_user_add(account_id=account.pk, user_id=user.pk, actor=job_actor)
    client = APIClient()
    client.force_login(user)
    return client


def tmf_error_asserted(response, status: int, code: str | None = None) -> dict:
    """Assert a TMF Error body with string code and status; return it."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["status"] == str(status)
    assert isinstance(body["code"], str)
    assert body["reason"]
    assert isinstance(body["message"], str)
    assert body["@type"] == "Error"
    if code is not None:
        assert body["code"] == code, body
    return body
