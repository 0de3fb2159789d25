"""Refusals of the decisions app: unpublished keys, bad inputs, bad tables, immutability."""

from __future__ import annotations

from enum import StrEnum

from ordermgmt.exceptions import DomainError, ValidationFailed


class DecisionErrorCode(StrEnum):
    NOT_PUBLISHED = "decision_not_published"
    INPUT_MISSING = "decision_input_missing"
    INPUT_TYPE_MISMATCH = "decision_input_type_mismatch"
    CONDITION_INVALID = "decision_condition_invalid"
    OUTPUT_INVALID = "decision_output_invalid"
    TABLE_INVALID = "decision_table_invalid"
    TABLE_IMMUTABLE = "decision_table_immutable"
    KEY_TAKEN = "decision_key_taken"
    DRAFT_EXISTS = "decision_draft_exists"


class DecisionNotPublished(DomainError):
    """No published version exists for the key a caller evaluates."""

    code = DecisionErrorCode.NOT_PUBLISHED


class DecisionInputMissing(DomainError):
    """An input column has no value in the inputs given to the evaluator."""

    code = DecisionErrorCode.INPUT_MISSING


class DecisionInputTypeMismatch(DomainError):
    """An input value cannot be read as its column's data type."""

    code = DecisionErrorCode.INPUT_TYPE_MISMATCH


class DecisionConditionInvalid(DomainError):
    """A condition cell cannot be parsed for its column's data type."""

    code = DecisionErrorCode.CONDITION_INVALID


class DecisionOutputInvalid(DomainError):
    """An output cell cannot be read as its column's data type."""

    code = DecisionErrorCode.OUTPUT_INVALID


class DecisionTableInvalid(ValidationFailed):
    """A table fails validation; `errors` maps a row or column label to messages."""

    code = DecisionErrorCode.TABLE_INVALID


class DecisionTableImmutable(DomainError):
    """Published and retired versions never change; make a new version instead."""

    code = DecisionErrorCode.TABLE_IMMUTABLE


class DecisionKeyTaken(DomainError):
    """A new table must use a key no other table has; later versions come from copies."""

    code = DecisionErrorCode.KEY_TAKEN


class DecisionDraftExists(DomainError):
    """A key has at most one draft at a time, so edits do not fork."""

    code = DecisionErrorCode.DRAFT_EXISTS
