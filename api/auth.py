"""API authentication: bearer tokens, or the browser session with CSRF."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from accounts.models import User
from accounts.services import api_token_authenticate


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The Django session; CSRF is checked on unsafe methods."""

    def __call__(self, request: HttpRequest):
        if request.headers.get("Authorization"):
            # A bad bearer token must answer 401, not fall back to the session.
            return None
        if not request.user.is_authenticated:
            # No session at all: 401 with WWW-Authenticate, not a CSRF failure (403).
            return None
        return super().__call__(request)


def current_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (every endpoint requires auth)."""
    assert isinstance(request.user, User)
    return request.user


api_auth = [BearerTokenAuth(), ActiveSessionAuth()]
