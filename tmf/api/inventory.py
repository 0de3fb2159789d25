"""TMF637 Product Inventory v4, read side: product (list and by id).

The product-kind inventory items, as Products. Same conventions as TMF622 (tmf.api.
conventions): token or session auth, `fields=`, offset / limit with X-Total-Count and
X-Result-Count, equality filters on first-level attributes, dates with `Z`, TMF Error
bodies, 404 for an unknown id. A customer user sees its own accounts' products only (an
id of another account's product is a 404); staff and integrators holding
`inventory.view_inventoryitem` see all.

Status: installation_pending -> pendingActive, active -> active, suspended -> suspended,
change_pending -> active (the product is in service while its change is pending; TMF637
has no status for that), inactive -> terminated. `status=active` therefore also lists
products with a pending change.

References use the ids the other TMF APIs answer to: productOffering and
productSpecification carry the catalog primary key (TMF620 reads items by it) and an
href; relatedParty and billingAccount name the customer account (the account is billed;
there is no separate billing account); productOrderItem names the TMF622 order and item.

A page costs a fixed number of queries: count, page (offering, specification and
account joined), children, entitlements with contracts, and the source order items.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from inventory.models import InventoryItem, InventoryItemKind
from inventory.selectors import products_for_tmf
from ordermgmt.exceptions import NotFound
from ordermgmt.roles import Role, user_roles
from orders.models import AccountUser, CustomerOrderLine
from orders.selectors import account_ids_for_user
from tmf.api.conventions import (
    FilterField,
    TmfApiView,
    fields_param_read,
    fields_select,
    list_params_read,
    list_response,
    tmf_datetime,
)
from tmf.api.serializers import Hrefs
from tmf.states import ACTION_TO_TMF

INVENTORY_PATH = "/tmf-api/productInventory/v4/"
VIEW_INVENTORY = ("inventory.view_inventoryitem",)

STATE_TO_TMF: dict[str, str] = {
    "installation_pending": "pendingActive",
    "active": "active",
    "suspended": "suspended",
    "change_pending": "active",
    "inactive": "terminated",
}


def product_states_for_tmf(value: str) -> list[str]:
    """Return the stored states a TMF product status stands for (none if unknown)."""
    return [state for state, tmf in STATE_TO_TMF.items() if tmf == value]


PRODUCT_FILTERS = {
    "id": FilterField("number"),
    "status": FilterField("state", kind="choice", values=product_states_for_tmf),
    "name": FilterField("offering__name"),
    "isBundle": FilterField("offering__is_bundle", kind="bool"),
    "startDate": FilterField("activated_at", kind="date"),
    "terminationDate": FilterField("terminated_at", kind="date"),
}

_LIST_PARAMETERS = [
    OpenApiParameter(
        "fields", str, description="Attributes to return (id and href always)."
    ),
    OpenApiParameter("offset", int, description="Index of the first result (0-based)."),
    OpenApiParameter(
        "limit", int, description="Page size (default 100, at most 1000)."
    ),
    OpenApiParameter("status", str, description="TMF status; `a,b` for either."),
    OpenApiParameter("id", str),
    OpenApiParameter("name", str, description="The offering's name."),
]


class InventoryHrefs(Hrefs):
    """Hrefs of TMF622 / TMF620 plus TMF637 products."""

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self.inventory = request.build_absolute_uri("/").rstrip("/") + INVENTORY_PATH

    def product(self, product_id: str) -> str:
        return f"{self.inventory}product/{product_id}"


# --- reads ---------------------------------------------------------------------------


def _user_is_customer(user: Any) -> bool:
    # The same test as orders.selectors.orders_visible_to: a Customer-group member or a
    # portal user of an account is scoped to its accounts whatever else it holds.
    return (
        Role.CUSTOMER in user_roles(user)
        or AccountUser.objects.filter(user_id=user.pk).exists()
    )


def products_for_user(*, user: Any) -> QuerySet[InventoryItem]:
    """Return the products a user may read: customers their accounts', staff all."""
    if _user_is_customer(user):
        return products_for_tmf(user_account_ids=account_ids_for_user(user=user))
    if user.has_perms(VIEW_INVENTORY):
        return products_for_tmf(user_account_ids=None)
    return products_for_tmf(user_account_ids=[])


def _order_items_by_line(items: Iterable[InventoryItem]) -> dict[int, tuple[str, str]]:
    """(TMF item id, TMF action) of a page's source order lines, in one query (none if
    none). Plain values: a partly loaded line would read its deferred state back."""
    ids = {item.source_line_id for item in items if item.source_line_id is not None}
    if not ids:
        return {}
    rows = CustomerOrderLine.objects.filter(pk__in=ids).values_list(
        "pk", "item_ref", "line_number", "action"
    )
    return {
        pk: (item_ref or str(line_number), ACTION_TO_TMF[action])
        for pk, item_ref, line_number, action in rows
    }


# --- representation ------------------------------------------------------------------


