"""Orchestration plans (plan and task templates with their dependencies) and the order
tasks made from them, with the task state machine of DESIGN.md section 3."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from orchestration.adapters import AdapterCode
from ordermgmt.models import TimeStampedModel

code_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_\-]*\Z",
    "Start with a letter; use letters, digits, '_' or '-' only.",
)


class TaskType(models.TextChoices):
    MANUAL = "manual", "Manual"
    AUTOMATED = "automated", "Automated"


class PlanDefaultKind(models.TextChoices):
    """The domain order kinds (decomposition.DomainOrderKind) a plan can be default for."""

    PRODUCT = "product", "Product orders"
    SERVICE = "service", "Service orders"
    RESOURCE = "resource", "Resource orders"


class PlanTemplate(TimeStampedModel):
    """A list of task templates with dependencies that fulfils one domain order."""

    code = models.CharField(max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    is_active = models.BooleanField(default=True)
    default_for_kind = models.CharField(
        max_length=16,
        choices=PlanDefaultKind.choices,
        blank=True,
        default="",
        help_text="Used for domain orders of this kind when plan_selection finds no plan.",
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["default_for_kind"],
                condition=~Q(default_for_kind="") & Q(is_active=True),
                name="orchestration_plan_one_default_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class TaskTemplate(TimeStampedModel):
    """One step of a plan: manual (a group's queue) or automated (an adapter)."""

    plan = models.ForeignKey(
        PlanTemplate, on_delete=models.CASCADE, related_name="task_templates"
    )
    code = models.CharField(max_length=64, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    task_type = models.CharField(
        max_length=16, choices=TaskType.choices, default=TaskType.AUTOMATED
    )
    adapter = models.CharField(
        max_length=32,
        choices=AdapterCode.choices,
        blank=True,
        default="",
        help_text="Automated tasks only.",
    )
    work_group = models.ForeignKey(
        "ordermgmt.WorkGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="task_templates",
        help_text="The queue of a manual task; who is alerted for an automated one.",
    )
    sla_minutes = models.PositiveIntegerField(default=60)
    is_ponr = models.BooleanField(
        default=False,
        verbose_name="point of no return",
        help_text="Completing this task takes its line past the point of no return.",
    )
    compensation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="compensates",
        help_text="The task that undoes this one during an in-flight change.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"], name="orchestration_task_template_code_uniq"
            ),
            models.CheckConstraint(
                condition=Q(task_type__in=TaskType.values),
                name="orchestration_task_template_type_valid",
            ),
            models.CheckConstraint(
                condition=(Q(task_type=TaskType.AUTOMATED) & ~Q(adapter=""))
                | (Q(task_type=TaskType.MANUAL) & Q(adapter="")),
                name="orchestration_task_template_adapter_iff_automated",
            ),
            models.CheckConstraint(
                condition=~Q(compensation=F("pk")),
                name="orchestration_task_template_not_own_compensation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.get_task_type_display().lower()})"


class TaskTemplateDependency(TimeStampedModel):
    """`task` starts only after `depends_on` is done; both belong to the same plan."""

    task = models.ForeignKey(
        TaskTemplate, on_delete=models.CASCADE, related_name="dependencies"
    )
    depends_on = models.ForeignKey(
        TaskTemplate, on_delete=models.CASCADE, related_name="dependents"
    )

    class Meta:
        ordering = ["task_id", "depends_on_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "depends_on"],
                name="orchestration_task_template_dep_uniq",
            ),
            models.CheckConstraint(
                condition=~Q(task=F("depends_on")),
                name="orchestration_task_template_dep_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} after {self.depends_on_id}"


class JeopardyLevel(models.IntegerChoices):
    """How far a task is at risk of missing its SLA or its order's committed date; the
    highest level of its open tasks is its domain order's and its order's."""

    NONE = 0, "None"
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class OrderTaskState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED_COMPLETE = "closed_complete", "Closed complete"
    ON_HOLD = "on_hold", "On hold"
    AWAITING_INFORMATION = "awaiting_information", "Awaiting information"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    CANCELED = "canceled", "Canceled"


# States in which a task no longer holds up the tasks that depend on it.
TASK_DONE_STATES: tuple[str, ...] = (
    OrderTaskState.CLOSED_COMPLETE,
    OrderTaskState.SKIPPED,
)

_T = OrderTaskState


class OrderTask(ConcurrentTransitionMixin, TimeStampedModel):
    """One unit of fulfillment work on a domain order, made from a task template.

    Draft until its dependencies are done; Open is set in bulk by `tasks_open_ready`.
    `order` and `line` repeat the domain order's, so queues and roll-ups need no join.
    """

    # The foreign keys below lean on the composite indexes in Meta (each starts with
    # the key), so a task write maintains four indexes fewer.
    domain_order = models.ForeignKey(
        "decomposition.DomainOrder",
        on_delete=models.CASCADE,
        related_name="tasks",
        db_index=False,
    )
    order = models.ForeignKey(
        "orders.CustomerOrder",
        on_delete=models.CASCADE,
        related_name="order_tasks",
        db_index=False,
    )
    line = models.ForeignKey(
        "orders.CustomerOrderLine",
        on_delete=models.CASCADE,
        related_name="order_tasks",
        db_index=False,
    )
    template = models.ForeignKey(
        TaskTemplate, on_delete=models.PROTECT, related_name="order_tasks"
    )
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    task_type = models.CharField(max_length=16, choices=TaskType.choices)
    adapter = models.CharField(max_length=32, blank=True, default="")
    work_group = models.ForeignKey(
        "ordermgmt.WorkGroup",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_tasks",
        db_index=False,
    )
    state = FSMField(
        max_length=32, choices=OrderTaskState.choices, default=_T.DRAFT, protected=True
    )
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    sla_minutes = models.PositiveIntegerField(default=0)
    is_ponr = models.BooleanField(default=False)
    # As in TMF622 and CustomerOrder.priority, a lower number is more urgent.
    priority = models.PositiveSmallIntegerField(default=2)
    attempts = models.PositiveIntegerField(default=0)
    # When the engine should look at an automated task again (poll, retry, lease end).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(max_length=64, blank=True, default="")
    last_error = models.TextField(blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_tasks",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Adapter job reference under "adapter_ref", results and agent data by key.
    data = models.JSONField(default=dict, blank=True)
    # Set by the jeopardy scan (the jeopardy app owns both values). `jeopardy_check_at`
    # is the next moment the scan must look at the task: the engine sets it when the task
    # opens, the scan moves it to the next threshold, so a scan reads only tasks due a look.
    jeopardy_level = models.PositiveSmallIntegerField(
        choices=JeopardyLevel.choices, default=JeopardyLevel.NONE
    )
    jeopardy_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order_id", "planned_start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain_order", "template"],
                name="orchestration_task_once_per_domain_order",
            ),
            models.CheckConstraint(
                condition=Q(state__in=OrderTaskState.values),
                name="orchestration_task_state_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["work_group", "state", "due_at"], name="orch_task_queue_idx"
            ),
            models.Index(fields=["state", "next_attempt_at"], name="orch_task_due_idx"),
            models.Index(fields=["order", "state"], name="orch_task_order_idx"),
            models.Index(fields=["line", "state"], name="orch_task_line_idx"),
            models.Index(
                fields=["jeopardy_check_at"],
                condition=Q(jeopardy_check_at__isnull=False),
                name="orch_task_jeopardy_due_idx",
            ),
            models.Index(
                fields=["order", "jeopardy_level"],
                condition=Q(jeopardy_level__gt=0),
                name="orch_task_at_risk_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} #{self.pk}"

    @property
    def is_automated(self) -> bool:
        return self.task_type == TaskType.AUTOMATED

    @transition(field=state, source=_T.OPEN, target=_T.IN_PROGRESS)
    def start(self, *, at: datetime) -> None:
        self.started_at = at

    @transition(field=state, source=_T.OPEN, target=_T.IN_PROGRESS)
    def claim(self, *, user_id: int, at: datetime) -> None:
        self.assignee_id = user_id
        self.claimed_at = at
        self.started_at = at

    @transition(
        field=state, source=[_T.OPEN, _T.IN_PROGRESS], target=_T.CLOSED_COMPLETE
    )
    def complete(self, *, data: dict[str, Any], at: datetime) -> None:
        self.data = {**(self.data or {}), **data}
        self.completed_at = at
        self.next_attempt_at = None

    @transition(field=state, source=_T.IN_PROGRESS, target=_T.FAILED)
    def fail(self, *, error_code: str, error: str, at: datetime) -> None:
        self.last_error_code = error_code
        self.last_error = error
        self.next_attempt_at = None
        self.data = {**(self.data or {}), "failed_at": at.isoformat()}

    # --- fallout intervention (orchestration.services.intervention) ---

    @transition(
        field=state, source=[_T.OPEN, _T.IN_PROGRESS, _T.FAILED], target=_T.ON_HOLD
    )
    def hold(self, *, at: datetime) -> None:
        # A run in flight finds the task no longer In progress and drops its result.
        self.next_attempt_at = None
        self.data = {
            key: value
            for key, value in (self.data or {}).items()
            if key not in ("run_token", "adapter_ref")
        } | {"held_at": at.isoformat()}

    @transition(field=state, source=_T.ON_HOLD, target=_T.OPEN)
    def resume_for_retry(self, *, at: datetime) -> None:
        self.attempts = 0
        self.next_attempt_at = None
        self.opened_at = at
        self.started_at = None
        self.assignee_id = None
        self.claimed_at = None
        self.jeopardy_check_at = at
        self.data = {
            key: value
            for key, value in (self.data or {}).items()
            if key not in ("failed_at", "held_at")
        }

    @transition(field=state, source=_T.ON_HOLD, target=_T.SKIPPED)
    def skip(self, *, reason: str, at: datetime) -> None:
        self.completed_at = at
        self.data = {**(self.data or {}), "skipped_because": reason}

    @transition(field=state, source=_T.ON_HOLD, target=_T.CLOSED_COMPLETE)
    def complete_by_hand(
        self, *, reason: str, data: dict[str, Any], at: datetime
    ) -> None:
        self.completed_at = at
        self.data = {**(self.data or {}), **data, "completed_by_hand": reason}

    @transition(
        field=state,
        source=[
            _T.DRAFT,
            _T.OPEN,
            _T.SCHEDULED,
            _T.IN_PROGRESS,
            _T.ON_HOLD,
            _T.AWAITING_INFORMATION,
            _T.FAILED,
        ],
        target=_T.CANCELED,
    )
    def cancel(self, *, reason: str, at: datetime) -> None:
        self.next_attempt_at = None
        self.data = {
            key: value for key, value in (self.data or {}).items() if key != "run_token"
        } | {"canceled_at": at.isoformat(), "canceled_because": reason}


class OrderTaskDependencyKind(models.TextChoices):
    PLAN = "plan", "Within the plan"
    CHILD = "child", "Child domain order first"
    REQUIRES = "requires", "Required product first"


class OrderTaskDependency(TimeStampedModel):
    """`task` opens only after `depends_on` is closed complete or skipped."""

    task = models.ForeignKey(
        OrderTask, on_delete=models.CASCADE, related_name="dependencies"
    )
    depends_on = models.ForeignKey(
        OrderTask, on_delete=models.CASCADE, related_name="dependents"
    )
    kind = models.CharField(
        max_length=16,
        choices=OrderTaskDependencyKind.choices,
        default=OrderTaskDependencyKind.PLAN,
    )

    class Meta:
        ordering = ["task_id", "depends_on_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "depends_on"], name="orchestration_task_dep_uniq"
            ),
            models.CheckConstraint(
                condition=~Q(task=F("depends_on")),
                name="orchestration_task_dep_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} after {self.depends_on_id}"


class OrderTaskNote(TimeStampedModel):
    """A note an agent adds to a task while working it."""

    task = models.ForeignKey(OrderTask, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_task_notes",
    )
    author_label = models.CharField(max_length=150)
    text = models.TextField()

    class Meta:
        ordering = ["task_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"Note {self.pk} on task {self.task_id}"


class FulfillmentRequest(models.Model):
    """An acknowledged order waiting for the worker to begin its fulfillment.

    Written when the approval commits (an outbox row), so no acknowledged order is
    forgotten whatever happens to the queued job (the periodic sweep writes the rows of
    acknowledged orders that have none); the fulfillment pump claims due
    requests in batches (FOR UPDATE SKIP LOCKED), begins their orders together and
    deletes them. An order whose beginning is refused (a plan gap a person must fix)
    keeps its request with the error and is tried again after `retry_at`.
    """

    order = models.OneToOneField(
        "orders.CustomerOrder", on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField()
    retry_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["retry_at", "id"], name="orch_fulfil_req_due"),
        ]

    def __str__(self) -> str:
        return f"Fulfillment request of order {self.order_id}"


class FulfillmentPump(models.Model):
    """One row: how many fulfillment pump jobs are queued and not started yet.

    Capture wakes the pump only while fewer than the cluster's workers are queued, so a
    burst of acknowledgements makes a few jobs that drain the requests in batches
    instead of one job per order (docs/adr/0018)."""

    jobs_queued = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Fulfillment pump ({self.jobs_queued} queued)"
