"""Workspace forms: the line form generated from a specification's characteristics, the
small forms of the order pages (customer pick, discount, reject, search), and the order
task forms of the fulfillment queue (filters, note, problem, completion data).

A generated field is named `ch__<code>` (object children and address parts append
`__<code>`); the catalog rules (`catalog.rules.characteristic_errors`) decide what is
valid, so the form fields themselves accept any text and never disagree with the rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms

from catalog.models import CharacteristicValueType
from catalog.rules import (
    CharacteristicDefinition,
    characteristic_errors,
    characteristic_values_with_defaults,
)
from orders.models import CustomerOrderState, OrderChannel, OrderPriority
from workspace.selectors import (
    PROBLEM_NOTE_PREFIX,
    AssignedFilter,
    DueFilter,
    JeopardyFilter,
    TaskQueueFilters,
)

T = CharacteristicValueType
FIELD_PREFIX = "ch"
SEPARATOR = "__"
NON_FIELD = "__all__"
# The four address parts the catalog rules require.
ADDRESS_PARTS: tuple[tuple[str, str], ...] = (
    ("line1", "Street and number"),
    ("city", "City"),
    ("postcode", "Postcode"),
    ("country", "Country"),
)
_TRUE_TEXTS = frozenset({"on", "true", "1", "yes"})


def field_name(path: Sequence[str]) -> str:
    """Return the form field name of a characteristic path (`ch__address__city`)."""
    return SEPARATOR.join((FIELD_PREFIX, *path))


@dataclass
class CharacteristicNode:
    """One characteristic in the generated form: a field, an address or an object group."""

    definition: CharacteristicDefinition
    name: str
    kind: str  # "field", "address" or "object"
    error_map: dict[str, list[str]]
    bound_field: forms.BoundField | None = None
    children: list[CharacteristicNode] = field(default_factory=list)

    @property
    def error_id(self) -> str:
        return f"err-{self.name}"

    @property
    def errors(self) -> list[str]:
        return self.error_map.get(self.name, [])


def _unit_label(value: Any, unit: str) -> str:
    return f"{value} {unit}" if unit else str(value)


def _number_attrs(definition: CharacteristicDefinition, *, step: str) -> dict[str, str]:
    attrs = {"step": step, "inputmode": "numeric" if step == "1" else "decimal"}
    if definition.min_value is not None:
        attrs["min"] = format(definition.min_value.normalize(), "f")
    if definition.max_value is not None:
        attrs["max"] = format(definition.max_value.normalize(), "f")
    return attrs


def _scalar_field(definition: CharacteristicDefinition) -> forms.Field:
    label = definition.name or definition.code
    if definition.unit and definition.value_type in (T.INTEGER, T.DECIMAL, T.TEXT):
        label = f"{label} ({definition.unit})"
    common: dict[str, Any] = {"label": label, "required": False}
    if definition.value_type == T.BOOLEAN:
        return forms.BooleanField(**common)
    if definition.value_type == T.CHOICE or definition.allowed_values:
        choices = [("", "— choose —")] + [
            (str(value), _unit_label(value, definition.unit))
            for value in definition.allowed_values
        ]
        return forms.ChoiceField(choices=choices, **common)
    if definition.value_type == T.INTEGER:
        return forms.CharField(
            widget=forms.NumberInput(attrs=_number_attrs(definition, step="1")),
            **common,
        )
    if definition.value_type == T.DECIMAL:
        return forms.CharField(
            widget=forms.NumberInput(attrs=_number_attrs(definition, step="any")),
            **common,
        )
    if definition.value_type == T.DATE:
        return forms.CharField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **common,
        )
    return forms.CharField(**common)


def _initial_text(definition: CharacteristicDefinition, value: Any) -> Any:
    if value is None:
        return None
    if definition.value_type == T.BOOLEAN:
        return value is True or str(value).strip().lower() in _TRUE_TEXTS
    return str(value)


def _typed_choice(definition: CharacteristicDefinition, text: str) -> Any:
    # The form sends text; store the catalog's own value (300, not "300").
    for allowed in definition.allowed_values:
        if str(allowed) == text:
            return allowed
    return text


def _typed_integer(text: str) -> Any:
    stripped = text.lstrip("+-")
    return int(text) if stripped.isdigit() else text


class CharacteristicForm(forms.Form):
    """One field per characteristic given (a specification's, or an enrichment task's)."""

    extra_error_targets: tuple[str, ...] = ()

    def __init__(
        self,
        *args: Any,
        characteristics: Sequence[CharacteristicDefinition],
        values: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Filled in place by the checks, so the nodes built below see the errors.
        self.characteristic_error_map: dict[str, list[str]] = {}
        self.characteristics = list(characteristics)
        prefilled = characteristic_values_with_defaults(
            characteristics=self.characteristics, values=values or {}
        )
        self.nodes = self._nodes_for(self.characteristics, path=(), values=prefilled)

    # --- building -------------------------------------------------------------------

    def _nodes_for(
        self,
        definitions: Sequence[CharacteristicDefinition],
        *,
        path: tuple[str, ...],
        values: Mapping[str, Any],
    ) -> list[CharacteristicNode]:
        nodes = []
        for definition in definitions:
            node_path = (*path, definition.code)
            name = field_name(node_path)
            value = values.get(definition.code)
            if definition.value_type == T.OBJECT:
                nodes.append(
                    CharacteristicNode(
                        definition=definition,
                        name=name,
                        kind="object",
                        error_map=self.characteristic_error_map,
                        children=self._nodes_for(
                            definition.children,
                            path=node_path,
                            values=value if isinstance(value, Mapping) else {},
                        ),
                    )
                )
            elif definition.value_type == T.ADDRESS:
                nodes.append(self._address_node(definition, name=name, value=value))
            else:
                self.fields[name] = _scalar_field(definition)
                self.initial[name] = _initial_text(definition, value)
                nodes.append(
                    CharacteristicNode(
                        definition=definition,
                        name=name,
                        kind="field",
                        error_map=self.characteristic_error_map,
                        bound_field=self[name],
                    )
                )
        return nodes

    def _address_node(
        self, definition: CharacteristicDefinition, *, name: str, value: Any
    ) -> CharacteristicNode:
        given = value if isinstance(value, Mapping) else {}
        children = []
        for part, label in ADDRESS_PARTS:
            part_name = f"{name}{SEPARATOR}{part}"
            self.fields[part_name] = forms.CharField(label=label, required=False)
            self.initial[part_name] = given.get(part)
            children.append(
                CharacteristicNode(
                    definition=definition,
                    name=part_name,
                    kind="field",
                    error_map=self.characteristic_error_map,
                    bound_field=self[part_name],
                )
            )
        return CharacteristicNode(
            definition=definition,
            name=name,
            kind="address",
            error_map=self.characteristic_error_map,
            children=children,
        )

    # --- reading --------------------------------------------------------------------

    def characteristic_values(self) -> dict[str, Any]:
        """Return the entered values as the nested {code: value} the services take."""
        return self._values_for(self.characteristics, path=())

    def _values_for(
        self, definitions: Sequence[CharacteristicDefinition], *, path: tuple[str, ...]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for definition in definitions:
            node_path = (*path, definition.code)
            name = field_name(node_path)
            if definition.value_type == T.OBJECT:
                nested = self._values_for(definition.children, path=node_path)
                if nested:
                    values[definition.code] = nested
                continue
            if definition.value_type == T.ADDRESS:
                parts = {
                    part: self._text(f"{name}{SEPARATOR}{part}")
                    for part, _ in ADDRESS_PARTS
                }
                if any(parts.values()):
                    values[definition.code] = parts
                continue
            if definition.value_type == T.BOOLEAN:
                values[definition.code] = self._text(name).lower() in _TRUE_TEXTS
                continue
            text = self._text(name)
            if not text:
                continue
            if definition.value_type == T.CHOICE or definition.allowed_values:
                values[definition.code] = _typed_choice(definition, text)
            elif definition.value_type == T.INTEGER:
                values[definition.code] = _typed_integer(text)
            else:
                values[definition.code] = text
        return values

    def _text(self, name: str) -> str:
        raw = self.data.get(self.add_prefix(name), "")
        return raw.strip() if isinstance(raw, str) else ""

    # --- checking -------------------------------------------------------------------

    def check_characteristics(self) -> dict[str, list[str]]:
        """Check the values with the catalog rules; remember and return errors by field."""
        errors = characteristic_errors(
            characteristics=self.characteristics,
            values=self.characteristic_values(),
        )
        self.characteristic_error_map.clear()
        for path, messages in errors.items():
            self.characteristic_error_map[_error_target(path)] = list(messages)
        return self.characteristic_error_map

    def add_service_errors(self, errors: Mapping[str, Sequence[str]]) -> None:
        """Show the errors a line service raised next to the fields they concern."""
        for key, messages in errors.items():
            if key.startswith("characteristics."):
                target = _error_target(key.removeprefix("characteristics."))
            elif key == "quantity":
                target = "quantity"
            else:
                target = NON_FIELD
            self.characteristic_error_map.setdefault(target, []).extend(messages)

    @property
    def general_errors(self) -> list[str]:
        return self.characteristic_error_map.get(NON_FIELD, [])

    def error_slots(self) -> list[tuple[str, list[str]]]:
        """Every error place with its messages (empty ones clear what was shown)."""
        return [
            (target, self.characteristic_error_map.get(target, []))
            for target in self.error_targets()
        ]

    def error_targets(self) -> list[str]:
        """Every place an error can show: quantity, the general place, each node."""
        targets = [*self.extra_error_targets, NON_FIELD]

        def walk(nodes: Sequence[CharacteristicNode]) -> None:
            for node in nodes:
                targets.append(node.name)
                if node.kind == "object":
                    walk(node.children)

        walk(self.nodes)
        return targets


class LineForm(CharacteristicForm):
    """Quantity plus one field per characteristic of the offering's specification."""

    extra_error_targets = ("quantity",)

    quantity = forms.IntegerField(
        min_value=1,
        initial=1,
        widget=forms.NumberInput(attrs={"min": "1", "step": "1"}),
    )

    def quantity_value(self) -> int | None:
        try:
            quantity = int(self._text("quantity"))
        except ValueError:
            return None
        return quantity if quantity >= 1 else None

    @property
    def quantity_errors(self) -> list[str]:
        return self.characteristic_error_map.get("quantity", [])

    def check_characteristics(self) -> dict[str, list[str]]:
        errors = super().check_characteristics()
        if self.quantity_value() is None:
            errors["quantity"] = ["Enter a quantity of 1 or more."]
        return errors


