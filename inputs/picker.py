"""A searchable picker for choices that run to thousands of rows (companies, contacts, people).

``PickerField`` is a ``ModelChoiceField`` whose widget, ``Picker``, renders a visibly labelled
text box (the ARIA combobox pattern) and a hidden input carrying the chosen id under the
field's own name, so what a form posts is unchanged. Typing fetches suggestions by htmx from a
lookup endpoint (``lookup_response`` renders them); ``static/relay/picker.js`` opens the list,
moves through it with the arrow keys, chooses with Enter and closes with Escape. The field still
validates the id against its queryset, the choices the user may make: a forged or stale id is
an error on the field, never a 500.

A lookup endpoint answers GET ``q`` (cleaned with ``inputs.text.clean_query_text``) with at most
``PICKER_LIMIT`` suggestions; ``include`` names inputs whose values are sent along (the deal
form's contact picker sends the chosen ``company``).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

PICKER_LIMIT = 20
LISTBOX_LABEL = "data-listbox-label"  # from the bound field to the widget, not rendered


class Picker(forms.Widget):
    template_name = "includes/picker.html"

    def __init__(
        self,
        lookup: str = "",
        *,
        include: str = "",
        placeholder: str = "Type to search",
        attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs)
        self.lookup = lookup  # a URL name, or a path
        self.include = include
        self.placeholder = placeholder

    def id_for_label(self, id_: str) -> str:
        """The label names the text box; the hidden input keeps the field's id."""
        return f"{id_}_search" if id_ else id_

    def chosen_label(self, value: Any) -> str:
        """The label of the chosen object (one query), or "" for none or an unknown id."""
        choices = getattr(self, "choices", None)
        field = getattr(choices, "field", None)
        if field is None or value in (None, ""):
            return ""
        known = getattr(field, "known", {}).get(str(value))
        if known is not None:  # the form's object already holds it: no query
            return str(field.label_from_instance(known))
        try:
            return str(field.label_from_instance(field.to_python(value)))
        except (ValidationError, ValueError, TypeError):
            return ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        base_id = widget["attrs"].get("id") or f"id_{name}"
        url = self.lookup if self.lookup.startswith("/") else reverse(self.lookup)
        listbox_label = widget["attrs"].pop(LISTBOX_LABEL, "Suggestions")
        widget.update(
            listbox_label=listbox_label,
            base_id=base_id,
            search_id=self.id_for_label(base_id),
            listbox_id=f"{base_id}_listbox",
            url=url,
            include=self.include,
            placeholder=self.placeholder,
            label=self.chosen_label(value),
            form=widget["attrs"].get("form", ""),
        )
        return context

    def format_value(self, value: Any) -> str:
        return "" if value is None else str(value)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # The project's template directory holds the markup beside the other field templates.
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))


class PickerBoundField(BoundField):
    """Names the list box after the field ("Company suggestions") for screen readers."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        attrs[LISTBOX_LABEL] = f"{self.label} suggestions"
        return attrs


class PickerField(forms.ModelChoiceField):
    """A choice among a queryset too big for a select: typed, suggested, validated by id."""

    bound_field_class = PickerBoundField

    default_error_messages = {
        "invalid_choice": "Choose one of the suggestions: that choice is not available.",
    }

    def __init__(
        self,
        *,
        queryset: Any,
        lookup: str,
        include: str = "",
        placeholder: str = "Type to search",
        label_from: Callable[[Any], str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("widget", Picker(lookup, include=include, placeholder=placeholder))
        self._label_from = label_from
        self.known: dict[str, Any] = {}
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return self._label_from(obj) if self._label_from else str(obj)

    def remember(self, obj: Any) -> None:
        """``obj`` (the form's current choice, already read) labels its id without a query."""
        if obj is not None:
            self.known = {str(obj.pk): obj}


def lookup_response(
    request: HttpRequest,
    rows: Iterable[Any],
    *,
    label: Callable[[Any], str] = str,
    detail: Callable[[Any], str] | None = None,
    empty: str = "Nothing matches.",
    status: int = 200,
) -> HttpResponse:
    """The suggestions for a picker's list box: one option per row."""
    options = [
        {"value": row.pk, "label": label(row), "detail": detail(row) if detail else ""}
        for row in rows
    ]
    context = {"options": options, "empty": empty}
    return render(request, "includes/picker_options.html", context, status=status)
