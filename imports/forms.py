"""The import wizard's forms: upload, then the setup (columns, options, values)."""

from typing import Any

from django import forms

from accounts.models import User
from imports import profiles
from imports.models import Kind, OnDuplicate
from imports.selectors import Column, FileValue, value_choices

NEW = "__new__"  # "create this lead source / lost reason"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=Kind.choices)
    file = forms.FileField(
        label="Exported file (CSV)",
        help_text=(
            "As HubSpot, Pipedrive, Salesforce, Zoho, Odoo or Relay export it: any encoding, "
            "comma or semicolon, report header and footer lines; at most 200 MB."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class SetupForm(forms.Form):
    """One select per column (its Relay field, or ignore), the file's formats, what to do
    with duplicates and with rows that lack an owner or a next action, and one select per
    value Relay must place (stages, statuses, owners, sources, lost reasons)."""

    date_order = forms.ChoiceField(
        label="Dates are written",
        choices=[
            ("auto", "Detect from the file"),
            ("DMY", "Day, month, year (22.04.2027)"),
            ("MDY", "Month, day, year (4/22/2027)"),
            ("YMD", "Year, month, day (2027-04-22)"),
        ],
    )
    decimal = forms.ChoiceField(
        label="Decimal separator",
        choices=[
            ("auto", "Detect from the file"),
            (".", "Point (1,234.50)"),
            (",", "Comma (1.234,50)"),
        ],
    )
    on_duplicate = forms.ChoiceField(
        label="When a record exists already", choices=OnDuplicate.choices
    )
    default_owner_id = forms.ModelChoiceField(
        label="Owner for names that match no user",
        queryset=User.objects.none(),
        required=False,
        empty_label="None: who imports the file",
    )
    default_next_action = forms.CharField(
        label="Next action for open deals without one",
        max_length=255,
        required=False,
        help_text="For example: Call to confirm the deal after the move to Relay.",
    )
    default_next_action_days = forms.IntegerField(
        label="Due in working days", min_value=0, max_value=365, required=False, initial=2
    )

    def __init__(
        self,
        *args: Any,
        kind: str,
        columns: list[Column],
        file_values: dict[str, list[FileValue]],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.columns = columns
        self.file_values = file_values
        self.fields["default_owner_id"].queryset = User.objects.filter(is_active=True).order_by(  # type: ignore[attr-defined]
            "full_name", "username"
        )
        if kind != Kind.DEALS:
            del self.fields["default_next_action"], self.fields["default_next_action_days"]
        targets = [("", "Ignore this column"), *profiles.FIELDS[kind].items()]
        for i, column in enumerate(columns):
            self.fields[f"column_{i}"] = forms.ChoiceField(
                label=column.name, choices=targets, required=False, initial=column.field or ""
            )
        for name, listed in file_values.items():
            choices = [("", "Not mapped: such rows fail"), *value_choices(name)]
            if name in ("owner", "author"):
                # The engine gives a name no user has to the default owner, else the importer.
                choices[0] = ("", "No user: the default owner above")
            if name in ("source", "lost_reason"):
                choices[0] = (NEW, "Create it in Relay")
            for i, value in enumerate(listed):
                self.fields[f"value_{name}_{i}"] = forms.ChoiceField(
                    label=value.value,
                    choices=choices,
                    required=False,
                    initial=value.choice or (NEW if name in ("source", "lost_reason") else ""),
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        labels = profiles.FIELDS[self.kind]
        first: dict[str, str] = {}  # field -> the first column mapped to it
        for i, column in enumerate(self.columns):
            field = cleaned.get(f"column_{i}")
            if not field:
                continue
            if field in first:
                self.add_error(
                    f"column_{i}",
                    f"“{first[field]}” fills {labels[field]} already: choose another field "
                    "or ignore this column.",
                )
            else:
                first[field] = column.name
        return cleaned

    def column_fields(self) -> list[tuple[Column, forms.BoundField]]:
        return [(c, self[f"column_{i}"]) for i, c in enumerate(self.columns)]

    def value_fields(self) -> list[tuple[str, list[tuple[FileValue, forms.BoundField]]]]:
        return [
            (
                profiles.FIELDS[self.kind].get(name, name),
                [(v, self[f"value_{name}_{i}"]) for i, v in enumerate(listed)],
            )
            for name, listed in self.file_values.items()
        ]

    def mapping(self) -> dict[str, str | None]:
        return {
            c.name: self.cleaned_data.get(f"column_{i}") or None for i, c in enumerate(self.columns)
        }

    def values(self) -> dict[str, dict[str, str]]:
        chosen: dict[str, dict[str, str]] = {}
        for name, listed in self.file_values.items():
            for i, value in enumerate(listed):
                picked = self.cleaned_data.get(f"value_{name}_{i}") or ""
                if picked in ("", NEW) or (value.automatic and picked == value.choice):
                    continue  # nothing to say: Relay places it (or creates it) by itself
                chosen.setdefault(name, {})[value.value] = picked
        return chosen

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        owner = data.get("default_owner_id")
        return {
            "date_order": data["date_order"],
            "decimal": data["decimal"],
            "on_duplicate": data["on_duplicate"],
            "default_owner_id": owner.pk if owner else None,
            "default_next_action": data.get("default_next_action") or "",
            "default_next_action_days": data.get("default_next_action_days"),
        }
