"""A POSTed TMF622 productOrder read into plain values, before any database access.

`product_order_input_parse` checks the shape (types, required attributes, item ids and
their bundle relationships) and keeps what has no column as extension attributes, so the
order echoes them back. Resolving references (customer, offerings, products) needs the
database and lives in `tmf.selectors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from orders.models import OrderPriority
from tmf.exceptions import PayloadInvalid, TmfBodyErrorCode
from tmf.states import ACTION_FROM_TMF

MAX_ITEMS = 1000
MAX_QUANTITY = 1_000_000
ITEM_ID_MAX_LENGTH = 64
EXTERNAL_ID_MAX_LENGTH = 100

# Attributes the server sets: ignored on create, refused on PATCH.
ORDER_SERVER_OWNED: frozenset[str] = frozenset(
    {
        "id",
        "href",
        "orderDate",
        "state",
        "completionDate",
        "expectedCompletionDate",
        "cancellationDate",
        "cancellationReason",
        "orderTotalPrice",
    }
)
# Attributes with a column (or a relation) of their own; everything else is `extra`.
ORDER_MAPPED: frozenset[str] = frozenset(
    {
        "externalId",
        "description",
        "priority",
        "requestedStartDate",
        "requestedCompletionDate",
        "productOrderItem",
        "relatedParty",
    }
)
ITEM_SERVER_OWNED: frozenset[str] = frozenset({"state", "itemPrice", "itemTotalPrice"})
ITEM_MAPPED: frozenset[str] = frozenset(
    {
        "id",
        "action",
        "quantity",
        "productOffering",
        "product",
        "productOrderItem",
        "productOrderItemRelationship",
    }
)
BUNDLES = "bundles"
CUSTOMER = "customer"
# Largest primary key a database column holds (bigint); a longer number names nothing.
MAX_DB_INT = 2**63 - 1
# TMF priority runs from "0" (highest) to "4" (lowest); we keep four levels.
TMF_PRIORITY_MAX = 4


@dataclass(frozen=True)
class ItemInput:
    ref: str
    action: str
    offering_ref: str | None = None
    quantity: int = 1
    characteristics: dict[str, Any] = field(default_factory=dict)
    product_ref: str | None = None
    parent_ref: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductOrderInput:
    customer_ref: str
    items: list[ItemInput]
    external_id: str = ""
    description: str = ""
    priority: int = OrderPriority.NORMAL
    requested_start_date: datetime | None = None
    requested_completion_date: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _Errors:
    """Collects every problem of a payload so the client sees all of them at once."""

    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}
        self.missing_only = True

    def missing(self, path: str) -> None:
        self.by_path.setdefault(path, []).append("This attribute is required.")

    def invalid(self, path: str, message: str) -> None:
        self.missing_only = False
        self.by_path.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if not self.by_path:
            return
        first_path, first_messages = next(iter(self.by_path.items()))
        code = (
            TmfBodyErrorCode.MISSING_BODY_FIELD
            if self.missing_only
            else TmfBodyErrorCode.INVALID_BODY_FIELD
        )
        more = len(self.by_path) - 1
        suffix = f" (and {more} more)" if more else ""
        raise PayloadInvalid(
            f"{first_path}: {first_messages[0]}{suffix}",
            errors=self.by_path,
            tmf_code=code,
        )


def product_order_input_parse(payload: dict[str, Any]) -> ProductOrderInput:
    """Read a productOrder create payload; raise PayloadInvalid naming each bad attribute."""
    errors = _Errors()
    items = _items_parse(payload.get("productOrderItem"), errors)
    customer_ref, other_parties = _customer_parse(payload.get("relatedParty"), errors)
    external_id = _text(
        payload, "externalId", errors, max_length=EXTERNAL_ID_MAX_LENGTH
    )
    description = _text(payload, "description", errors)
    priority = priority_parse(payload.get("priority"), "priority", errors)
    start = date_parse(payload.get("requestedStartDate"), "requestedStartDate", errors)
    end = date_parse(
        payload.get("requestedCompletionDate"), "requestedCompletionDate", errors
    )
    if start and end and end < start:
        errors.invalid(
            "requestedCompletionDate", "Must not be before requestedStartDate."
        )
    errors.raise_if_any()
    extra = order_extra_from(payload)
    if other_parties:
        extra["relatedParty"] = other_parties
    return ProductOrderInput(
        customer_ref=customer_ref,
        items=items,
        external_id=external_id,
        description=description,
        priority=priority if priority is not None else OrderPriority.NORMAL,
        requested_start_date=start,
        requested_completion_date=end,
        extra=extra,
    )


def order_extra_from(payload: dict[str, Any]) -> dict[str, Any]:
    """Return the attributes without a column of their own (kept and echoed back)."""
    return {
        key: value
        for key, value in payload.items()
        if key not in ORDER_MAPPED and key not in ORDER_SERVER_OWNED
    }


def priority_parse(value: Any, path: str, errors: _Errors) -> int | None:
    """Read a TMF priority ("0" highest … "4" lowest) as an OrderPriority value."""
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= TMF_PRIORITY_MAX:
        errors.invalid(path, 'Expected a priority from "0" (highest) to "4" (lowest).')
        return None
    return min(number, max(OrderPriority.values))


def date_parse(value: Any, path: str, errors: _Errors) -> datetime | None:
    """Read an ISO 8601 date-time; one without an offset is taken as UTC."""
    if value is None:
        return None
    parsed = None
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
    if parsed is None:
        errors.invalid(
            path, "Expected an ISO 8601 date-time such as 2026-01-31T10:00:00Z."
        )
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _text(
    payload: dict[str, Any], key: str, errors: _Errors, *, max_length: int = 100_000
) -> str:
    value = payload.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.invalid(key, "Expected a string.")
        return ""
    if len(value) > max_length:
        errors.invalid(key, f"At most {max_length} characters.")
        return ""
    return value


def db_int(text: str) -> int | None:
    """Return a reference made of digits as a primary key; None if it cannot be one."""
    if not text.isdigit():
        return None
    number = int(text)
    return number if number <= MAX_DB_INT else None


def _reference_id(value: Any) -> str | None:
    """Return a reference id given as a string or an integer; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _customer_parse(value: Any, errors: _Errors) -> tuple[str, list[Any]]:
    """Pick the customer among the related parties; return its id and the other parties."""
    if value is None:
        errors.missing("relatedParty")
        return "", []
    if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
        errors.invalid("relatedParty", "Expected a list of objects.")
        return "", []
    customers = [
        index
        for index, party in enumerate(value)
        if str(party.get("@referredType", "")).lower() == CUSTOMER
        or str(party.get("role", "")).lower() == CUSTOMER
    ]
    if not customers and len(value) == 1:
        customers = [0]
    if len(customers) != 1:
        errors.invalid(
            "relatedParty",
            "Name exactly one customer: a party with @referredType Customer "
            "(or role customer), or a single party.",
        )
        return "", []
    index = customers[0]
    customer_ref = _reference_id(value[index].get("id"))
    if customer_ref is None:
        errors.invalid(f"relatedParty[{index}].id", "Expected the customer's id.")
        return "", []
    return customer_ref, [party for i, party in enumerate(value) if i != index]


