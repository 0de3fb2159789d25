"""The import run: check every row of a file, then capture each valid order on its own.

Not one transaction: each order is captured by `order_capture` in its own, so a bad order
never stops the good ones. The service's refusals (ValidationFailed keyed
`lines.<ref>.<field>`, DuplicateExternalId...) are mapped back to the rows and fields of
the file.
"""

from __future__ import annotations

from collections.abc import Callable

from ordermgmt.actor import Actor
from ordermgmt.exceptions import DomainError, ValidationFailed
from orders.exceptions import OrdersErrorCode
from orders.imports.formats import import_format_detect
from orders.imports.parsing import FIELD_NAMES, FieldNames, import_file_parse
from orders.imports.report import (
    ImportOrderResult,
    ImportProblem,
    ImportReport,
    OrderOutcome,
)
from orders.imports.validation import OrderCheck, PlannedOrder, import_orders_check
from orders.models import CustomerOrder
from orders.services import order_capture
from orders.services.capture_input import LineInput

# Called with (orders done, orders in the file) before the first and after each order.
ImportProgress = Callable[[int, int], None]

# Fields of order_capture's errors, under the name the file uses for them.
_SERVICE_LINE_FIELDS = {
    "offering_id": "offering",
    "offering": "offering",
    "inventory_item_id": "inventory_item",
    "inventory_item": "inventory_item",
    "parent_ref": "parent_ref",
    "item_ref": "ref",
    "ref": "ref",
    "quantity": "quantity",
    "action": "action",
    "bundle": "offering",
}
_SERVICE_ORDER_FIELDS = {
    "account_id": "account",
    "account": "account",
    "external_id": "external_id",
    "channel": "channel",
    "requested_start_date": "requested_start_date",
    "description": "description",
    "lines": "lines",
    "__all__": "",
}
_ERROR_CODE_FIELDS = {
    OrdersErrorCode.DUPLICATE_EXTERNAL_ID: "external_id",
    OrdersErrorCode.ACCOUNT_SUSPENDED: "account",
}


def orders_import(
    *,
    file_name: str,
    content: bytes,
    actor: Actor,
    fmt: str | None = None,
    submit: bool = True,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import the orders of a CSV or JSON file: check all rows, then capture each valid order.

    Raises ImportFileUnreadable when the file is not CSV / JSON text at all; every other
    problem is in the report, with its row and field.
    """
    import_format = import_format_detect(file_name=file_name, given=fmt)
    parsed = import_file_parse(file_name=file_name, content=content, fmt=import_format)
    checks = import_orders_check(parsed=parsed)
    report = ImportReport(
        file=file_name, format=import_format, problems=list(parsed.problems)
    )
    names = FIELD_NAMES[import_format]
    total = len(checks)
    if progress is not None:
        progress(0, total)
    for done, check in enumerate(checks, start=1):
        _order_import(
            check=check,
            report=report,
            names=names,
            actor=actor,
            submit=submit,
        )
        if progress is not None:
            progress(done, total)
    return report


def _order_import(
    *,
    check: OrderCheck,
    report: ImportReport,
    names: FieldNames,
    actor: Actor,
    submit: bool,
) -> None:
    problems = check.problems
    order: CustomerOrder | None = None
    if check.planned is not None:
        try:
            order = _order_captured(planned=check.planned, actor=actor, submit=submit)
        except DomainError as exc:
            problems = _service_problems(
                error=exc, check=check, file_name=report.file, names=names
            )
    source = check.source
    report.problems.extend(problems)
    if order is not None:
        report.orders.append(
            ImportOrderResult(
                order_ref=source.ref,
                row=source.row,
                outcome=OrderOutcome.CREATED,
                order_id=order.pk,
                order_number=order.number or "",
                state=order.get_state_display(),
            )
        )
    else:
        report.orders.append(
            ImportOrderResult(
                order_ref=source.ref,
                row=source.row,
                outcome=OrderOutcome.REJECTED,
                problem_count=len(problems),
            )
        )


def _order_captured(
    *, planned: PlannedOrder, actor: Actor, submit: bool
) -> CustomerOrder:
    return order_capture(
        account_id=planned.account_id,
        actor=actor,
        channel=planned.channel,
        lines=[
            LineInput(
                ref=line.ref,
                action=line.action,
                offering_id=line.offering_id,
                quantity=line.quantity,
                characteristics=line.characteristics,
                inventory_item_id=line.inventory_item_id,
                parent_ref=line.parent_ref,
            )
            for line in planned.lines
        ],
        external_id=planned.external_id,
        description=planned.description,
        requested_start_date=planned.requested_start_date,
        submit=submit,
    )


def _service_problems(
    *, error: DomainError, check: OrderCheck, file_name: str, names: FieldNames
) -> list[ImportProblem]:
    """Place each of the service's errors on the row and field of the file it concerns."""
    source = check.source
    if not isinstance(error, ValidationFailed) or not error.errors:
        field = _ERROR_CODE_FIELDS.get(error.code, "")
        return [
            ImportProblem(
                file_name,
                source.row,
                names.order_field(field) if field else "",
                error.message,
                source.ref,
            )
        ]
    rows_by_ref = {line.ref: line.row for line in source.lines}
    # Longest first: a ref may itself contain dots ("1.2").
    refs = sorted(rows_by_ref, key=len, reverse=True)
    problems: list[ImportProblem] = []
    for key, messages in error.errors.items():
        row, field, prefix = _error_place(
            key=key,
            refs=refs,
            rows_by_ref=rows_by_ref,
            order_row=source.row,
            names=names,
        )
        problems.extend(
            ImportProblem(file_name, row, field, prefix + message, source.ref)
            for message in messages
        )
    return problems


def _line_field_named(line_field: str, names: FieldNames) -> str:
    head, _, tail = line_field.partition(".")
    if head in _SERVICE_LINE_FIELDS:
        line_field = _SERVICE_LINE_FIELDS[head] + (f".{tail}" if tail else "")
    return names.line_field(line_field) if line_field else ""


def _error_place(
    *,
    key: str,
    refs: list[str],
    rows_by_ref: dict[str, str],
    order_row: str,
    names: FieldNames,
) -> tuple[str, str, str]:
    """Return (row, field, message prefix) for one key of the service's errors."""
    if not key.startswith("lines."):
        field = _SERVICE_ORDER_FIELDS.get(key, key)
        return order_row, names.order_field(field) if field else "", ""
    rest = key.removeprefix("lines.")
    for ref in refs:
        if rest == ref or rest.startswith(ref + "."):
            line_field = rest.removeprefix(ref).lstrip(".")
            return rows_by_ref[ref], _line_field_named(line_field, names), ""
    for ref in refs:
        # A line the service added to a bundle: "<bundle ref>/<child offering code>".
        if rest.startswith(ref + "/"):
            child, _, line_field = rest.removeprefix(ref + "/").partition(".")
            return (
                rows_by_ref[ref],
                _line_field_named(line_field, names),
                f"Bundle part {child}: ",
            )
    return order_row, key, ""
