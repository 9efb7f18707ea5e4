from typing import Any

from django import forms

from accounts.models import User
from reminders.models import Kind, ReminderPreference, kinds_for


class PreferenceForm(forms.ModelForm):
    """Which reminder emails to receive: one checkbox per kind that can reach the user."""

    class Meta:
        model = ReminderPreference
        fields = list(Kind.values)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = set(kinds_for(user))
        for name in list(self.fields):
            if name not in offered:
                del self.fields[name]
