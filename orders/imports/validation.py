"""Row validation of an import: resolve what the rows name and check shape and types.

Everything the rows name (accounts, offerings, inventory items, characteristic
definitions, external ids already taken) is read in at most five queries for the whole
file; the checks themselves never query. An order whose rows have a problem is not
planned; the others become `PlannedOrder`s for `order_capture`, which checks the catalog
rules (bundles, compatibility, eligibility, item states) once more in its transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from catalog.models import LifecycleStatus, ProductOffering
from catalog.rules import CharacteristicDefinition, characteristic_errors
from catalog.selectors import specification_characteristics_many
from inventory.models import InventoryItem
from orders.imports.parsing import FIELD_NAMES, ParsedFile, RawLine, RawOrder
from orders.imports.report import ImportProblem
from orders.imports.values import characteristic_values_typed
from orders.models import (
    MACD_ACTIONS,
    Account,
    AccountState,
    CustomerOrder,
    LineAction,
    OrderChannel,
)

# Longest values the order tables hold (CustomerOrder.external_id, line item_ref).
EXTERNAL_ID_MAX_LENGTH = 100
REF_MAX_LENGTH = 64
# Largest quantity a line row holds (PositiveIntegerField on every database).
QUANTITY_MAX = 2_147_483_647
# Actions whose line carries characteristic values (the new or changed configuration).
_CONFIGURING_ACTIONS = frozenset({LineAction.ADD, LineAction.CHANGE})


@dataclass(frozen=True)
class PlannedLine:
    """A checked line, ready to become an `orders.services.LineInput`."""

    row: str
    ref: str
    action: str
    offering_id: int | None
    quantity: int
    characteristics: dict[str, Any]
    inventory_item_id: int | None
    parent_ref: str


@dataclass(frozen=True)
class PlannedOrder:
    """A checked order, ready for `order_capture`."""

    account_id: int
    channel: str
    external_id: str
    description: str
    requested_start_date: datetime.datetime | None
    lines: tuple[PlannedLine, ...]


@dataclass
class OrderCheck:
    """One order of the file: its problems, or the plan to capture it."""

    source: RawOrder
    problems: list[ImportProblem] = field(default_factory=list)
    planned: PlannedOrder | None = None


@dataclass(frozen=True)
class ImportReferences:
    """The rows an import file names, loaded once for the whole file."""

    accounts: dict[str, Account]
    offerings: dict[str, ProductOffering]
    items: dict[str, InventoryItem]
    characteristics: dict[int, list[CharacteristicDefinition]]
    taken_external_ids: set[tuple[int, str]]


def _account_key(number: str) -> str:
    return number.strip().upper()


def import_references_load(*, orders: Iterable[RawOrder]) -> ImportReferences:
    """Load what the orders name in at most five queries, whatever their number."""
    orders = list(orders)
    account_numbers = {_account_key(o.account) for o in orders if o.account}
    lines = [line for order in orders for line in order.lines]
    offering_codes = {line.offering for line in lines if line.offering}
    item_numbers = {
        _account_key(line.inventory_item) for line in lines if line.inventory_item
    }
    accounts = (
        {a.number: a for a in Account.objects.filter(number__in=account_numbers)}
        if account_numbers
        else {}
    )
    offerings: dict[str, ProductOffering] = {}
    if offering_codes:
        # The published version of each code, else its newest one (to say why not).
        for offering in ProductOffering.objects.filter(
            code__in=offering_codes
        ).order_by("code", "-version"):
            current = offerings.get(offering.code)
            if current is None or (offering.is_published and not current.is_published):
                offerings[offering.code] = offering
    items = (
        {
            item.number: item
            for item in InventoryItem.objects.filter(
                number__in=item_numbers
            ).select_related("offering")
        }
        if item_numbers
        else {}
    )
    specification_ids = {
        o.product_specification_id
        for o in offerings.values()
        if o.product_specification_id is not None
    } | {
        spec_id
        for item in items.values()
        for spec_id in (
            item.specification_id,
            item.offering.product_specification_id if item.offering else None,
        )
        if spec_id is not None
    }
    external_ids = {o.external_id for o in orders if o.external_id}
    account_ids = {account.pk for account in accounts.values()}
    taken = (
        set(
            CustomerOrder.objects.filter(
                account_id__in=account_ids, external_id__in=external_ids
            ).values_list("account_id", "external_id")
        )
        if external_ids and account_ids
        else set()
    )
    return ImportReferences(
        accounts=accounts,
        offerings=offerings,
        items=items,
        characteristics=specification_characteristics_many(
            specification_ids=specification_ids
        )
        if specification_ids
        else {},
        taken_external_ids=taken,
    )


def import_orders_check(*, parsed: ParsedFile) -> list[OrderCheck]:
    """Check every order of a parsed file; return each with its problems or its plan."""
    references = import_references_load(orders=parsed.orders)
    checker = _OrderChecker(parsed=parsed, references=references)
    return [checker.check(order) for order in parsed.orders]


class _OrderChecker:
    """Checks orders one after the other; remembers external ids seen in the file."""

    def __init__(self, *, parsed: ParsedFile, references: ImportReferences) -> None:
        self.file = parsed.file
        self.names = FIELD_NAMES[parsed.format]
        self.references = references
        self.external_ids_seen: dict[tuple[int, str], str] = {}

    def check(self, order: RawOrder) -> OrderCheck:
        result = OrderCheck(source=order, problems=list(order.problems))

        def order_problem(name: str, message: str) -> None:
            result.problems.append(
                ImportProblem(
                    self.file,
                    order.row,
                    self.names.order_field(name),
                    message,
                    order.ref,
                )
            )

        account = self._account(order, order_problem)
        channel = order.channel.lower() or OrderChannel.IMPORT
        if channel not in OrderChannel.values:
            order_problem(
                "channel", f"Unknown channel; use {', '.join(OrderChannel.values)}."
            )
        start = _datetime_parsed(order.requested_start_date)
        if order.requested_start_date and start is None:
            order_problem(
                "requested_start_date",
                "Must be a date written YYYY-MM-DD or an ISO date-time.",
            )
        self._external_id_check(order, account, order_problem)
        if not order.lines and not order.problems:
            order_problem("lines", "The order has no lines.")
        planned_lines = self._lines(order, account, result.problems)
        if not result.problems and account is not None:
            result.planned = PlannedOrder(
                account_id=account.pk,
                channel=channel,
                external_id=order.external_id,
                description=order.description,
                requested_start_date=start,
                lines=tuple(planned_lines),
            )
        return result

    def _account(self, order: RawOrder, order_problem: Any) -> Account | None:
        if not order.account:
            order_problem("account", "Give the account number, e.g. ACC0001001.")
            return None
        account = self.references.accounts.get(_account_key(order.account))
        if account is None:
            order_problem("account", f"Unknown account {order.account!r}.")
            return None
        if account.state != AccountState.ACTIVE:
            order_problem(
                "account", f"Account {account} is suspended; it cannot order."
            )
        return account

    def _external_id_check(
        self, order: RawOrder, account: Account | None, order_problem: Any
    ) -> None:
        if not order.external_id:
            return
        if len(order.external_id) > EXTERNAL_ID_MAX_LENGTH:
            order_problem(
                "external_id", f"At most {EXTERNAL_ID_MAX_LENGTH} characters."
            )
            return
        if account is None:
            return
        key = (account.pk, order.external_id)
        if key in self.references.taken_external_ids:
            order_problem(
                "external_id",
                f"Account {account.number} already has an order with external id "
                f"{order.external_id!r}.",
            )
        elif key in self.external_ids_seen:
            order_problem(
                "external_id",
                f"Order {self.external_ids_seen[key]} of this file already uses this "
                "external id for the same account.",
            )
        else:
            self.external_ids_seen[key] = order.ref

    def _lines(
        self,
        order: RawOrder,
        account: Account | None,
        problems: list[ImportProblem],
    ) -> list[PlannedLine]:
        refs = [line.ref for line in order.lines]
        parents = {line.ref: line.parent_ref for line in order.lines}
        seen: set[str] = set()
        planned: list[PlannedLine] = []
        for line in order.lines:

            def line_problem(name: str, message: str, line: RawLine = line) -> None:
                problems.append(
                    ImportProblem(
                        self.file,
                        line.row,
                        self.names.line_field(name),
                        message,
                        order.ref,
                    )
                )

            if line.ref in seen:
                line_problem(
                    "ref", f"Line {line.ref!r} appears twice in order {order.ref}."
                )
            elif len(line.ref) > REF_MAX_LENGTH:
                line_problem("ref", f"At most {REF_MAX_LENGTH} characters.")
            seen.add(line.ref)
            _parent_check(line, refs=refs, parents=parents, line_problem=line_problem)
            checked = self._line(line, account, line_problem)
            if checked is not None:
                planned.append(checked)
        return planned

    def _line(
        self, line: RawLine, account: Account | None, line_problem: Any
    ) -> PlannedLine | None:
        action = line.action.lower() or LineAction.ADD
        if action not in LineAction.values:
            line_problem(
                "action", f"Unknown action; use {', '.join(LineAction.values)}."
            )
            return None
        quantity = _quantity_parsed(line.quantity)
        if quantity is None:
            line_problem(
                "quantity", f"Must be a whole number from 1 to {QUANTITY_MAX}."
            )
        offering = self._offering(line, action, line_problem)
        item = self._item(line, action, account, line_problem)
        characteristics = self._characteristics(
            line, action, offering, item, line_problem
        )
        if quantity is None or characteristics is None:
            return None
        return PlannedLine(
            row=line.row,
            ref=line.ref,
            action=action,
            offering_id=offering.pk if offering is not None else None,
            quantity=quantity,
            characteristics=characteristics,
            inventory_item_id=item.pk if item is not None else None,
            parent_ref=line.parent_ref,
        )

    def _offering(
        self, line: RawLine, action: str, line_problem: Any
    ) -> ProductOffering | None:
        if not line.offering:
            if action == LineAction.ADD:
                line_problem("offering", "An add line needs an offering code.")
            return None
        offering = self.references.offerings.get(line.offering)
        if offering is None:
            line_problem("offering", f"Unknown offering {line.offering!r}.")
            return None
        if offering.lifecycle_status != LifecycleStatus.PUBLISHED:
            line_problem(
                "offering",
                f"Offering {line.offering} is {offering.get_lifecycle_status_display().lower()}; "
                "only published offerings can be ordered.",
            )
            return None
        return offering

    def _item(
        self,
        line: RawLine,
        action: str,
        account: Account | None,
        line_problem: Any,
    ) -> InventoryItem | None:
        if not line.inventory_item:
            if action in MACD_ACTIONS:
                line_problem(
                    "inventory_item",
                    f"A {action} line needs the inventory item it acts on "
                    "(e.g. INV0001001).",
                )
            return None
        if action == LineAction.ADD:
            line_problem(
                "inventory_item",
                "An add line creates a new item; leave the inventory item empty.",
            )
            return None
        item = self.references.items.get(_account_key(line.inventory_item))
        if item is None:
            line_problem(
                "inventory_item", f"Unknown inventory item {line.inventory_item!r}."
            )
            return None
        if account is not None and item.account_id != account.pk:
            line_problem(
                "inventory_item",
                f"Inventory item {item.number} belongs to another account.",
            )
            return None
        return item

    def _characteristics(
        self,
        line: RawLine,
        action: str,
        offering: ProductOffering | None,
        item: InventoryItem | None,
        line_problem: Any,
    ) -> dict[str, Any] | None:
        """Return the typed values, or None when a value is wrong (after saying why)."""
        if action not in _CONFIGURING_ACTIONS:
            if line.characteristics:
                line_problem(
                    "characteristics",
                    f"A {action.replace('_', ' ')} line changes no characteristic "
                    "values; leave them empty.",
                )
                return None
            return {}
        definitions = self._definitions(offering, item)
        if definitions is None:
            # What the line acts on is unknown (already reported): nothing to type by.
            return dict(line.characteristics)
        typed = characteristic_values_typed(
            definitions=definitions, values=line.characteristics
        )
        # A change line carries the item's whole new configuration.
        values = {**item.characteristics, **typed} if item is not None else typed
        errors = characteristic_errors(characteristics=definitions, values=values)
        for path, messages in errors.items():
            name = "characteristics" if path == "__all__" else f"characteristics.{path}"
            for message in messages:
                line_problem(name, message)
        return None if errors else typed

    def _definitions(
        self, offering: ProductOffering | None, item: InventoryItem | None
    ) -> list[CharacteristicDefinition] | None:
        if offering is None and item is not None and item.offering is not None:
            offering = item.offering
        specification_id = (
            offering.product_specification_id
            if offering is not None and offering.product_specification_id
            else (item.specification_id if item is not None else None)
        )
        if specification_id is None:
            return None if offering is None else []
        return self.references.characteristics.get(specification_id, [])


def _parent_check(
    line: RawLine, *, refs: list[str], parents: dict[str, str], line_problem: Any
) -> None:
    if not line.parent_ref:
        return
    if line.parent_ref == line.ref:
        line_problem("parent_ref", "A line cannot be its own parent.")
        return
    if line.parent_ref not in refs:
        line_problem(
            "parent_ref",
            f"No line {line.parent_ref!r} in this order; name the ref of its bundle "
            "line.",
        )
        return
    seen = {line.ref}
    current = line.parent_ref
    while current:
        if current in seen:
            line_problem("parent_ref", "The parent lines form a cycle.")
            return
        seen.add(current)
        current = parents.get(current, "")


def _quantity_parsed(value: Any) -> int | None:
    if value is None:
        return 1
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("+").isdigit():
            return None
        value = int(text)
    if not isinstance(value, int) or not 1 <= value <= QUANTITY_MAX:
        return None
    return value


def _datetime_parsed(text: str) -> datetime.datetime | None:
    """Read YYYY-MM-DD (midnight, local time) or an ISO date-time; None if neither."""
    if not text:
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
