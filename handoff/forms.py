from django import forms
from django.urls import reverse

from crm.models import Contact, Deal
from inputs.forms import DateField, VersionField
from inputs.picker import Picker, PickerField
from projects.models import ProjectTemplate
from projects.selectors import delivery_leads


class HandoffForm(forms.Form):
    """The R5 fields; all optional in a draft, all required (by the service) to win."""

    version = VersionField()
    scope_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )
    promised_date = DateField(label="Promised delivery date", required=False)
    promised_timeline = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        help_text="What was promised about timing, in the customer's words.",
    )
    key_constraints = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False
    )
    main_stakeholder = PickerField(
        queryset=Contact.objects.none(),
        lookup="crm:contact-lookup",
        placeholder="Type a name, or press Down",
        required=False,
    )
    kickoff_date = DateField(required=False)
    template = forms.ModelChoiceField(
        label="Project template",
        queryset=ProjectTemplate.objects.filter(is_active=True),
        required=False,
    )
    delivery_lead = PickerField(
        queryset=delivery_leads(admins=False),
        lookup="handoff:delivery-lead-lookup",
        label_from=lambda user: user.display_name,
        placeholder="Type a name",
        required=False,
        help_text="A delivery lead: they receive the kickoff project.",
    )

    def __init__(self, *args, deal: Deal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stakeholder = self.fields["main_stakeholder"]
        assert isinstance(stakeholder, forms.ModelChoiceField)
        stakeholder.queryset = Contact.objects.filter(company_id=deal.company_id)
        stakeholder.help_text = f"A contact of {deal.company.name}."
        # Suggest that company's contacts only (the picker's own copy of the widget).
        company_contacts = f"{reverse('crm:contact-lookup')}?company={deal.company_id}"
        assert isinstance(stakeholder.widget, Picker)
        stakeholder.widget.lookup = company_contacts

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        return data


class WinForm(HandoffForm):
    override_reason = forms.CharField(
        label="Why win although the plan misses the promise?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
        help_text="Delivery sees this reason on the project.",
    )

    def service_fields(self) -> dict:
        data = super().service_fields()
        data.pop("override_reason", None)
        return data


class PromiseCheckForm(forms.Form):
    """The live promise check's query: what the user has typed so far (each may be unset)."""

    template = forms.ModelChoiceField(
        queryset=ProjectTemplate.objects.filter(is_active=True), required=False
    )
    kickoff_date = DateField(required=False)
    promised_date = DateField(required=False)
    override_reason = forms.CharField(max_length=5000, required=False, strip=False)

    def value(self, name: str):
        """The field's clean value, or None while what was typed is not valid yet."""
        self.is_valid()
        return self.cleaned_data.get(name)
