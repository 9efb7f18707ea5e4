"""/api/v1/me/calendar: the address of the caller's iCalendar feed."""

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.services import calendar_feed_url, calendar_token_renew
from api.auth import current_user
from api.errors import answers

router = Router(tags=["calendars"])


class CalendarOut(Schema):
    url: str


@router.get("me/calendar", response=answers({200: CalendarOut}))
def calendar_address(request: HttpRequest) -> dict:
    """The caller's secret feed address (made on the first ask): next actions, open tasks
    and milestones, for a calendar app to subscribe to."""
    return {"url": calendar_feed_url(user=current_user(request))}


@router.post("me/calendar/renew", response=answers({200: CalendarOut}))
def calendar_address_renew(request: HttpRequest) -> dict:
    """A new secret address; the old one stops working at once."""
    user = current_user(request)
    calendar_token_renew(user=user, by=user)
    return {"url": calendar_feed_url(user=user)}
