"""The calendar feed's address: no sign-in (calendar apps have none), the secret in the path."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.models import User
from calendars.feed import feed


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    user = User.objects.filter(calendar_token=token, is_active=True).first()
    if user is None:
        raise Http404("No calendar at this address; ask for a new one on your profile page.")
    response = HttpResponse(feed(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="relay.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
