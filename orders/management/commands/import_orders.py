"""`manage.py import_orders FILE --user AGENT`: import orders from a CSV or JSON file.

Exit code 0 when every order was created, 1 when some were rejected (the good ones are
still created), 2 when the file cannot be read or the command is misused.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from ordermgmt.actor import Actor
from ordermgmt.roles import Role, user_roles
from orders.imports.exceptions import ImportFileUnreadable
from orders.imports.formats import FORMAT_HELP, ImportFormat
from orders.imports.report import ImportReport, import_report_csv
from orders.imports.service import orders_import

EXIT_SOME_REJECTED = 1
EXIT_UNREADABLE = 2
# Who may import: the roles that capture orders.
IMPORT_ROLES = frozenset({Role.ORDER_AGENT, Role.ORDER_MANAGER})
_BAR_WIDTH = 30


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, with the format description kept as written."""


class Command(BaseCommand):
    help = (
        "Import customer orders from a CSV or JSON file.\n"
        "Every row is checked first; each valid order is created in its own\n"
        "transaction, orders with problems are rejected and reported with file,\n"
        "row, field and message.\n"
        "Exit code 0: all created; 1: some rejected; 2: unreadable file or bad usage."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        parser.epilog = "File formats:\n\n" + FORMAT_HELP
        return parser

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", help="the CSV or JSON file to import")
        parser.add_argument(
            "--user",
            required=True,
            help="username of the order agent who captures the orders",
        )
        parser.add_argument(
            "--format",
            choices=[f.value for f in ImportFormat],
            help="the file's format (default: from its extension)",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="keep the orders as drafts instead of submitting them",
        )
        parser.add_argument(
            "--report", metavar="FILE", help="also write the report to FILE as CSV"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["user"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                f"Cannot read {path}: {exc.strerror}.", returncode=EXIT_UNREADABLE
            ) from exc
        try:
            report = orders_import(
                file_name=path.name,
                content=content,
                actor=actor,
                fmt=options["format"],
                submit=not options["draft"],
                progress=self._progress_show,
            )
        except ImportFileUnreadable as exc:
            raise CommandError(exc.message, returncode=EXIT_UNREADABLE) from exc
        self._report_write(report)
        if options["report"]:
            Path(options["report"]).write_text(
                import_report_csv(report=report), encoding="utf-8"
            )
        if not report.all_created:
            raise CommandError(report.summary(), returncode=EXIT_SOME_REJECTED)

    def _actor(self, username: str) -> Actor:
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(
                f"No active user {username!r}.", returncode=EXIT_UNREADABLE
            )
        if not user.is_superuser and not IMPORT_ROLES & user_roles(user):
            raise CommandError(
                f"{username} is not an order agent or order manager; only they "
                "capture orders.",
                returncode=EXIT_UNREADABLE,
            )
        return Actor.for_user(user)

    def _progress_show(self, done: int, total: int) -> None:
        filled = _BAR_WIDTH * done // total if total else _BAR_WIDTH
        bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
        self.stderr.write(
            f"\r[{bar}] {done}/{total} orders",
            style_func=lambda text: text,
            ending="\n" if done == total else "",
        )
        self.stderr.flush()

    def _report_write(self, report: ImportReport) -> None:
        for problem in report.problems:
            place = f"{problem.file}:{problem.row}"
            where = f" [{problem.field}]" if problem.field else ""
            ref = f" (order {problem.order_ref})" if problem.order_ref else ""
            self.stdout.write(f"{place}{where}{ref}: {problem.message}")
        for result in report.orders:
            if result.created:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"created  {result.order_ref}: {result.order_number} "
                        f"({result.state})"
                    )
                )
            else:
                self.stdout.write(
                    self.style.ERROR(
                        f"rejected {result.order_ref}: "
                        f"{result.problem_count} problem(s)"
                    )
                )
        self.stdout.write(report.summary())
