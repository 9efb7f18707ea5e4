"""The hosted enquiry form: input shape only (``services.submission_accept`` checks it)."""

from django import forms
from django.forms.utils import pretty_name

from webforms.services import HONEYPOT


class EnquiryForm(forms.Form):
    """Rendered on the hosted page; every check and message comes from the service."""

    company = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    first_name = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.CharField(
        required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    message = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    utm_source = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_medium = forms.CharField(required=False, widget=forms.HiddenInput)
    utm_campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    referrer = forms.CharField(required=False, widget=forms.HiddenInput)

    REQUIRED = ("company", "first_name", "email")
    LIMITS = {"company": 200, "first_name": 100, "last_name": 100, "email": 254, "phone": 50}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name in self.REQUIRED:
            self.fields[name].widget.attrs["required"] = True
            self.fields[name].label = f"{self.fields[name].label or pretty_name(name)} (required)"
        for name, limit in self.LIMITS.items():
            self.fields[name].widget.attrs["maxlength"] = limit
        self.fields["message"].widget.attrs["maxlength"] = 5000
        self.honeypot = HONEYPOT
