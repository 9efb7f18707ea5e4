"""Input shape only: the services enforce the rules."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import Truncator

from accounts.formats import format_date, money
from crm.currencies import CURRENCIES, CURRENCY_CHOICES
from crm.models import ActivityKind, Company, Contact, LeadSource, Stage, installation_currency
from crm.selectors import lead_source_list, lost_reason_list, sales_users
from inputs.forms import DateField, SubmittedOnceForm, VersionField
from inputs.picker import PickerField

MAX_TEXT = 5000


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


class VersionedForm(forms.Form):
    version = VersionField()


class CompanyForm(SubmittedOnceForm, VersionedForm):
    name = forms.CharField(max_length=200)
    domain = forms.CharField(
        label="Web domain", max_length=253, required=False, help_text="For example example.com"
    )
    industry = forms.CharField(max_length=100, required=False)


class ContactForm(SubmittedOnceForm, VersionedForm):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=50, required=False)
    title = forms.CharField(label="Job title", max_length=150, required=False)
    company = PickerField(
        queryset=Company.objects.order_by("name"),
        lookup="crm:company-lookup",
        placeholder="Type a company name",
        required=False,
    )


class NextActionFields(forms.Form):
    next_action = forms.CharField(
        label="Next action",
        max_length=255,
        help_text="What happens next, for example: call Anna about the budget",
    )
    next_action_due_date = DateField(label="Due date")
    next_action_due_time = forms.TimeField(
        label="Due time (optional)", widget=TimeInput, required=False
    )

    def next_action_due(self, zone: dt.tzinfo) -> dt.date | dt.datetime | None:
        """The due date, or date and time in ``zone`` (the acting user's time zone)."""
        date = self.cleaned_data.get("next_action_due_date")
        time = self.cleaned_data.get("next_action_due_time")
        if date is None or time is None:
            return date
        return dt.datetime.combine(date, time).replace(tzinfo=zone)


class DealForm(SubmittedOnceForm, VersionedForm, NextActionFields):
    title = forms.CharField(max_length=200)
    company = PickerField(
        queryset=Company.objects.order_by("name"),
        lookup="crm:company-lookup",
        placeholder="Type a company name",
    )
    contact = PickerField(
        queryset=Contact.objects.select_related("company"),
        lookup="crm:contact-lookup",
        include="#id_company",  # suggests the chosen company's contacts
        placeholder="Type a name, or press Down",
        required=False,
        help_text="A contact of the chosen company.",
    )
    owner = PickerField(
        queryset=sales_users(),
        lookup="crm:owner-lookup",
        label_from=lambda user: user.display_name,
        placeholder="Type a name",
        required=False,
        help_text="Defaults to you.",
    )
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False
    )
    # Not sent: the installation currency for a new deal, the deal's own for an edit.
    currency = forms.ChoiceField(
        choices=CURRENCY_CHOICES,
        initial=installation_currency,
        required=False,
        help_text="The amount's currency; totals convert it at the exchange rate.",
    )
    source = forms.ModelChoiceField(
        label="Lead source", queryset=lead_source_list(), required=False
    )
    expected_close_date = DateField(required=False)
    qualification_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_TEXT, required=False
    )

    field_order = [
        "title",
        "company",
        "contact",
        "owner",
        "amount",
        "currency",
        "source",
        "expected_close_date",
        "next_action",
        "next_action_due_date",
        "next_action_due_time",
        "qualification_notes",
    ]

    correction_reason = forms.CharField(
        label="Reason for the correction",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=MAX_TEXT,
        required=False,
        help_text="This deal is won: a change to its contact, amount, currency or owner is "
        "a correction, kept in its history with this reason.",
    )

    def __init__(self, *args, can_reassign: bool = False, won: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kept = self.initial.get("currency")
        if kept and kept not in CURRENCIES:  # a code ISO withdrawn since: the deal keeps it
            currency = self.fields["currency"]
            currency.choices = [(kept, kept), *CURRENCY_CHOICES]  # type: ignore[attr-defined]
        if not can_reassign:
            del self.fields["owner"]
        if not (won and can_reassign):
            del self.fields["correction_reason"]


class CompleteNextActionForm(VersionedForm, NextActionFields):
    kind = forms.ChoiceField(
        label="It was a", choices=ActivityKind.choices, initial=ActivityKind.CALL
    )
    outcome = forms.CharField(
        label="Outcome", widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT
    )

    field_order = ["kind", "outcome", "next_action", "next_action_due_date", "next_action_due_time"]

    def __init__(self, *args, **kwargs) -> None:
        # Its own ids: the deal page also holds the activity and deal forms (one "Kind"
        # label, one "Next action" label each, every label pointing at its own field).
        kwargs.setdefault("auto_id", "complete_%s")
        super().__init__(*args, **kwargs)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(choices=ActivityKind.choices)
    body = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "activity_%s")  # see CompleteNextActionForm
        super().__init__(*args, **kwargs)


