from django import forms

from reminders.models import Kind, ReminderPreference


class PreferenceForm(forms.ModelForm):
    """Which reminder emails to receive: one checkbox per kind."""

    class Meta:
        model = ReminderPreference
        fields = list(Kind.values)
