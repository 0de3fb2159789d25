"""URLs of the TMF Open APIs under /tmf-api/; every path with or without a trailing slash.

Any other path under /tmf-api/ answers 404 with the TMF Error body.
"""

from django.urls import include, re_path

from tmf.api import catalog, inventory, ordering

app_name = "tmf"

ORDERING = r"^productOrderingManagement/v4/"
CATALOG = r"^productCatalogManagement/v4/"
ID = r"(?P<{}>[^/]+)/?$"

urlpatterns = [
    re_path(
        ORDERING + r"productOrder/?$",
        ordering.ProductOrderListCreateApi.as_view(),
        name="product-order-list",
    ),
    re_path(
        ORDERING + r"productOrder/" + ID.format("order_id"),
        ordering.ProductOrderDetailApi.as_view(),
        name="product-order-detail",
    ),
    re_path(
        ORDERING + r"productOrderRequest/" + ID.format("request_id"),
        ordering.ProductOrderRequestDetailApi.as_view(),
        name="product-order-request-detail",
    ),
    re_path(
        CATALOG + r"productOffering/?$",
        catalog.ProductOfferingListApi.as_view(),
        name="product-offering-list",
    ),
    re_path(
        CATALOG + r"productOffering/" + ID.format("item_id"),
        catalog.ProductOfferingDetailApi.as_view(),
        name="product-offering-detail",
    ),
    re_path(
        CATALOG + r"productSpecification/?$",
        catalog.ProductSpecificationListApi.as_view(),
        name="product-specification-list",
    ),
    re_path(
        CATALOG + r"productSpecification/" + ID.format("item_id"),
        catalog.ProductSpecificationDetailApi.as_view(),
        name="product-specification-detail",
    ),
    re_path(
        CATALOG + r"productOfferingPrice/?$",
        catalog.ProductOfferingPriceListApi.as_view(),
        name="product-offering-price-list",
    ),
    re_path(
        CATALOG + r"productOfferingPrice/" + ID.format("item_id"),
        catalog.ProductOfferingPriceDetailApi.as_view(),
        name="product-offering-price-detail",
    ),
    re_path(r"^productInventory/v4/", include(inventory.urlpatterns)),
    re_path(r"^.*$", ordering.TmfNotFoundApi.as_view(), name="not-found"),
]
