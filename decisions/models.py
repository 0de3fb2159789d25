"""Decision tables: versioned tables of typed input conditions and output values."""

from __future__ import annotations

from datetime import datetime

from django.core.validators import RegexValidator
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ordermgmt.models import TimeStampedModel

column_code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*\Z",
    "Use lower-case letters, digits and underscores, starting with a letter.",
)


class DecisionTablePurpose(models.TextChoices):
    ENRICHMENT = "enrichment", "Enrichment"
    APPROVAL = "approval", "Approval"
    DECOMPOSITION = "decomposition", "Decomposition"
    PLAN_SELECTION = "plan_selection", "Plan selection"
    TASK_ASSIGNMENT = "task_assignment", "Task assignment"
    PRIORITY = "priority", "Priority"
    JEOPARDY = "jeopardy", "Jeopardy"
    FALLOUT_ROUTING = "fallout_routing", "Fallout routing"
    PRICE_LIST = "price_list", "Price list"
    PRICING_MATRIX = "pricing_matrix", "Pricing matrix"
    PRICE_ADJUSTMENT = "price_adjustment", "Price adjustment"
    ATTRIBUTE_TRANSFORM = "attribute_transform", "Attribute transform"
    OTHER = "other", "Other"


class DecisionHitPolicy(models.TextChoices):
    FIRST = "first", "First: the first matching row, in row order"
    PRIORITY = "priority", "Priority: the matching row with the highest priority"
    COLLECT = "collect", "Collect: every matching row, in row order"


class DecisionTableState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class DecisionColumnDirection(models.TextChoices):
    INPUT = "input", "Input"
    OUTPUT = "output", "Output"


class DecisionDataType(models.TextChoices):
    TEXT = "text", "Text"
    INTEGER = "integer", "Integer"
    DECIMAL = "decimal", "Decimal"
    BOOLEAN = "boolean", "Boolean"
    DATE = "date", "Date"


class DecisionAuditAction(models.TextChoices):
    TABLE_CREATED = "decision_table.created", "Table created"
    TABLE_CHANGED = "decision_table.changed", "Table changed"
    TABLE_DELETED = "decision_table.deleted", "Draft deleted"
    COLUMN_ADDED = "decision_table.column_added", "Column added"
    COLUMN_CHANGED = "decision_table.column_changed", "Column changed"
    COLUMN_REMOVED = "decision_table.column_removed", "Column removed"
    ROW_ADDED = "decision_table.row_added", "Row added"
    ROW_CHANGED = "decision_table.row_changed", "Row changed"
    ROW_REMOVED = "decision_table.row_removed", "Row removed"
    TABLE_PUBLISHED = "decision_table.published", "Published"
    TABLE_RETIRED = "decision_table.retired", "Retired"
    VERSION_CREATED = "decision_table.version_created", "New version created"


class DecisionTable(ConcurrentTransitionMixin, TimeStampedModel):
    """One version of a decision table; only the published version of a key is used."""

    key = models.SlugField(
        max_length=100,
        help_text="Stable name other apps evaluate by, e.g. approval_policy.",
    )
    name = models.CharField(max_length=200)
    purpose = models.CharField(
        max_length=32,
        choices=DecisionTablePurpose.choices,
        default=DecisionTablePurpose.OTHER,
    )
    description = models.TextField(blank=True, default="")
    hit_policy = models.CharField(
        max_length=16,
        choices=DecisionHitPolicy.choices,
        default=DecisionHitPolicy.FIRST,
    )
    version = models.PositiveIntegerField(default=1)
    state = FSMField(
        choices=DecisionTableState.choices,
        default=DecisionTableState.DRAFT,
        protected=True,
    )
    published_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], name="decisions_table_key_version_uniq"
            ),
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(state=DecisionTableState.PUBLISHED),
                name="decisions_table_one_published_per_key",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1),
                name="decisions_table_version_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(state=DecisionTableState.DRAFT)
                | models.Q(published_at__isnull=False),
                name="decisions_table_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version} ({self.get_state_display().lower()})"

    @property
    def is_draft(self) -> bool:
        return self.state == DecisionTableState.DRAFT

    @transition(
        field=state,
        source=DecisionTableState.DRAFT,
        target=DecisionTableState.PUBLISHED,
    )
    def publish(self, *, at: datetime) -> None:
        self.published_at = at

    @transition(
        field=state,
        source=DecisionTableState.PUBLISHED,
        target=DecisionTableState.RETIRED,
    )
    def retire(self, *, at: datetime) -> None:
        self.retired_at = at


class DecisionColumn(TimeStampedModel):
    """A typed input (a condition per row) or output (a value per row) of a table."""

    table = models.ForeignKey(
        DecisionTable, on_delete=models.CASCADE, related_name="columns"
    )
    direction = models.CharField(max_length=8, choices=DecisionColumnDirection.choices)
    code = models.CharField(
        max_length=64,
        validators=[column_code_validator],
        help_text="The input or output name callers use, e.g. customer_segment.",
    )
    label = models.CharField(max_length=200, blank=True, default="")
    data_type = models.CharField(
        max_length=16,
        choices=DecisionDataType.choices,
        default=DecisionDataType.TEXT,
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["table", "direction", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "direction", "code"],
                name="decisions_column_code_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.code} ({self.data_type})"


class DecisionRow(TimeStampedModel):
    """One rule: conditions per input column code and a value per output column code."""

    table = models.ForeignKey(
        DecisionTable, on_delete=models.CASCADE, related_name="rows"
    )
    position = models.PositiveIntegerField(default=0)
    priority = models.IntegerField(
        default=0,
        help_text="Priority hit policy: the matching row with the highest number wins.",
    )
    conditions = models.JSONField(
        default=dict,
        blank=True,
        help_text="Input column code → condition text; a missing code means any.",
    )
    outputs = models.JSONField(
        default=dict, blank=True, help_text="Output column code → value."
    )
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["table", "position", "id"]
        indexes = [
            models.Index(fields=["table", "position"], name="decisions_row_order_idx"),
        ]

    def __str__(self) -> str:
        return f"Row {self.position}"
