"""TMF622 and TMF620 representations of orders and catalog items.

Plain functions rather than DRF serializer classes: a POST must fit a small CPU budget
(bench/capture_http.py), and the shapes are fixed by the specification. Mandatory
attributes are always present (lists empty rather than missing); extension attributes
the client sent are echoed, never overriding what the server owns.
"""

from __future__ import annotations

from typing import Any

from catalog.models import (
    CharacteristicSpec,
    ChargeType,
    LifecycleStatus,
    PriceListLine,
    ProductOffering,
    Specification,
    SpecificationKind,
    SpecificationRelationshipType,
)
from ordermgmt.errors import tmf_error_body
from orders.models import CustomerOrder, CustomerOrderLine
from tmf.api.conventions import tmf_datetime, tmf_money, tmf_path
from tmf.exceptions import TmfBodyErrorCode
from tmf.models import ProductOrderRequest, ProductOrderRequestState
from tmf.states import ACTION_TO_TMF, tmf_item_state, tmf_order_state

ORDERING_PATH = "/tmf-api/productOrderingManagement/v4/"
CATALOG_PATH = "/tmf-api/productCatalogManagement/v4/"


class Hrefs:
    """Absolute hrefs of one request's host, built once per response."""

    def __init__(self, request: Any) -> None:
        root = request.build_absolute_uri("/").rstrip("/")
        self.ordering = root + ORDERING_PATH
        self.catalog = root + CATALOG_PATH

    def product_order(self, order_id: str) -> str:
        return f"{self.ordering}productOrder/{order_id}"

    def product_order_request(self, request_id: str) -> str:
        return f"{self.ordering}productOrderRequest/{request_id}"

    def offering(self, pk: int) -> str:
        return f"{self.catalog}productOffering/{pk}"

    def specification(self, pk: int) -> str:
        return f"{self.catalog}productSpecification/{pk}"

    def price(self, pk: int) -> str:
        return f"{self.catalog}productOfferingPrice/{pk}"


# --- TMF622 productOrder ----------------------------------------------------------------


def product_order_representation(
    order: CustomerOrder,
    hrefs: Hrefs,
    *,
    with_items: bool = True,
    lines: list[CustomerOrderLine] | None = None,
) -> dict[str, Any]:
    """Return an order as a TMF622 ProductOrder (account and lines must be loaded;
    without items when the caller will not show them and did not fetch them). `lines`
    gives the lines in line-number order when the caller holds them already."""
    if lines is None:
        lines = list(order.lines.all()) if with_items else []
    item_refs = {line.pk: _item_id(line) for line in lines}
    children: dict[int, list[str]] = {}
    for line in lines:
        if line.parent_line_id is not None:
            children.setdefault(line.parent_line_id, []).append(item_refs[line.pk])
    extra = dict(order.extra or {})
    other_parties = extra.pop("relatedParty", [])
    channel = extra.pop("channel", None)
    order_id = order.number or str(order.pk)
    representation: dict[str, Any] = {
        **extra,
        "id": order_id,
        "href": hrefs.product_order(order_id),
        "@type": extra.get("@type", "ProductOrder"),
        "externalId": order.external_id,
        "description": order.description,
        "priority": str(order.priority),
        "orderDate": tmf_datetime(order.created_at),
        "state": tmf_order_state(order.state),
        "requestedStartDate": tmf_datetime(order.requested_start_date),
        "requestedCompletionDate": tmf_datetime(order.requested_completion_date),
        "expectedCompletionDate": tmf_datetime(order.committed_date),
        "completionDate": tmf_datetime(order.completed_at),
        "cancellationDate": tmf_datetime(order.canceled_at),
        "cancellationReason": order.cancellation_reason,
        "channel": channel
        if isinstance(channel, list)
        else [{"id": order.channel, "name": order.get_channel_display()}],
        "relatedParty": [_customer_party(order), *_as_list(other_parties)],
        "productOrderItem": [
            _item_representation(line, hrefs, children.get(line.pk, []))
            for line in lines
        ],
        "orderTotalPrice": _order_prices(order),
    }
    # Optional dates the order does not have yet are left out rather than null.
    return {key: value for key, value in representation.items() if value is not None}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _item_id(line: CustomerOrderLine) -> str:
    return line.item_ref or str(line.line_number)


def _customer_party(order: CustomerOrder) -> dict[str, Any]:
    account = order.account
    return {
        "id": account.number or str(account.pk),
        "name": account.name,
        "role": "customer",
        "@type": "RelatedParty",
        "@referredType": "Customer",
    }