def _items_parse(value: Any, errors: _Errors) -> list[ItemInput]:
    if value is None:
        errors.missing("productOrderItem")
        return []
    if not isinstance(value, list) or not value:
        errors.invalid("productOrderItem", "Expected a non-empty list of items.")
        return []
    raw: list[tuple[dict[str, Any], str, str]] = []  # (item, path, nesting parent)
    _items_flatten(value, "productOrderItem", "", raw, errors)
    if len(raw) > MAX_ITEMS:
        errors.invalid("productOrderItem", f"At most {MAX_ITEMS} items per order.")
        return []
    items: list[ItemInput] = []
    seen: set[str] = set()
    for item, path, nesting_parent in raw:
        parsed = _item_parse(item, path, nesting_parent, errors)
        if parsed is None:
            continue
        if parsed.ref in seen:
            errors.invalid(f"{path}.id", f"Item id {parsed.ref!r} is used twice.")
            continue
        seen.add(parsed.ref)
        items.append(parsed)
    return _bundle_parents_apply(items, raw, errors)


def _items_flatten(
    value: list[Any],
    path: str,
    parent_ref: str,
    out: list[tuple[dict[str, Any], str, str]],
    errors: _Errors,
) -> None:
    """Flatten nested productOrderItem lists; a nested item is a bundle child."""
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict):
            errors.invalid(item_path, "Expected an object.")
            continue
        out.append((item, item_path, parent_ref))
        children = item.get("productOrderItem")
        if children is None:
            continue
        if not isinstance(children, list):
            errors.invalid(f"{item_path}.productOrderItem", "Expected a list.")
            continue
        own_ref = _reference_id(item.get("id")) or ""
        _items_flatten(children, f"{item_path}.productOrderItem", own_ref, out, errors)