def product_representation(
    item: InventoryItem,
    hrefs: InventoryHrefs,
    lines: dict[int, tuple[str, str]],
) -> dict[str, Any]:
    """Return a product item as a TMF637 Product (as products_for_tmf loads it)."""
    product_id = item.number or str(item.pk)
    offering = item.offering
    specification = item.specification
    account = item.account
    account_id = account.number or str(account.pk)
    children = list(item.children.all())
    contracts = {
        entitlement.contract.pk: entitlement.contract
        for entitlement in item.entitlements.all()
    }
    representation: dict[str, Any] = {
        "id": product_id,
        "href": hrefs.product(product_id),
        "@type": "Product",
        "name": offering.name if offering is not None else product_id,
        "isBundle": bool(offering is not None and offering.is_bundle),
        "status": STATE_TO_TMF[item.state],
        "startDate": tmf_datetime(item.activated_at),
        "terminationDate": tmf_datetime(item.terminated_at),
        "productOffering": {}
        if offering is None
        else {
            "id": str(offering.pk),
            "href": hrefs.offering(offering.pk),
            "name": offering.name,
            "@referredType": "ProductOffering",
        },
        "productCharacteristic": [
            {"name": name, "value": value}
            for name, value in (item.characteristics or {}).items()
        ],
        "productPrice": [],
        "relatedParty": [
            {
                "id": account_id,
                "name": account.name,
                "role": "customer",
                "@type": "RelatedParty",
                "@referredType": "Customer",
            }
        ],
        "billingAccount": {
            "id": account_id,
            "name": account.name,
            "@referredType": "BillingAccount",
        },
        "productOrderItem": _order_items(item, hrefs, lines),
        "product": [
            {
                "id": child.number or str(child.pk),
                "href": hrefs.product(child.number or str(child.pk)),
                "@referredType": "Product",
            }
            for child in children
            if child.kind == InventoryItemKind.PRODUCT
        ],
        "realizingService": [
            {"id": child.number or str(child.pk), "@referredType": "Service"}
            for child in children
            if child.kind == InventoryItemKind.SERVICE
        ],
        "realizingResource": [
            {"id": child.number or str(child.pk), "@referredType": "Resource"}
            for child in children
            if child.kind == InventoryItemKind.RESOURCE
        ],
        "agreement": [
            {"id": contract.number or str(contract.pk), "@referredType": "Agreement"}
            for contract in contracts.values()
        ],
    }
    if specification is not None:
        representation["productSpecification"] = {
            "id": str(specification.pk),
            "href": hrefs.specification(specification.pk),
            "name": specification.name,
            "version": str(specification.version),
            "@referredType": "ProductSpecification",
        }
    # Optional dates the product does not have yet are left out rather than null.
    return {key: value for key, value in representation.items() if value is not None}


def _order_items(
    item: InventoryItem, hrefs: InventoryHrefs, lines: dict[int, tuple[str, str]]
) -> list[dict[str, Any]]:
    if not item.order_number:
        return []
    line = lines.get(item.source_line_id) if item.source_line_id else None
    order_item: dict[str, Any] = {
        "productOrderId": item.order_number,
        "productOrderHref": hrefs.product_order(item.order_number),
        "orderItemId": "" if line is None else line[0],
        "@referredType": "ProductOrder",
    }
    if line is not None:
        order_item["orderItemAction"] = line[1]
    return [order_item]


def products_representation(
    items: list[InventoryItem], hrefs: InventoryHrefs
) -> list[dict[str, Any]]:
    lines = _order_items_by_line(items)
    return [product_representation(item, hrefs, lines) for item in items]


# --- views ---------------------------------------------------------------------------


class ProductListApi(TmfApiView):
    """GET lists products (bare array, filters, paging)."""

    required_permissions = {"GET": VIEW_INVENTORY}

    @extend_schema(
        operation_id="product_list",
        parameters=_LIST_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="List products: a bare JSON array with X-Total-Count and X-Result-Count.",
    )
    def get(self, request: Request) -> Response:
        params = list_params_read(request.query_params, filter_fields=PRODUCT_FILTERS)
        hrefs = InventoryHrefs(request)
        return list_response(
            queryset=products_for_user(user=request.user).order_by("pk"),
            params=params,
            represent=lambda items: products_representation(items, hrefs),
        )


class ProductDetailApi(TmfApiView):
    """GET reads one product by its id (the inventory item number)."""

    required_permissions = {"GET": VIEW_INVENTORY}

    @extend_schema(
        operation_id="product_retrieve",
        parameters=[OpenApiParameter("fields", str)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, product_id: str) -> Response:
        item = products_for_user(user=request.user).filter(number=product_id).first()
        if item is None:
            raise NotFound(f"No product with id {product_id!r}.")
        body = products_representation([item], InventoryHrefs(request))[0]
        return Response(fields_select(body, fields_param_read(request.query_params)))


# Included by tmf/urls.py under ^productInventory/v4/.
urlpatterns = [
    re_path(r"^product/?$", ProductListApi.as_view(), name="product-list"),
    re_path(
        r"^product/(?P<product_id>[^/]+)/?$",
        ProductDetailApi.as_view(),
        name="product-detail",
    ),
]