def _order_prices(order: CustomerOrder) -> list[dict[str, Any]]:
    return [
        {
            "name": "One-time total",
            "priceType": "oneTime",
            "price": {
                "taxIncludedAmount": tmf_money(order.one_time_total, order.currency)
            },
            "@type": "OrderPrice",
        },
        {
            "name": "Monthly recurring total",
            "priceType": "recurring",
            "recurringChargePeriod": "month",
            "price": {
                "taxIncludedAmount": tmf_money(
                    order.monthly_recurring_total, order.currency
                )
            },
            "@type": "OrderPrice",
        },
    ]


def _item_representation(
    line: CustomerOrderLine, hrefs: Hrefs, child_refs: list[str]
) -> dict[str, Any]:
    extra = dict(line.extra or {})
    product_extra = extra.pop("product", {})
    relationships = [
        *_as_list(extra.pop("productOrderItemRelationship", [])),
        *({"id": ref, "relationshipType": "bundles"} for ref in child_refs),
    ]
    product: dict[str, Any] = {
        **(product_extra if isinstance(product_extra, dict) else {}),
        "productCharacteristic": [
            {"name": name, "value": value}
            for name, value in (line.characteristics or {}).items()
        ],
    }
    if line.inventory_item_id is not None:
        item = line.inventory_item
        product["id"] = item.number or str(item.pk)
    item_representation: dict[str, Any] = {
        **extra,
        "id": _item_id(line),
        "@type": extra.get("@type", "ProductOrderItem"),
        "action": ACTION_TO_TMF[line.action],
        "quantity": line.quantity,
        "state": tmf_item_state(line.state),
        "product": product,
        "productOrderItemRelationship": relationships,
        "itemPrice": _line_prices(line),
    }
    if line.offering_id is not None:
        offering = line.offering
        item_representation["productOffering"] = {
            "id": str(offering.pk),
            "href": hrefs.offering(offering.pk),
            "name": offering.name,
            "@referredType": "ProductOffering",
        }
    return item_representation


def _line_prices(line: CustomerOrderLine) -> list[dict[str, Any]]:
    prices = [
        {
            "name": "One-time charge",
            "priceType": "oneTime",
            "price": {
                "taxIncludedAmount": tmf_money(line.one_time_total, line.currency)
            },
            "@type": "OrderPrice",
        }
    ]
    if line.recurring_period:
        prices.append(
            {
                "name": "Recurring charge",
                "priceType": "recurring",
                "recurringChargePeriod": line.recurring_period,
                "price": {
                    "taxIncludedAmount": tmf_money(line.recurring_total, line.currency)
                },
                "priceAlteration": [
                    {
                        "name": adjustment.get("name", ""),
                        "priceType": adjustment.get("charge_type", ""),
                        "description": adjustment.get("kind", ""),
                        "@type": "PriceAlteration",
                    }
                    for adjustment in line.adjustments or []
                    if isinstance(adjustment, dict)
                ],
                "@type": "OrderPrice",
            }
        )
    return prices


def product_order_request_representation(
    request: ProductOrderRequest, hrefs: Hrefs
) -> dict[str, Any]:
    """Return a queued `?mode=async` request: its state and, once captured, the order."""
    public_id = str(request.public_id)
    order_ref = None
    if request.state == ProductOrderRequestState.DONE and request.order is not None:
        order_id = request.order.number or str(request.order.pk)
        order_ref = {
            "id": order_id,
            "href": hrefs.product_order(order_id),
            "@referredType": "ProductOrder",
        }
    return {
        "id": public_id,
        "href": hrefs.product_order_request(public_id),
        "@type": "ProductOrderRequest",
        "state": request.state,
        "externalId": request.external_id,
        "requestDate": tmf_datetime(request.created_at),
        "completionDate": tmf_datetime(request.finished_at),
        "productOrder": order_ref,
        "error": _request_error_body(request.error) if request.error else None,
    }


def _request_error_body(error: dict[str, Any]) -> dict[str, Any]:
    """Render the refusal kept on a failed request (a DomainError's dict) as a TMF Error."""
    code = str(error.get("code", ""))
    status_code = {"validation_failed": 400, "not_found": 404}.get(code, 409)
    details = error.get("details") or {}
    errors = details.get("errors") if isinstance(details, dict) else None
    message = str(error.get("message", ""))
    body = tmf_error_body(status_code=status_code, message=message, errorCode=code)
    if isinstance(errors, dict) and errors:
        named = {tmf_path(key): messages for key, messages in errors.items()}
        body["message"] = "; ".join(
            f"{path}: {' '.join(messages)}" for path, messages in named.items()
        )
        body["details"] = {"errors": named}
    if status_code == 400:
        body["code"] = TmfBodyErrorCode.INVALID_BODY_FIELD
    return body