def _item_parse(
    item: dict[str, Any], path: str, nesting_parent: str, errors: _Errors
) -> ItemInput | None:
    before = len(errors.by_path)
    ref = _reference_id(item.get("id"))
    if "id" not in item:
        errors.missing(f"{path}.id")
    elif ref is None or len(ref) > ITEM_ID_MAX_LENGTH:
        errors.invalid(f"{path}.id", "Expected a string of 1 to 64 characters.")
    action_value = item.get("action")
    if action_value is None:
        errors.missing(f"{path}.action")
    elif not isinstance(action_value, str) or action_value not in ACTION_FROM_TMF:
        errors.invalid(
            f"{path}.action", f"Expected one of {', '.join(sorted(ACTION_FROM_TMF))}."
        )
    quantity = _quantity_parse(item.get("quantity"), f"{path}.quantity", errors)
    offering_ref = _offering_ref_parse(item, path, errors)
    product_ref, characteristics, product_extra = _product_parse(
        item.get("product"), f"{path}.product", errors
    )
    relationships = _relationships_parse(
        item.get("productOrderItemRelationship"),
        f"{path}.productOrderItemRelationship",
        errors,
    )
    if len(errors.by_path) > before or ref is None:
        return None
    extra = {
        key: value
        for key, value in item.items()
        if key not in ITEM_MAPPED and key not in ITEM_SERVER_OWNED
    }
    if product_extra:
        extra["product"] = product_extra
    others = [r for r in relationships if r["relationshipType"] != BUNDLES]
    if others:
        extra["productOrderItemRelationship"] = others
    return ItemInput(
        ref=ref,
        action=ACTION_FROM_TMF[action_value],
        offering_ref=offering_ref,
        quantity=quantity,
        characteristics=characteristics,
        product_ref=product_ref,
        parent_ref=nesting_parent,
        extra=extra,
    )


def _quantity_parse(value: Any, path: str, errors: _Errors) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.invalid(path, "Expected a whole number of at least 1.")
        return 1
    if isinstance(value, float) and not value.is_integer():
        errors.invalid(path, "Expected a whole number of at least 1.")
        return 1
    number = int(value)
    if not 1 <= number <= MAX_QUANTITY:
        errors.invalid(path, f"Expected a whole number from 1 to {MAX_QUANTITY}.")
        return 1
    return number


def _offering_ref_parse(item: dict[str, Any], path: str, errors: _Errors) -> str | None:
    offering = item.get("productOffering")
    if offering is None:
        return None
    if not isinstance(offering, dict):
        errors.invalid(f"{path}.productOffering", "Expected an object with an id.")
        return None
    ref = _reference_id(offering.get("id"))
    if ref is None:
        errors.invalid(f"{path}.productOffering.id", "Expected the offering's id.")
    return ref


def _product_parse(
    value: Any, path: str, errors: _Errors
) -> tuple[str | None, dict[str, Any], dict[str, Any]]:
    """Return (inventory product id, characteristics by name, other product attributes)."""
    if value is None:
        return None, {}, {}
    if not isinstance(value, dict):
        errors.invalid(path, "Expected an object.")
        return None, {}, {}
    product_ref = None
    if value.get("id") is not None:
        product_ref = _reference_id(value.get("id"))
        if product_ref is None:
            errors.invalid(f"{path}.id", "Expected the product's id.")
    characteristics: dict[str, Any] = {}
    raw = value.get("productCharacteristic")
    if raw is not None and not isinstance(raw, list):
        errors.invalid(f"{path}.productCharacteristic", "Expected a list.")
        raw = None
    for index, characteristic in enumerate(raw or []):
        char_path = f"{path}.productCharacteristic[{index}]"
        if not isinstance(characteristic, dict):
            errors.invalid(char_path, "Expected an object with name and value.")
            continue
        name = characteristic.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.invalid(f"{char_path}.name", "Expected the characteristic's name.")
            continue
        if "value" not in characteristic:
            errors.missing(f"{char_path}.value")
            continue
        if name in characteristics:
            errors.invalid(f"{char_path}.name", f"{name!r} is given twice.")
            continue
        characteristics[name] = characteristic["value"]
    product_extra = {
        key: item
        for key, item in value.items()
        if key not in {"id", "productCharacteristic"}
    }
    return product_ref, characteristics, product_extra


