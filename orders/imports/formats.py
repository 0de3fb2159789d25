"""The two import file formats (CSV and JSON): their names, detection and description.

`FORMAT_HELP` is the text an order desk reads, shown by `import_orders --help` and on
the upload page; keep it in step with `orders.imports.parsing`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePath

from orders.imports.exceptions import ImportFileUnreadable


class ImportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


# Largest file the upload page accepts; the command reads any size.
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


def import_format_detect(*, file_name: str, given: str | None = None) -> ImportFormat:
    """Return the format named by `given`, else the one the file's extension names."""
    if given:
        try:
            return ImportFormat(given.strip().lower())
        except ValueError as exc:
            raise ImportFileUnreadable(
                f"Unknown format {given!r}; use csv or json."
            ) from exc
    extension = PurePath(file_name).suffix.lower().lstrip(".")
    try:
        return ImportFormat(extension)
    except ValueError as exc:
        raise ImportFileUnreadable(
            f"{file_name}: cannot tell the format from the extension "
            f"{('.' + extension) if extension else '(none)'}; name the file .csv or "
            ".json (or pass --format)."
        ) from exc


FORMAT_HELP = """\
CSV (UTF-8, comma or semicolon separated, first row = column names)
  One row per order line; rows with the same order_ref form one order.
  order_ref         required; groups the rows of one order
  account           required; account number, e.g. ACC0001001
  offering          required column; offering code, e.g. OFF_FIBER_INTERNET
                    (may be empty on change/delete/suspend/resume rows: the
                    inventory item's offering is used)
  external_id       optional; your order id (unique per account)
  channel           optional; agent, portal, api or import (default import)
  requested_start_date  optional; YYYY-MM-DD or an ISO date-time
  description       optional; order description
  line_ref          optional; line id, unique in the order (default: row number)
  parent_line_ref   optional; line_ref of the bundle line this line belongs to
  action            optional; add, change, delete, suspend, resume or no_change
                    (default add)
  quantity          optional; whole number >= 1 (default 1)
  inventory_item    inventory item number (INV0001001) for change, delete,
                    suspend and resume
  char.<code>       one column per characteristic, e.g. char.bandwidth;
  char.<code>.<part>  parts of an address or object characteristic, e.g.
                    char.installation_address.city, char.options.coolant
  Order columns (account, external_id, channel, requested_start_date,
  description) may be repeated on every row of the order or given once.
  An empty cell means "not given". Values are read as the catalog types them:
  numbers (300, 12.5), booleans (true/false, yes/no, 1/0), dates (YYYY-MM-DD).

JSON (UTF-8): a list of orders
  [{"ref": "A1", "account": "ACC0001001", "externalId": "PO-7",
    "channel": "import", "requestedStartDate": "2026-03-01",
    "description": "...",
    "lines": [{"ref": "1", "action": "add", "offering": "OFF_FIBER_INTERNET",
               "quantity": 1, "characteristics": {"bandwidth": 500},
               "parentRef": "...", "inventoryItem": "INV0001001"}]}]
  Only ref/account/lines and a line's offering (or inventoryItem) are needed.

Every row is checked before anything is created; an order with a problem is
rejected as a whole, the others are created (one transaction each). The report
names file, row (CSV: line number, header = 1; JSON: path such as
$[0].lines[1]), field and message for each problem.
"""