# --- TMF620 catalog -----------------------------------------------------------------

LIFECYCLE_TO_TMF = {
    LifecycleStatus.DRAFT: "In design",
    LifecycleStatus.PUBLISHED: "Launched",
    LifecycleStatus.RETIRED: "Retired",
}
VALUE_TYPE_TO_TMF = {
    "text": "string",
    "integer": "integer",
    "decimal": "number",
    "boolean": "boolean",
    "choice": "string",
    "date": "date",
    "address": "object",
    "object": "object",
}


def lifecycle_statuses_for_tmf(value: str) -> list[str]:
    """Return the stored statuses a TMF (or stored) lifecycle status name stands for."""
    wanted = value.strip().lower()
    return [
        status
        for status, tmf in LIFECYCLE_TO_TMF.items()
        if wanted in {tmf.lower(), str(status)}
    ]


def _catalog_item(item: Any, href: str, type_name: str) -> dict[str, Any]:
    return {
        "id": str(item.pk),
        "href": href,
        "@type": type_name,
        "name": item.name,
        "description": item.description,
        "version": str(item.version),
        "lifecycleStatus": LIFECYCLE_TO_TMF[item.lifecycle_status],
        "lastUpdate": tmf_datetime(item.updated_at),
    }


def _valid_for(start: Any, end: Any) -> dict[str, Any]:
    period: dict[str, Any] = {}
    if start is not None:
        period["startDateTime"] = tmf_datetime(start)
    if end is not None:
        period["endDateTime"] = tmf_datetime(end)
    return period


