"""Every write to decision tables: drafting, editing cells, publishing, retiring, versioning.

Lifecycle of a version: draft → published → retired. Only drafts change; publishing
validates the whole table (`decisions.rules.table_problems`) and retires the previously
published version of the same key in the same transaction, so a key always has at most
one published version. A new version is a draft copy numbered after the highest one.
Column and row services lock the table row first (parent before child) and bump its
updated_at.
"""

from decisions.services.cells import (
    decision_column_add,
    decision_column_change,
    decision_column_remove,
    decision_row_add,
    decision_row_change,
    decision_row_remove,
)
from decisions.services.versions import (
    decision_table_change,
    decision_table_create,
    decision_table_delete,
    decision_table_new_version,
    decision_table_publish,
    decision_table_retire,
)

__all__ = [
    "decision_column_add",
    "decision_column_change",
    "decision_column_remove",
    "decision_row_add",
    "decision_row_change",
    "decision_row_remove",
    "decision_table_change",
    "decision_table_create",
    "decision_table_delete",
    "decision_table_new_version",
    "decision_table_publish",
    "decision_table_retire",
]
