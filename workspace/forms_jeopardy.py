"""Forms of the jeopardy board (its own module, next to workspace.forms): the filters and
the manager's actions on a task at risk."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from jeopardy.selectors import BoardFilters
from orchestration.models import JeopardyLevel
from ordermgmt.models import WorkGroup
from orders.models import OrderPriority

AGE_CHOICES = (
    ("", "Any age"),
    ("1", "Open 1 h or more"),
    ("4", "Open 4 h or more"),
    ("24", "Open a day or more"),
    ("72", "Open 3 days or more"),
)


def _group_choices() -> list[tuple[int, str]]:
    return list(WorkGroup.objects.order_by("name").values_list("pk", "name"))


class JeopardyBoardFilterForm(forms.Form):
    level = forms.TypedChoiceField(
        label="Level",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Any level"),
            *[
                (level, f"{label} or worse")
                for level, label in JeopardyLevel.choices
                if level > 0
            ],
        ],
    )
    group = forms.TypedChoiceField(
        label="Group", required=False, coerce=int, empty_value=None
    )
    age = forms.TypedChoiceField(
        label="Age", required=False, coerce=int, empty_value=None, choices=AGE_CHOICES
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "Any group"), *_group_choices()]

    def filters(self) -> BoardFilters:
        if not self.is_valid():
            return BoardFilters()
        data = self.cleaned_data
        return BoardFilters(
            level=data["level"],
            work_group_id=data["group"],
            older_than_hours=data["age"],
        )


class TaskReassignForm(forms.Form):
    work_group = forms.TypedChoiceField(label="Group", coerce=int)
    assignee = forms.TypedChoiceField(
        label="Person", required=False, coerce=int, empty_value=None
    )
    reason = forms.CharField(label="Why", required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["work_group"].choices = _group_choices()
        members = (
            get_user_model()
            .objects.filter(is_active=True, work_groups__isnull=False)
            .distinct()
            .order_by("username")
        )
        self.fields["assignee"].choices = [
            ("", "Nobody (group queue)"),
            *[(user.pk, user.get_full_name() or user.username) for user in members],
        ]


class TaskPriorityRaiseForm(forms.Form):
    priority = forms.TypedChoiceField(
        label="Priority", coerce=int, choices=OrderPriority.choices
    )
    reason = forms.CharField(label="Why", required=False, max_length=500)


class TaskManagerNoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=2000)
