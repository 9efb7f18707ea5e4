"""The house formats of ``accounts.formats`` that Django's own filters do not give:
``{% load house %}``, then ``{{ deal.next_action_due_date|near_day }}``."""

import datetime as dt

from django import template

from accounts.formats import format_near_day

register = template.Library()


@register.filter
def near_day(value: dt.date | None) -> str:
    """``today``, ``tomorrow``, ``yesterday`` or ``2 Dec`` (in the viewer's zone)."""
    return format_near_day(value) if value else ""
