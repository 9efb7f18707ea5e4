from django import forms

from crm.selectors import sales_users
from dashboards.widgets import DEFAULT_PERIOD, PERIODS


class SalesFilterForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=sales_users(), required=False, empty_label="All owners")
    period = forms.ChoiceField(
        choices=list(PERIODS.items()),
        required=False,
        initial=DEFAULT_PERIOD,
        help_text="For won revenue, lead sources and the sales cycle.",
    )
