"""Request types for views behind the sign-in (LoginRequiredMiddleware guarantees a user)."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
