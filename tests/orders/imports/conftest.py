"""Demo data (realistic offerings) and helpers to write import files for the import tests."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import pytest

from catalog.models import LifecycleStatus, ProductOffering
from fixtures.demo.load import demo_load
from orders.models import Account

ADDRESS = {
    "line1": "12 Harbour Street",
    "city": "Hamburg",
    "postcode": "20457",
    "country": "DE",
}


@dataclass(frozen=True)
class Demo:
    jane: Account  # consumer
    northwind: Account  # small business
    acme: Account  # enterprise

    def offering(self, code: str) -> ProductOffering:
        return ProductOffering.objects.get(
            code=code, lifecycle_status=LifecycleStatus.PUBLISHED
        )


@pytest.fixture
def demo(db) -> Demo:
    return demo_build()


def demo_build() -> Demo:
    """Load the demo data and return its three customer accounts."""
    demo_load()
    accounts = {a.name: a for a in Account.objects.all()}
    return Demo(
        jane=accounts["Jane Doe"],
        northwind=accounts["Northwind Café"],
        acme=accounts["Acme Manufacturing GmbH"],
    )


def csv_bytes(rows: list[dict[str, object]]) -> bytes:
    """Write rows as CSV; the header is the union of the rows' keys in first-seen order."""
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def json_bytes(orders: list[dict[str, object]]) -> bytes:
    return json.dumps(orders).encode()


def internet_row(
    owner: Account, order_ref: str, /, **cells: object
) -> dict[str, object]:
    """A valid CSV row: fiber internet for a consumer, address given."""
    row: dict[str, object] = {
        "order_ref": order_ref,
        "account": owner.number,
        "offering": "OFF_FIBER_INTERNET",
        "quantity": "1",
        "char.bandwidth": "500",
        "char.contract_term": "24",
        **{f"char.installation_address.{k}": v for k, v in ADDRESS.items()},
    }
    row.update(cells)
    return row


def places(problems) -> list[tuple[str, str]]:
    return [(p.row, p.field) for p in problems]
