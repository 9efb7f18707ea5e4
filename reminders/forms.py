from typing import Any

from django import forms

from accounts.models import User
from accounts.roles import DELIVERY_ROLES, SALES_ROLES, Role
from reminders.models import Kind, ReminderPreference

# Who a kind of reminder is for: a choice nobody else is offered (an admin sees them all).
KIND_ROLES: dict[str, frozenset[str]] = {
    Kind.NEXT_ACTIONS: SALES_ROLES,
    Kind.STALE_DEALS: frozenset({Role.SALES_MANAGER}),
    Kind.TASKS: DELIVERY_ROLES,
}


def kinds_for(user: User) -> list[str]:
    """The reminder kinds that can reach ``user``: approvals and mentions reach anyone."""
    if user.has_role(Role.ADMIN):
        return list(Kind.values)
    return [kind for kind in Kind.values if kind not in KIND_ROLES or user.roles & KIND_ROLES[kind]]


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
