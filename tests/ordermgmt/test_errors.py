from django import forms
from rest_framework import exceptions as drf_exceptions

from ordermgmt.errors import (
    api_exception_handler,
    form_add_domain_error,
    tmf_error_body,
)
from ordermgmt.exceptions import DomainError, NotFound, ValidationFailed


def test_domain_error_becomes_409_with_tmf_body_and_stable_code():
    response = api_exception_handler(DomainError("Order is completed.", code="x"), {})
    assert response.status_code == 409
    assert response.data["status"] == "409"
    assert response.data["errorCode"] == "x"
    assert response.data["message"] == "Order is completed."
    assert response.data["@type"] == "Error"


def test_not_found_domain_error_is_404():
    response = api_exception_handler(NotFound("ORD1 does not exist."), {})
    assert response.status_code == 404
    assert response.data["code"] == "60"


def test_drf_validation_error_is_400_in_tmf_shape():
    response = api_exception_handler(
        drf_exceptions.ValidationError({"quantity": ["Must be positive."]}), {}
    )
    assert response.status_code == 400
    assert response.data["code"] == "21"
    assert "quantity: Must be positive." in response.data["message"]


def test_authentication_failure_is_401_in_tmf_shape():
    response = api_exception_handler(drf_exceptions.NotAuthenticated(), {})
    assert response.status_code == 401
    assert set(response.data) >= {"code", "reason", "message", "status"}


def test_tmf_error_body_has_string_code_and_status():
    body = tmf_error_body(status_code=405, message="no")
    assert body == {
        "code": "61",
        "reason": "Method not allowed",
        "message": "no",
        "status": "405",
        "@type": "Error",
    }


class _Form(forms.Form):
    speed = forms.CharField()


def test_form_gets_field_errors_from_validation_failed():
    form = _Form(data={"speed": "1"})
    form.is_valid()
    form_add_domain_error(
        form, ValidationFailed("bad", errors={"speed": ["not allowed"], "other": ["x"]})
    )
    assert form.errors["speed"] == ["not allowed"]
    assert form.non_field_errors() == ["other: x"]


def test_form_gets_a_non_field_error_for_other_domain_errors():
    form = _Form(data={"speed": "1"})
    form.is_valid()
    form_add_domain_error(form, DomainError("Refused."))
    assert form.non_field_errors() == ["Refused."]
