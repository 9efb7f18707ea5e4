"""The review list's attach form: a deal or a company, through the CRM's pickers."""

from typing import Any

from django import forms

from crm.models import Company, Deal
from inputs.picker import PickerField


class AssignForm(forms.Form):
    company = PickerField(
        queryset=Company.objects.order_by("name"),
        lookup="crm:company-lookup",
        placeholder="Type a company name",
        required=False,
        help_text="Attach to the company, or choose one of its deals below.",
    )
    deal = PickerField(
        queryset=Deal.objects.select_related("company"),
        lookup="inbox:deal-lookup",
        include="#id_company",
        placeholder="Type a deal title",
        required=False,
        label_from=lambda deal: f"{deal.title} ({deal.company.name})",
        help_text="Optional: the email goes on this deal's timeline (and its company's).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        deal, company = data.get("deal"), data.get("company")
        if deal is None and company is None and not self.errors:
            self.add_error("company", "Choose a company or a deal to attach the email to.")
        if deal is not None and company is not None and deal.company_id != company.pk:
            self.add_error("deal", "This deal belongs to another company.")
        return data
