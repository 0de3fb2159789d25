"""The OpenAPI schema (drf-spectacular) still generates, without warnings, with TMF paths."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_generates_and_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    assert "/tmf-api/productOrderingManagement/v4/productOrder" in schema
    assert "/tmf-api/productCatalogManagement/v4/productOffering" in schema
