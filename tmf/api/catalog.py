"""TMF620 Product Catalog v4, read side: productOffering, productSpecification and
productOfferingPrice (list and by id), so a client can discover what it may order.

Lists show published items unless a `lifecycleStatus` filter asks for others (TMF names
such as "Launched" or "Retired", or ours: published, retired, draft). By id, every item
but drafts is shown, so an order's offering reference can always be read back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import ChargeType, LifecycleStatus
from ordermgmt.exceptions import NotFound
from tmf.api.conventions import (
    FilterField,
    TmfApiView,
    fields_param_read,
    fields_select,
    list_params_read,
    list_response,
)
from tmf.api.serializers import (
    Hrefs,
    lifecycle_statuses_for_tmf,
    product_offering_price_representation,
    product_offering_representation,
    product_specification_representation,
)
from tmf.product_order_input import db_int
from tmf.selectors import (
    catalog_offering_prices,
    catalog_offerings,
    catalog_specifications,
)

_PRICE_TYPES = {"oneTime": ChargeType.ONE_TIME, "recurring": ChargeType.RECURRING}


def _price_types(value: str) -> list[str]:
    return [_PRICE_TYPES[value]] if value in _PRICE_TYPES else []


def _catalog_filters(prefix: str = "") -> dict[str, FilterField]:
    return {
        "id": FilterField("pk", kind="int"),
        "name": FilterField(f"{prefix}name"),
        "version": FilterField(f"{prefix}version", kind="int"),
        "lastUpdate": FilterField(f"{prefix}updated_at", kind="date"),
        "lifecycleStatus": FilterField(
            f"{prefix}lifecycle_status",
            kind="choice",
            values=lifecycle_statuses_for_tmf,
        ),
    }


OFFERING_FILTERS = {
    **_catalog_filters(),
    "code": FilterField("code"),
    "isBundle": FilterField("is_bundle", kind="bool"),
    "isSellable": FilterField("is_sellable", kind="bool"),
}
SPECIFICATION_FILTERS = {**_catalog_filters(), "productNumber": FilterField("code")}
PRICE_FILTERS = {
    "id": FilterField("pk", kind="int"),
    "version": FilterField("price_list__version", kind="int"),
    "lastUpdate": FilterField("updated_at", kind="date"),
    "lifecycleStatus": FilterField(
        "price_list__lifecycle_status", kind="choice", values=lifecycle_statuses_for_tmf
    ),
    "priceType": FilterField("charge_type", kind="choice", values=_price_types),
}

_LIST_PARAMETERS = [
    OpenApiParameter(
        "fields", str, description="Attributes to return (id and href always)."
    ),
    OpenApiParameter("offset", int),
    OpenApiParameter(
        "limit", int, description="Page size (default 100, at most 1000)."
    ),
    OpenApiParameter(
        "lifecycleStatus", str, description="Default: Launched (published)."
    ),
]


class _CatalogListApi(TmfApiView):
    filters: dict[str, FilterField] = {}
    status_lookup = "lifecycle_status"

    def queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def represent(self) -> Callable[[Any, Hrefs], dict[str, Any]]:
        raise NotImplementedError

    def list(self, request: Request) -> Response:
        params = list_params_read(request.query_params, filter_fields=self.filters)
        queryset = self.queryset()
        if "lifecycleStatus" not in request.query_params:
            queryset = queryset.filter(
                **{self.status_lookup: LifecycleStatus.PUBLISHED}
            )
        hrefs = Hrefs(request)
        represent = self.represent()
        return list_response(
            queryset=queryset,
            params=params,
            represent=lambda items: [represent(item, hrefs) for item in items],
        )

    def detail(self, request: Request, item_id: str, label: str) -> Response:
        item: Model | None = None
        pk = db_int(item_id)
        if pk is not None:
            item = (
                self.queryset()
                .exclude(**{self.status_lookup: LifecycleStatus.DRAFT})
                .filter(pk=pk)
                .first()
            )
        if item is None:
            raise NotFound(f"No {label} with id {item_id!r}.")
        body = self.represent()(item, Hrefs(request))
        return Response(fields_select(body, fields_param_read(request.query_params)))


class ProductOfferingListApi(_CatalogListApi):
    """GET lists product offerings."""

    required_permissions = {"GET": ("catalog.view_productoffering",)}
    filters = OFFERING_FILTERS

    def queryset(self) -> QuerySet[Any]:
        return catalog_offerings().order_by("code", "-version")

    def represent(self) -> Callable[[Any, Hrefs], dict[str, Any]]:
        return product_offering_representation

    @extend_schema(
        operation_id="productOffering_list",
        parameters=_LIST_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return self.list(request)


class ProductOfferingDetailApi(ProductOfferingListApi):
    """GET reads one product offering."""

    @extend_schema(
        operation_id="productOffering_retrieve",
        parameters=[OpenApiParameter("fields", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, item_id: str) -> Response:  # type: ignore[override]
        return self.detail(request, item_id, "productOffering")


class ProductSpecificationListApi(_CatalogListApi):
    """GET lists product specifications with their characteristics."""

    required_permissions = {"GET": ("catalog.view_specification",)}
    filters = SPECIFICATION_FILTERS

    def queryset(self) -> QuerySet[Any]:
        return catalog_specifications().order_by("code", "-version")

    def represent(self) -> Callable[[Any, Hrefs], dict[str, Any]]:
        return product_specification_representation

    @extend_schema(
        operation_id="productSpecification_list",
        parameters=_LIST_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return self.list(request)


class ProductSpecificationDetailApi(ProductSpecificationListApi):
    """GET reads one product specification."""

    @extend_schema(
        operation_id="productSpecification_retrieve",
        parameters=[OpenApiParameter("fields", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, item_id: str) -> Response:  # type: ignore[override]
        return self.detail(request, item_id, "productSpecification")


class ProductOfferingPriceListApi(_CatalogListApi):
    """GET lists product offering prices (the lines of the price lists)."""

    required_permissions = {"GET": ("catalog.view_pricelistline",)}
    filters = PRICE_FILTERS
    status_lookup = "price_list__lifecycle_status"

    def queryset(self) -> QuerySet[Any]:
        return catalog_offering_prices()

    def represent(self) -> Callable[[Any, Hrefs], dict[str, Any]]:
        return product_offering_price_representation

    @extend_schema(
        operation_id="productOfferingPrice_list",
        parameters=_LIST_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return self.list(request)


class ProductOfferingPriceDetailApi(ProductOfferingPriceListApi):
    """GET reads one product offering price."""

    @extend_schema(
        operation_id="productOfferingPrice_retrieve",
        parameters=[OpenApiParameter("fields", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, item_id: str) -> Response:  # type: ignore[override]
        return self.detail(request, item_id, "productOfferingPrice")