def _error_target(path: str) -> str:
    if path == NON_FIELD:
        return NON_FIELD
    return field_name(path.split("."))


class AccountPickForm(forms.Form):
    # The template renders the found customers as radio buttons named `account`.
    account = forms.IntegerField(error_messages={"required": "Choose a customer."})
    external_id = forms.CharField(
        label="External reference", max_length=100, required=False
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OrderSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "Any state"), *CustomerOrderState.choices],
    )
    channel = forms.ChoiceField(
        label="Channel",
        required=False,
        choices=[("", "Any channel"), *OrderChannel.choices],
    )


class DiscountForm(forms.Form):
    percent = forms.DecimalField(
        label="Discount %", min_value=0, max_value=100, decimal_places=2
    )
    reason = forms.CharField(label="Reason", max_length=500, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason for rejection", widget=forms.Textarea(attrs={"rows": 2})
    )


class OrderHeaderForm(forms.Form):
    external_id = forms.CharField(
        label="External reference", max_length=100, required=False
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- the fulfillment agent's order tasks ------------------------------------------------


class TaskQueueFilterForm(forms.Form):
    """Filters of the order task queue; the task kinds come from the user's groups."""

    task = forms.ChoiceField(label="Task", required=False)
    due = forms.ChoiceField(
        label="Due", required=False, choices=[("", "Any time"), *DueFilter.CHOICES]
    )
    priority = forms.TypedChoiceField(
        label="Priority",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any priority"), *OrderPriority.choices],
    )
    jeopardy = forms.ChoiceField(
        label="Jeopardy",
        required=False,
        choices=[("", "Any"), *JeopardyFilter.CHOICES],
    )
    assigned = forms.ChoiceField(
        label="Claimed",
        required=False,
        choices=[("", "Anyone"), *AssignedFilter.CHOICES],
    )

    def __init__(
        self, *args: Any, task_kinds: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = [("", "Any task"), *task_kinds]

    def filters(self) -> TaskQueueFilters:
        """Return the filters entered (none when the form does not validate)."""
        if not self.is_valid():
            return TaskQueueFilters()
        data = self.cleaned_data
        return TaskQueueFilters(
            task_code=data["task"],
            due=data["due"],
            priority=data["priority"],
            jeopardy=data["jeopardy"],
            assigned=data["assigned"],
        )


class TaskNoteForm(forms.Form):
    text = forms.CharField(
        label="Note",
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": "What you did or found"}
        ),
    )


PROBLEM_KINDS: tuple[tuple[str, str], ...] = (
    ("site_access", "No access to the site"),
    ("customer_unavailable", "Customer not available"),
    ("wrong_data", "Order data is wrong or missing"),
    ("equipment", "Equipment missing or faulty"),
    ("other", "Something else"),
)


class TaskProblemForm(forms.Form):
    kind = forms.ChoiceField(label="What is wrong", choices=PROBLEM_KINDS)
    text = forms.CharField(
        label="Details",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def note_text(self) -> str:
        """Return the problem as the note kept on the task beside its fallout."""
        kind = dict(PROBLEM_KINDS)[self.cleaned_data["kind"]]
        return f"{PROBLEM_NOTE_PREFIX} — {kind}: {self.cleaned_data['text'].strip()}"


_DATA_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*\Z")
# Keys the task engine keeps in a task's data for itself.
_RESERVED_DATA_KEYS = frozenset({"adapter_ref", "failed_at"})


class TaskDataForm(forms.Form):
    """The data a manual task is completed with: a few name / value pairs."""

    PAIRS = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(self.PAIRS):
            self.fields[f"key_{index}"] = forms.CharField(
                label=f"Name {index + 1}",
                required=False,
                max_length=64,
                widget=forms.TextInput(
                    attrs={
                        "placeholder": "e.g. ont_serial" if index == 0 else "name",
                        "aria-label": f"Name {index + 1}",
                    }
                ),
            )
            self.fields[f"value_{index}"] = forms.CharField(
                label=f"Value {index + 1}",
                required=False,
                max_length=500,
                widget=forms.TextInput(
                    attrs={"placeholder": "value", "aria-label": f"Value {index + 1}"}
                ),
            )

    def pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"key_{i}"], self[f"value_{i}"]) for i in range(self.PAIRS)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        data: dict[str, str] = {}
        for index in range(self.PAIRS):
            key = (cleaned.get(f"key_{index}") or "").strip()
            value = (cleaned.get(f"value_{index}") or "").strip()
            if not key and not value:
                continue
            if not key:
                self.add_error(f"key_{index}", "Name the value.")
            elif not _DATA_KEY.match(key):
                self.add_error(
                    f"key_{index}",
                    "Start with a letter; use letters, digits and '_' only.",
                )
            elif key in _RESERVED_DATA_KEYS:
                self.add_error(f"key_{index}", f"'{key}' is kept by the task engine.")
            elif key in data:
                self.add_error(f"key_{index}", f"'{key}' is given twice.")
            elif not value:
                self.add_error(f"value_{index}", "Enter a value.")
            else:
                data[key] = value
        cleaned["data"] = data
        return cleaned