def _relationships_parse(
    value: Any, path: str, errors: _Errors
) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.invalid(path, "Expected a list.")
        return []
    relationships: list[dict[str, Any]] = []
    for index, relationship in enumerate(value):
        rel_path = f"{path}[{index}]"
        if not isinstance(relationship, dict):
            errors.invalid(rel_path, "Expected an object with id and relationshipType.")
            continue
        ref = _reference_id(relationship.get("id"))
        kind = relationship.get("relationshipType")
        if ref is None:
            errors.invalid(f"{rel_path}.id", "Expected the related item's id.")
            continue
        if not isinstance(kind, str) or not kind:
            errors.invalid(f"{rel_path}.relationshipType", "Expected a string.")
            continue
        relationships.append({**relationship, "id": ref})
    return relationships


def _bundle_parents_apply(
    items: list[ItemInput],
    raw: list[tuple[dict[str, Any], str, str]],
    errors: _Errors,
) -> list[ItemInput]:
    """Give each child named by a parent's `bundles` relationship that parent's id."""
    refs = {item.ref for item in items}
    parents: dict[str, str] = {item.ref: item.parent_ref for item in items}
    for item_raw, path, _ in raw:
        parent_ref = _reference_id(item_raw.get("id"))
        for index, relationship in enumerate(
            item_raw.get("productOrderItemRelationship") or []
        ):
            if not isinstance(relationship, dict):
                continue
            if relationship.get("relationshipType") != BUNDLES:
                continue
            child_ref = _reference_id(relationship.get("id"))
            rel_path = f"{path}.productOrderItemRelationship[{index}].id"
            if child_ref not in refs:
                errors.invalid(
                    rel_path, f"No item with id {child_ref!r} in this order."
                )
            elif parents.get(child_ref) not in ("", parent_ref):
                errors.invalid(rel_path, f"Item {child_ref!r} has two bundle parents.")
            elif child_ref == parent_ref:
                errors.invalid(rel_path, "An item cannot bundle itself.")
            else:
                parents[child_ref] = parent_ref or ""
    for ref in refs:
        if _has_cycle(ref, parents):
            errors.invalid(
                "productOrderItem", f"Item {ref!r} bundles itself in a cycle."
            )
            break
    return [
        item
        if parents[item.ref] == item.parent_ref
        else replace(item, parent_ref=parents[item.ref])
        for item in items
    ]


def _has_cycle(start: str, parents: dict[str, str]) -> bool:
    seen = {start}
    current = parents.get(start, "")
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current, "")
    return False


# Attributes a PATCH may not touch besides the server-owned ones: the items and the
# customer change through their own operations (revision, a new order).
ORDER_NOT_PATCHABLE: frozenset[str] = frozenset({"productOrderItem", "relatedParty"})
_PATCH_COLUMNS = {
    "externalId": "external_id",
    "description": "description",
    "priority": "priority",
    "requestedStartDate": "requested_start_date",
    "requestedCompletionDate": "requested_completion_date",
}


def product_order_patch_parse(
    patch: dict[str, Any], *, current_extra: dict[str, Any]
) -> dict[str, Any]:
    """Read a merge-patch (RFC 7386) of a productOrder into `order_update` changes."""
    errors = _Errors()
    for key in sorted(patch):
        if key in ORDER_SERVER_OWNED:
            errors.invalid(key, "Set by the server; it cannot be changed.")
        elif key in ORDER_NOT_PATCHABLE:
            errors.invalid(key, "Cannot be changed with PATCH.")
    changes: dict[str, Any] = {}
    for key, column in _PATCH_COLUMNS.items():
        if key not in patch:
            continue
        value = patch[key]
        if key in {"requestedStartDate", "requestedCompletionDate"}:
            changes[column] = date_parse(value, key, errors)
        elif key == "priority":
            priority = priority_parse(value, key, errors)
            changes[column] = OrderPriority.NORMAL if priority is None else priority
        else:
            max_length = EXTERNAL_ID_MAX_LENGTH if key == "externalId" else 100_000
            changes[column] = _text(patch, key, errors, max_length=max_length)
    errors.raise_if_any()
    extension = order_extra_from(
        {k: v for k, v in patch.items() if k not in _PATCH_COLUMNS}
    )
    if extension:
        changes["extra"] = merge_patch(current_extra, extension)
    return changes


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON merge patch: objects merge, null removes, the rest replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
