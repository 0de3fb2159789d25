"""Refusals of an import as a whole (the rows' own problems go into the report)."""

from __future__ import annotations

from enum import StrEnum

from ordermgmt.exceptions import DomainError


class ImportErrorCode(StrEnum):
    FILE_UNREADABLE = "import_file_unreadable"


class ImportFileUnreadable(DomainError):
    """The file cannot be read as the format at all: not text, bad syntax, wrong shape."""

    code = ImportErrorCode.FILE_UNREADABLE
