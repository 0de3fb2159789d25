"""Reading an import file into raw orders and lines, each remembering its row (no ORM).

Values stay as the file gave them (CSV: text); `orders.imports.validation` types and
resolves them. Problems of shape (a missing column, a duplicate line ref, a cell that is
not a number) are collected with their row and field, never raised; only a file that
cannot be read at all raises `ImportFileUnreadable`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from orders.imports.exceptions import ImportFileUnreadable
from orders.imports.formats import ImportFormat
from orders.imports.report import ImportProblem


@dataclass(frozen=True)
class FieldNames:
    """How a format names the logical fields in its report (CSV column / JSON key)."""

    order: Mapping[str, str]
    line: Mapping[str, str]
    characteristic_prefix: str
    # The characteristics of a line as a whole.
    characteristics: str

    def order_field(self, name: str) -> str:
        return self.order.get(name, name)

    def line_field(self, name: str) -> str:
        if name == "characteristics":
            return self.characteristics
        if name.startswith("characteristics."):
            return self.characteristic_prefix + name.removeprefix("characteristics.")
        return self.line.get(name, name)


CSV_NAMES = FieldNames(
    order={
        "ref": "order_ref",
        "account": "account",
        "external_id": "external_id",
        "channel": "channel",
        "requested_start_date": "requested_start_date",
        "description": "description",
        "lines": "order_ref",
    },
    line={
        "ref": "line_ref",
        "parent_ref": "parent_line_ref",
        "action": "action",
        "offering": "offering",
        "quantity": "quantity",
        "inventory_item": "inventory_item",
    },
    characteristic_prefix="char.",
    characteristics="char.*",
)
JSON_NAMES = FieldNames(
    order={
        "ref": "ref",
        "account": "account",
        "external_id": "externalId",
        "channel": "channel",
        "requested_start_date": "requestedStartDate",
        "description": "description",
        "lines": "lines",
    },
    line={
        "ref": "ref",
        "parent_ref": "parentRef",
        "action": "action",
        "offering": "offering",
        "quantity": "quantity",
        "inventory_item": "inventoryItem",
    },
    characteristic_prefix="characteristics.",
    characteristics="characteristics",
)
FIELD_NAMES = {ImportFormat.CSV: CSV_NAMES, ImportFormat.JSON: JSON_NAMES}


@dataclass
class RawLine:
    """One order line as the file gave it; `quantity` None means not given."""

    row: str
    ref: str
    action: str = ""
    offering: str = ""
    quantity: Any = None
    inventory_item: str = ""
    parent_ref: str = ""
    characteristics: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawOrder:
    """One order as the file gave it, with the problems found in its rows so far."""

    row: str
    ref: str
    account: str = ""
    external_id: str = ""
    channel: str = ""
    requested_start_date: str = ""
    description: str = ""
    lines: list[RawLine] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass
class ParsedFile:
    """The orders of a file; `problems` belong to no single order (header, stray rows).

    A header problem leaves `orders` empty: nothing in the file can be trusted.
    """

    file: str
    format: ImportFormat
    orders: list[RawOrder] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def import_file_parse(
    *, file_name: str, content: bytes, fmt: ImportFormat
) -> ParsedFile:
    """Read the bytes of an import file; raise ImportFileUnreadable if it is not one."""
    text = _text_decoded(file_name=file_name, content=content)
    if fmt == ImportFormat.CSV:
        return _csv_parse(file_name=file_name, text=text)
    return _json_parse(file_name=file_name, text=text)


def _text_decoded(*, file_name: str, content: bytes) -> str:
    if not content.strip():
        raise ImportFileUnreadable(f"{file_name}: the file is empty.")
    if b"\x00" in content:
        raise ImportFileUnreadable(
            f"{file_name}: this is a binary file, not CSV or JSON text."
        )
    try:
        # utf-8-sig: spreadsheet programs often start UTF-8 files with a BOM.
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileUnreadable(
            f"{file_name}: the file is not UTF-8 text (byte {exc.start}); "
            "save it as UTF-8 and try again."
        ) from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    return str(value)


# --- CSV ---------------------------------------------------------------------------

CSV_REQUIRED_COLUMNS = ("order_ref", "account", "offering")
CSV_ORDER_COLUMNS = (
    "account",
    "external_id",
    "channel",
    "requested_start_date",
    "description",
)
CSV_LINE_COLUMNS = (
    "line_ref",
    "parent_line_ref",
    "action",
    "offering",
    "quantity",
    "inventory_item",
)
CSV_CHARACTERISTIC_PREFIX = "char."
_CSV_KNOWN = frozenset(("order_ref", *CSV_ORDER_COLUMNS, *CSV_LINE_COLUMNS))
_CSV_ORDER_ATTRIBUTES = {
    "account": "account",
    "external_id": "external_id",
    "channel": "channel",
    "requested_start_date": "requested_start_date",
    "description": "description",
}


def _csv_delimiter(text: str) -> str:
    # Spreadsheets in many European locales save CSV with semicolons.
    header = text.lstrip().splitlines()[0] if text.strip() else ""
    return ";" if ";" in header and "," not in header else ","


def _csv_rows(*, file_name: str, text: str) -> list[list[str]]:
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_csv_delimiter(text), strict=True
    )
    try:
        return list(reader)
    except csv.Error as exc:
        raise ImportFileUnreadable(
            f"{file_name}: not valid CSV near line {reader.line_num}: {exc}."
        ) from exc


def _csv_header_problems(*, file_name: str, header: list[str]) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    seen: set[str] = set()
    for column in header:
        if not column:
            problems.append(ImportProblem(file_name, "1", "", "A column has no name."))
        elif column in seen:
            problems.append(
                ImportProblem(file_name, "1", column, "The column appears twice.")
            )
        elif column not in _CSV_KNOWN and not (
            column.startswith(CSV_CHARACTERISTIC_PREFIX)
            and len(column) > len(CSV_CHARACTERISTIC_PREFIX)
        ):
            problems.append(
                ImportProblem(
                    file_name,
                    "1",
                    column,
                    f"Unknown column {column!r}; characteristic columns are named "
                    "char.<code>.",
                )
            )
        seen.add(column)
    problems.extend(
        ImportProblem(
            file_name, "1", column, f"The required column {column} is missing."
        )
        for column in CSV_REQUIRED_COLUMNS
        if column not in seen
    )
    return problems


def _csv_characteristics(cells: Mapping[str, str]) -> dict[str, Any]:
    """Nest `char.a` and `char.a.b` cells into {"a": ..., "b": {...}}; skip empty cells."""
    values: dict[str, Any] = {}
    for column, cell in cells.items():
        if not column.startswith(CSV_CHARACTERISTIC_PREFIX) or cell == "":
            continue
        path = column.removeprefix(CSV_CHARACTERISTIC_PREFIX).split(".", 1)
        if len(path) == 1:
            values[path[0]] = cell
        else:
            parent = values.setdefault(path[0], {})
            if isinstance(parent, dict):
                parent[path[1]] = cell
    return values


def _csv_parse(*, file_name: str, text: str) -> ParsedFile:
    rows = _csv_rows(file_name=file_name, text=text)
    parsed = ParsedFile(file=file_name, format=ImportFormat.CSV)
    header = [column.strip() for column in rows[0]]
    header = [
        column
        if column.startswith(CSV_CHARACTERISTIC_PREFIX)
        else column.lower().replace(" ", "_")
        for column in header
    ]
    parsed.problems = _csv_header_problems(file_name=file_name, header=header)
    if parsed.problems:
        return parsed
    orders: dict[str, RawOrder] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        _csv_row_add(
            file_name=file_name,
            orders=orders,
            row=str(number),
            header=header,
            cells=cells,
            problems=parsed.problems,
        )
    parsed.orders = list(orders.values())
    if not parsed.orders and not parsed.problems:
        parsed.problems.append(
            ImportProblem(file_name, "1", "", "The file has a header but no orders.")
        )
    return parsed


def _csv_row_add(
    *,
    file_name: str,
    orders: dict[str, RawOrder],
    row: str,
    header: list[str],
    cells: list[str],
    problems: list[ImportProblem],
) -> None:
    by_column = {
        column: cells[index].strip() if index < len(cells) else ""
        for index, column in enumerate(header)
    }
    order_ref = by_column["order_ref"]
    if not order_ref:
        problems.append(
            ImportProblem(
                file_name, row, "order_ref", "Give the order this row belongs to."
            )
        )
        return
    order = orders.get(order_ref)
    if order is None:
        order = orders[order_ref] = RawOrder(row=row, ref=order_ref)
    if len(cells) > len(header):
        order.problems.append(
            ImportProblem(
                file_name,
                row,
                "",
                f"The row has {len(cells)} cells but the header names {len(header)} "
                "columns.",
                order_ref,
            )
        )
    for column, attribute in _CSV_ORDER_ATTRIBUTES.items():
        _csv_order_value_set(
            file_name=file_name,
            order=order,
            row=row,
            column=column,
            attribute=attribute,
            value=by_column.get(column, ""),
        )
    order.lines.append(
        RawLine(
            row=row,
            ref=by_column.get("line_ref", "") or row,
            action=by_column.get("action", ""),
            offering=by_column.get("offering", ""),
            quantity=by_column.get("quantity") or None,
            inventory_item=by_column.get("inventory_item", ""),
            parent_ref=by_column.get("parent_line_ref", ""),
            characteristics=_csv_characteristics(by_column),
        )
    )


def _csv_order_value_set(
    *,
    file_name: str,
    order: RawOrder,
    row: str,
    column: str,
    attribute: str,
    value: str,
) -> None:
    """Take an order column from the first row that gives it; later rows must agree."""
    if not value:
        return
    current = getattr(order, attribute)
    if not current:
        setattr(order, attribute, value)
    elif current != value:
        order.problems.append(
            ImportProblem(
                file_name,
                row,
                column,
                f"Differs from the value {current!r} given earlier for order "
                f"{order.ref}; one order has one {column}.",
                order.ref,
            )
        )


# --- JSON --------------------------------------------------------------------------

_JSON_ORDER_KEYS = frozenset(JSON_NAMES.order.values())
_JSON_LINE_KEYS = frozenset((*JSON_NAMES.line.values(), "characteristics"))


def _json_parse(*, file_name: str, text: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileUnreadable(
            f"{file_name}: not valid JSON at line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}."
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        data = data["orders"]
    if not isinstance(data, list):
        raise ImportFileUnreadable(
            f"{file_name}: the JSON file must hold a list of orders "
            '([{"ref": ..., "account": ..., "lines": [...]}]).'
        )
    parsed = ParsedFile(file=file_name, format=ImportFormat.JSON)
    if not data:
        parsed.problems.append(
            ImportProblem(file_name, "$", "", "The file holds no orders.")
        )
    for index, item in enumerate(data):
        parsed.orders.append(_json_order(file_name=file_name, index=index, item=item))
    return parsed


def _json_text(
    *,
    file_name: str,
    data: Mapping[str, Any],
    key: str,
    row: str,
    order: RawOrder,
) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        order.problems.append(
            ImportProblem(file_name, row, key, "Must be text.", order.ref)
        )
        return ""
    return _text(value)


def _json_unknown_keys(
    *,
    file_name: str,
    data: Mapping[str, Any],
    known: frozenset[str],
    row: str,
    order: RawOrder,
) -> None:
    for key in data:
        if key not in known:
            order.problems.append(
                ImportProblem(
                    file_name,
                    row,
                    str(key),
                    f"Unknown field; use {', '.join(sorted(known))}.",
                    order.ref,
                )
            )


def _json_order(*, file_name: str, index: int, item: Any) -> RawOrder:
    row = f"$[{index}]"
    if not isinstance(item, dict):
        order = RawOrder(row=row, ref=f"#{index + 1}")
        order.problems.append(
            ImportProblem(
                file_name, row, "", "An order must be a JSON object.", order.ref
            )
        )
        return order
    ref = _text(item.get("ref")) if isinstance(item.get("ref"), (str, int)) else ""
    order = RawOrder(row=row, ref=ref or f"#{index + 1}")
    _json_unknown_keys(
        file_name=file_name, data=item, known=_JSON_ORDER_KEYS, row=row, order=order
    )
    for attribute in (
        "account",
        "external_id",
        "channel",
        "requested_start_date",
        "description",
    ):
        key = JSON_NAMES.order_field(attribute)
        setattr(
            order,
            attribute,
            _json_text(file_name=file_name, data=item, key=key, row=row, order=order),
        )
    lines = item.get("lines")
    if not isinstance(lines, list):
        order.problems.append(
            ImportProblem(
                file_name, row, "lines", "Give the order's lines as a list.", order.ref
            )
        )
        return order
    for line_index, line in enumerate(lines):
        raw = _json_line(
            file_name=file_name,
            row=f"{row}.lines[{line_index}]",
            line=line,
            order=order,
        )
        if raw is not None:
            raw.ref = raw.ref or str(line_index + 1)
            order.lines.append(raw)
    return order


def _json_characteristics(
    *, file_name: str, row: str, value: Any, order: RawOrder
) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(code): given for code, given in value.items()}
    # TMF style: [{"name": "bandwidth", "value": 500}, ...]
    if isinstance(value, list) and all(
        isinstance(entry, dict) and isinstance(entry.get("name"), str)
        for entry in value
    ):
        return {entry["name"]: entry.get("value") for entry in value}
    order.problems.append(
        ImportProblem(
            file_name,
            row,
            "characteristics",
            'Give characteristics as an object, e.g. {"bandwidth": 500}.',
            order.ref,
        )
    )
    return {}


def _json_line(
    *, file_name: str, row: str, line: Any, order: RawOrder
) -> RawLine | None:
    if not isinstance(line, dict):
        order.problems.append(
            ImportProblem(
                file_name, row, "", "A line must be a JSON object.", order.ref
            )
        )
        return None
    _json_unknown_keys(
        file_name=file_name, data=line, known=_JSON_LINE_KEYS, row=row, order=order
    )

    def text(attribute: str) -> str:
        return _json_text(
            file_name=file_name,
            data=line,
            key=JSON_NAMES.line_field(attribute),
            row=row,
            order=order,
        )

    return RawLine(
        row=row,
        ref=text("ref"),
        action=text("action"),
        offering=text("offering"),
        quantity=line.get("quantity"),
        inventory_item=text("inventory_item"),
        parent_ref=text("parent_ref"),
        characteristics=_json_characteristics(
            file_name=file_name, row=row, value=line.get("characteristics"), order=order
        ),
    )
