"""Forms of the fallout workspace: queue filters, the resolution actions' reasons, the
correction of characteristic values, bulk retry and reassignment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from django import forms

from catalog.models import CharacteristicValueType
from catalog.rules import CharacteristicDefinition
from fallout.models import FalloutState, FalloutType
from fallout.selectors import FalloutQueueFilters
from ordermgmt.models import WorkGroup
from orders.models import OrderPriority
from workspace.forms import CharacteristicForm

SCOPES = (("groups", "My groups' queue"), ("mine", "My fallouts"))
MANAGER_SCOPES = (*SCOPES, ("all", "Every group"))


class FalloutQueueFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label="Queue", required=False, choices=SCOPES, initial="groups"
    )
    fallout_type = forms.ModelChoiceField(
        label="Type",
        required=False,
        queryset=FalloutType.objects.filter(is_active=True),
        empty_label="Any type",
    )
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any open state"), *FalloutState.choices],
    )
    priority = forms.TypedChoiceField(
        label="Priority",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any priority"), *OrderPriority.choices],
    )
    q = forms.CharField(
        label="FO or order number", required=False, max_length=40, strip=True
    )

    def __init__(self, *args: Any, manager: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if manager:
            self.fields["scope"].choices = MANAGER_SCOPES

    def filters(self, *, default_scope: str) -> FalloutQueueFilters:
        """Return the filters entered (the default queue when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return FalloutQueueFilters(scope=default_scope)
        data = self.cleaned_data
        return FalloutQueueFilters(
            scope=data["scope"] or default_scope,
            type_id=data["fallout_type"].pk if data["fallout_type"] else None,
            state=data["state"],
            priority=data["priority"],
            search=data["q"],
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteByHandForm(ReasonForm):
    result = forms.CharField(
        label="Result reference (optional)",
        required=False,
        max_length=200,
        help_text="E.g. the reference the other system gave when done by hand.",
    )

    def data_given(self) -> dict[str, str]:
        result = self.cleaned_data.get("result", "").strip()
        return {"result_reference": result} if result else {}


class BulkRetryForm(forms.Form):
    fallout_type = forms.ModelChoiceField(
        label="Type", queryset=FalloutType.objects.filter(is_active=True)
    )
    reason = forms.CharField(label="Why now", max_length=500)


class ReassignForm(forms.Form):
    work_group = forms.ModelChoiceField(
        label="Group", queryset=WorkGroup.objects.all(), required=False
    )
    assignee = forms.TypedChoiceField(
        label="Person", required=False, coerce=int, empty_value=None
    )

    def __init__(
        self, *args: Any, people: Sequence[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody (group queue)"), *people]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("work_group") and data.get("assignee") is None:
            raise forms.ValidationError("Choose a group or a person.")
        return data


def correction_definitions(
    *,
    definitions: Sequence[CharacteristicDefinition],
    values: Mapping[str, Any],
) -> list[CharacteristicDefinition]:
    """The specification's characteristics, plus a text field for each value the domain
    order holds that the specification does not define; none is required here."""
    known = {definition.code for definition in definitions}
    optional = [replace(definition, is_mandatory=False) for definition in definitions]
    extra = [
        CharacteristicDefinition(
            code=code,
            name=code.replace("_", " ").capitalize(),
            value_type=CharacteristicValueType.TEXT,
            is_mandatory=False,
        )
        for code, value in values.items()
        if code not in known and not isinstance(value, (dict, list))
    ]
    return [*optional, *extra]


class CorrectionForm(CharacteristicForm):
    """The domain order's characteristic values, to correct before a retry."""

    reason = forms.CharField(label="What was wrong", required=False, max_length=2000)
