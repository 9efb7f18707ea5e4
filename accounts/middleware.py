"""Each page renders in its signed-in user's time zone (the installation's otherwise)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from accounts.formats import zone_of


class UserTimeZoneMiddleware:
    """Activate ``User.time_zone`` (``accounts.formats.zone_of``) for the view, and no zone
    (``settings.TIME_ZONE``) once the response is made.

    Goes after ``LoginRequiredMiddleware``: a view that requires signing in has its user
    loaded by then. A view open without signing in (``login_not_required``: the sign-in
    pages, an unsubscribe link, the JSON API, whose datetimes carry their offset) renders in
    the installation's zone, and loads no session user for it. A streamed response (a CSV
    export) is written after this returns: ``crm.http.csv_response`` keeps the zone it was
    made in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], *args: Any) -> None:
        if getattr(view_func, "login_required", True):
            timezone.activate(zone_of(getattr(request, "user", None)))
