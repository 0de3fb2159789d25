"""Admin forms: a row form with one cell per column, and the try-it form of sample inputs."""

from __future__ import annotations

from typing import Any

from django import forms

from decisions.conditions import (
    condition_parse,
    output_format,
    output_to_json,
)
from decisions.exceptions import (
    DecisionConditionInvalid,
    DecisionOutputInvalid,
)
from decisions.models import (
    DecisionColumn,
    DecisionColumnDirection,
    DecisionDataType,
    DecisionRow,
    DecisionTable,
)

CONDITION_HELP = {
    DecisionDataType.TEXT: '- (any), gold, "a, b", != gold, in (gold, silver), not in (x)',
    DecisionDataType.INTEGER: "- (any), 5, != 5, in (1, 2), [1..10], [5..], >= 5, < 10",
    DecisionDataType.DECIMAL: "- (any), 9.99, [0..99.99], > 100, in (1.5, 2.5)",
    DecisionDataType.BOOLEAN: "- (any), true, false",
    DecisionDataType.DATE: "- (any), 2026-01-31, [2026-01-01..2026-06-30], < 2027-01-01",
}
OUTPUT_HELP = {
    DecisionDataType.TEXT: "text",
    DecisionDataType.INTEGER: "whole number",
    DecisionDataType.DECIMAL: "number",
    DecisionDataType.BOOLEAN: "true or false",
    DecisionDataType.DATE: "YYYY-MM-DD",
}


def cell_field_name(column: DecisionColumn) -> str:
    prefix = "in" if column.direction == DecisionColumnDirection.INPUT else "out"
    return f"{prefix}__{column.code}"


class DecisionTableForm(forms.ModelForm):
    class Meta:
        model = DecisionTable
        fields = ["key", "name", "purpose", "hit_policy", "description"]

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if self.instance.pk is None and DecisionTable.objects.filter(key=key).exists():
            raise forms.ValidationError(
                "A table with this key exists; use the 'New version' action on it."
            )
        return key


class DecisionRowForm(forms.ModelForm):
    """Edits one row as one text cell per column; `columns` is set per table."""

    columns: list[DecisionColumn] = []

    class Meta:
        model = DecisionRow
        fields = ["position", "priority", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["position"].required = False
        self.fields["position"].help_text = "Empty: after the last row."
        if self.instance.pk is None:
            self.initial["position"] = None
        for column in self.columns:
            name = cell_field_name(column)
            if self.instance.pk is None:
                continue
            if column.direction == DecisionColumnDirection.INPUT:
                self.initial[name] = self.instance.conditions.get(column.code, "-")
            elif column.code in self.instance.outputs:
                self.initial[name] = _output_text(self.instance, column)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for column in self.columns:
            name = cell_field_name(column)
            text = (cleaned.get(name) or "").strip()
            try:
                if column.direction == DecisionColumnDirection.INPUT:
                    condition_parse(text, column.data_type, column=column.code)
                elif text:
                    output_to_json(text, column.data_type, column=column.code)
            except (DecisionConditionInvalid, DecisionOutputInvalid) as exc:
                self.add_error(name, exc.message)
        return cleaned

    def cells(self) -> tuple[dict[str, str], dict[str, str]]:
        """Return (conditions, outputs) as typed; empty outputs are left out."""
        conditions: dict[str, str] = {}
        outputs: dict[str, str] = {}
        for column in self.columns:
            text = (self.cleaned_data.get(cell_field_name(column)) or "").strip()
            if column.direction == DecisionColumnDirection.INPUT:
                conditions[column.code] = text
            elif text:
                outputs[column.code] = text
        return conditions, outputs


def _output_text(row: DecisionRow, column: DecisionColumn) -> str:
    try:
        return output_format(row.outputs[column.code], column.data_type)
    except DecisionOutputInvalid:
        return str(row.outputs[column.code])


def decision_row_form_class(columns: list[DecisionColumn]) -> type[DecisionRowForm]:
    """Build the row form of one table: an input cell per input column, then outputs."""
    fields: dict[str, Any] = {"columns": columns}
    for column in columns:
        label = column.label or column.code
        if column.direction == DecisionColumnDirection.INPUT:
            fields[cell_field_name(column)] = forms.CharField(
                required=False,
                label=f"If {label}",
                help_text=f"{column.data_type}: {CONDITION_HELP[column.data_type]}",
                widget=forms.TextInput(attrs={"size": 14}),
            )
        else:
            fields[cell_field_name(column)] = forms.CharField(
                required=False,
                label=f"Then {label}",
                help_text=OUTPUT_HELP[column.data_type],
                widget=forms.TextInput(attrs={"size": 14}),
            )
    return type("DecisionRowCellsForm", (DecisionRowForm,), fields)


class DecisionTryForm(forms.Form):
    """One text field per input column; an empty field means "no value" (None)."""

    def __init__(self, columns: list[DecisionColumn], *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for column in columns:
            label = column.label or column.code
            if column.data_type == DecisionDataType.BOOLEAN:
                field: forms.Field = forms.ChoiceField(
                    required=False,
                    label=label,
                    choices=[("", "(no value)"), ("true", "true"), ("false", "false")],
                )
            else:
                field = forms.CharField(
                    required=False,
                    label=label,
                    help_text=f"{column.code} · {column.data_type}; empty means no value",
                    widget=forms.TextInput(
                        attrs={"placeholder": "YYYY-MM-DD"}
                        if column.data_type == DecisionDataType.DATE
                        else {}
                    ),
                )
            self.fields[column.code] = field

    def inputs(self) -> dict[str, str | None]:
        """Return the sample inputs keyed by column code, None for empty fields."""
        return {
            column.code: (self.cleaned_data.get(column.code) or "").strip() or None
            for column in self.columns
        }