# Transition forms: exactly the fields a transition needs (the board's refusal form).
class TransitionForm(forms.Form):
    """A transition's fields. Given ``missing`` (the fields its rule says are missing, as
    ``services.transition_errors`` names them), the ones the deal already has are prefilled
    and optional: the form asks only for what is missing, and a known value is kept unless
    the user changes it."""

    def __init__(self, *args, missing: Iterable[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.known: list[str] = []
        if missing is None:
            return
        asked = {FIELD_OF_RULE.get(name, name.removesuffix("_id")) for name in missing}
        for name, field in self.fields.items():
            if name not in asked and self.initial.get(name) not in (None, ""):
                field.required = False
                self.known.append(name)

    def asked_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.known]

    def known_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.known]

    def known_values(self) -> list[tuple[str, str]]:
        """What the deal already has, each as its label and its value in the house format
        (an amount with the deal's currency, given as ``initial["currency"]``)."""
        shown = []
        for name in self.known:
            value = self.initial.get(name)
            if isinstance(value, Decimal):
                text = money(value, self.initial.get("currency") or installation_currency())
            elif isinstance(value, dt.date):
                text = format_date(value)
            else:
                text = Truncator(str(value)).chars(60)
            shown.append((str(self.fields[name].label or name).lower(), text))
        return shown

    def params(self) -> dict[str, Any]:
        """The cleaned values for the service; a known field left empty keeps its value."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not (name in self.known and value in (None, ""))
        }


# A rule's name for a field, where the form's differs.
FIELD_OF_RULE = {"next_action_due": "next_action_due_date"}


class QualifyForm(TransitionForm):
    qualification_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_TEXT,
        help_text="Need, budget, authority, timing: why this deal is real.",
    )


class ProposeForm(TransitionForm):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    expected_close_date = DateField()


class LoseForm(TransitionForm):
    lost_reason = forms.ModelChoiceField(queryset=lost_reason_list(), label="Lost reason")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_TEXT, required=False
    )


class ReopenForm(TransitionForm, NextActionFields):
    pass


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "qualify": QualifyForm,
    "propose": ProposeForm,
    "lose": LoseForm,
    "reopen": ReopenForm,
}


class FilterForm(forms.Form):
    """Filters above lists and the board: labels without a trailing colon, like every form."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class DealFilterForm(FilterForm):
    q = forms.CharField(label="Search", required=False, max_length=200)
    stage = forms.ChoiceField(
        required=False,
        choices=[("", "Any stage"), ("open", "Open"), *Stage.choices],
    )
    owner = forms.ModelChoiceField(queryset=sales_users(), required=False, empty_label="Anyone")
    source = forms.ModelChoiceField(
        queryset=LeadSource.objects.order_by("name"), required=False, empty_label="Any source"
    )
    overdue = forms.BooleanField(label="Overdue only", required=False)
    stale = forms.BooleanField(label="Stuck only", required=False)
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-updated_at", "Recently updated"),
            ("next_action_due_at", "Next action due"),
            ("-amount", "Amount, largest first"),
            ("amount", "Amount, smallest first"),
            ("expected_close_date", "Expected close"),
            ("title", "Title"),
            ("company", "Company"),
            ("stage", "Stage"),
        ],
    )

    def active_filters(self) -> int:
        """How many filters narrow the list (the order is no filter): the phone's "Filters (2
        active)" disclosure starts open when there are any."""
        if not self.is_bound or not self.is_valid():
            return 0
        return sum(
            1
            for name in ("q", "stage", "owner", "source", "overdue", "stale")
            if self.cleaned_data[name]
        )


class BoardFilterForm(FilterForm):
    owner = forms.ModelChoiceField(queryset=sales_users(), required=False, empty_label="Anyone")
    source = forms.ModelChoiceField(
        queryset=LeadSource.objects.order_by("name"), required=False, empty_label="Any source"
    )


class BulkReassignForm(forms.Form):
    """The deal list's "reassign the selected deals to" picker (its form is ``bulk-reassign``)."""

    owner = PickerField(
        label="New owner",  # names its suggestions; the bar's label says the whole of it
        queryset=sales_users(),
        lookup="crm:owner-lookup",
        label_from=lambda user: user.display_name,
        placeholder="Type a name",
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "bulk-%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].widget.attrs["form"] = "bulk-reassign"


class CsvImportForm(forms.Form):
    KIND_CHOICES = [("companies", "Companies"), ("contacts", "Contacts"), ("deals", "Deals")]
    kind = forms.ChoiceField(label="What the file holds", choices=KIND_CHOICES)
    file = forms.FileField(
        label="CSV file", help_text="UTF-8, first row with column names; at most 5 MB."
    )
