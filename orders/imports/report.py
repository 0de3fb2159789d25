"""The import report: each problem with file, row, field and message, and each order's fate."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from enum import StrEnum

from orders.imports.formats import ImportFormat


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong in the file, where a person can find and fix it.

    `row` is the CSV row number (header = 1) or a JSON path such as `$[0].lines[1]`;
    `field` is the CSV column or JSON key (empty for the row as a whole).
    """

    file: str
    row: str
    field: str
    message: str
    order_ref: str = ""


class OrderOutcome(StrEnum):
    CREATED = "created"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ImportOrderResult:
    """What became of one order of the file: created (with its number) or rejected."""

    order_ref: str
    row: str
    outcome: str
    order_id: int | None = None
    order_number: str = ""
    state: str = ""
    problem_count: int = 0

    @property
    def created(self) -> bool:
        return self.outcome == OrderOutcome.CREATED


@dataclass
class ImportReport:
    """Everything an import run found and did, in file order."""

    file: str
    format: ImportFormat
    problems: list[ImportProblem] = field(default_factory=list)
    orders: list[ImportOrderResult] = field(default_factory=list)

    @property
    def created(self) -> list[ImportOrderResult]:
        return [result for result in self.orders if result.created]

    @property
    def rejected(self) -> list[ImportOrderResult]:
        return [result for result in self.orders if not result.created]

    @property
    def all_created(self) -> bool:
        """True when the file had orders and every one of them was created."""
        return bool(self.orders) and not self.problems and not self.rejected

    def summary(self) -> str:
        return (
            f"{self.file}: {len(self.created)} order(s) created, "
            f"{len(self.rejected)} rejected, {len(self.problems)} problem(s)."
        )


REPORT_CSV_COLUMNS = (
    "kind",
    "file",
    "row",
    "order_ref",
    "field",
    "message",
    "order_number",
    "state",
)


def import_report_csv(*, report: ImportReport) -> str:
    """Return the report as CSV text: one row per problem, then one per order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_CSV_COLUMNS)
    for problem in report.problems:
        writer.writerow(
            [
                "problem",
                problem.file,
                problem.row,
                problem.order_ref,
                problem.field,
                problem.message,
                "",
                "",
            ]
        )
    for result in report.orders:
        writer.writerow(
            [
                result.outcome,
                report.file,
                result.row,
                result.order_ref,
                "",
                ""
                if result.created
                else f"{result.problem_count} problem(s); nothing was created.",
                result.order_number,
                result.state,
            ]
        )
    return buffer.getvalue()