def product_offering_representation(
    offering: ProductOffering, hrefs: Hrefs
) -> dict[str, Any]:
    """Return an offering as a TMF620 ProductOffering (related rows prefetched)."""
    specification = offering.product_specification
    representation = {
        **_catalog_item(offering, hrefs.offering(offering.pk), "ProductOffering"),
        "code": offering.code,
        "isBundle": offering.is_bundle,
        "isSellable": offering.is_sellable,
        "validFor": _valid_for(offering.valid_from, offering.valid_to),
        "category": []
        if offering.category is None
        else [
            {
                "id": offering.category.code,
                "name": offering.category.name,
                "@referredType": "Category",
            }
        ],
        "marketSegment": [
            {"id": segment, "name": segment, "@referredType": "MarketSegment"}
            for segment in offering.eligible_segments or []
        ],
        "bundledProductOffering": [
            {
                "id": str(rel.child_id),
                "href": hrefs.offering(rel.child_id),
                "name": rel.child.name,
                "lifecycleStatus": LIFECYCLE_TO_TMF[rel.child.lifecycle_status],
                "bundledProductOfferingOption": {
                    "numberRelOfferLowerLimit": rel.min_quantity,
                    "numberRelOfferDefault": rel.default_quantity,
                    "numberRelOfferUpperLimit": rel.max_quantity,
                },
                "@type": "BundledProductOffering",
            }
            for rel in offering.child_relationships.all()
        ],
        "productOfferingPrice": [
            {
                "id": str(line.pk),
                "href": hrefs.price(line.pk),
                "name": _price_name(line),
                "@referredType": "ProductOfferingPrice",
            }
            for line in offering.price_lines.all()
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
    return representation


def _price_name(line: PriceListLine) -> str:
    charge = "one-time" if line.charge_type == ChargeType.ONE_TIME else "monthly"
    return f"{line.offering.name} {charge} ({line.price_list.name})"


def product_specification_representation(
    specification: Specification, hrefs: Hrefs
) -> dict[str, Any]:
    """Return a product specification with what a client needs to fill an order item."""
    characteristics = list(specification.characteristics.all())
    children: dict[int, list[CharacteristicSpec]] = {}
    for characteristic in characteristics:
        if characteristic.parent_id is not None:
            children.setdefault(characteristic.parent_id, []).append(characteristic)
    relationships = list(specification.outgoing_relationships.all())
    return {
        **_catalog_item(
            specification,
            hrefs.specification(specification.pk),
            "ProductSpecification",
        ),
        "productNumber": specification.code,
        "isBundle": any(
            r.relationship_type == SpecificationRelationshipType.BUNDLES
            for r in relationships
        ),
        "productSpecCharacteristic": [
            _characteristic_representation(c, children)
            for c in characteristics
            if c.parent_id is None
        ],
        "bundledProductSpecification": [
            _specification_ref(r.target, hrefs)
            for r in relationships
            if r.relationship_type == SpecificationRelationshipType.BUNDLES
            and r.target.kind == SpecificationKind.PRODUCT
        ],
        "productSpecificationRelationship": [
            {
                **_specification_ref(r.target, hrefs),
                "relationshipType": r.relationship_type,
            }
            for r in relationships
            if r.target.kind == SpecificationKind.PRODUCT
            and r.relationship_type != SpecificationRelationshipType.BUNDLES
        ],
        "serviceSpecification": [
            {
                "id": str(r.target_id),
                "name": r.target.name,
                "@referredType": "ServiceSpecification",
            }
            for r in relationships
            if r.target.kind in {SpecificationKind.CFS, SpecificationKind.RFS}
        ],
        "resourceSpecification": [
            {
                "id": str(r.target_id),
                "name": r.target.name,
                "@referredType": "ResourceSpecification",
            }
            for r in relationships
            if r.target.kind == SpecificationKind.RESOURCE
        ],
    }


def _specification_ref(specification: Specification, hrefs: Hrefs) -> dict[str, Any]:
    return {
        "id": str(specification.pk),
        "href": hrefs.specification(specification.pk),
        "name": specification.name,
        "version": str(specification.version),
    }


def _characteristic_representation(
    characteristic: CharacteristicSpec, children: dict[int, list[CharacteristicSpec]]
) -> dict[str, Any]:
    value_type = VALUE_TYPE_TO_TMF.get(characteristic.value_type, "string")
    values: list[dict[str, Any]] = [
        {
            "value": value,
            "valueType": value_type,
            "isDefault": value == characteristic.default_value,
            "unitOfMeasure": characteristic.unit,
        }
        for value in characteristic.allowed_values or []
    ]
    if not values and (
        characteristic.min_value is not None or characteristic.max_value is not None
    ):
        values.append(
            {
                "valueType": value_type,
                "valueFrom": _plain_number(characteristic.min_value),
                "valueTo": _plain_number(characteristic.max_value),
                "rangeInterval": "closed",
                "unitOfMeasure": characteristic.unit,
            }
        )
    if not values and characteristic.default_value is not None:
        values.append(
            {
                "value": characteristic.default_value,
                "valueType": value_type,
                "isDefault": True,
                "unitOfMeasure": characteristic.unit,
            }
        )
    representation: dict[str, Any] = {
        # Orders name a characteristic by this code (productCharacteristic.name).
        "name": characteristic.code,
        "description": characteristic.description or characteristic.name,
        "valueType": value_type,
        "configurable": characteristic.is_customer_configurable,
        "minCardinality": 1 if characteristic.is_mandatory else 0,
        "maxCardinality": 1,
        "productSpecCharacteristicValue": values,
        "@type": "ProductSpecificationCharacteristic",
        "@valueType": characteristic.value_type,
    }
    nested = children.get(characteristic.pk)
    if nested:
        representation["characteristic"] = [
            _characteristic_representation(child, children) for child in nested
        ]
    return representation


def _plain_number(value: Any) -> Any:
    if value is None:
        return None
    return str(value.normalize()) if hasattr(value, "normalize") else str(value)


def product_offering_price_representation(
    line: PriceListLine, hrefs: Hrefs
) -> dict[str, Any]:
    """Return a price list line as a TMF620 ProductOfferingPrice."""
    price_list = line.price_list
    representation = {
        "id": str(line.pk),
        "href": hrefs.price(line.pk),
        "@type": "ProductOfferingPrice",
        "name": _price_name(line),
        "description": line.description,
        "version": str(price_list.version),
        "lifecycleStatus": LIFECYCLE_TO_TMF[price_list.lifecycle_status],
        "lastUpdate": tmf_datetime(max(line.updated_at, price_list.updated_at)),
        "isBundle": False,
        "priceType": "recurring"
        if line.charge_type == ChargeType.RECURRING
        else "oneTime",
        "price": tmf_money(line.amount, price_list.currency),
        "validFor": _valid_for(price_list.valid_from, price_list.valid_to),
        "productOffering": {
            "id": str(line.offering_id),
            "href": hrefs.offering(line.offering_id),
            "name": line.offering.name,
            "@referredType": "ProductOffering",
        },
        "priceList": {
            "id": price_list.code,
            "name": price_list.name,
            "segment": price_list.segment,
        },
    }
    if line.charge_type == ChargeType.RECURRING:
        representation["recurringChargePeriodType"] = line.recurring_period
        representation["recurringChargePeriodLength"] = 1
    return representation
