from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI

from api import accounts, crm, handoff
from api import dashboards as dashboards_api
from api import projects as projects_api
from api.auth import api_auth
from api.errors import install_error_handlers

api = NinjaAPI(
    title="Relay API",
    version="1.0.0",
    description="Relay's JSON API: the same services and rules as the browser.",
    auth=api_auth,
    urls_namespace="api-1.0.0",
)
install_error_handlers(api)
api.add_router("", accounts.router)
api.add_router("", projects_api.router)
api.add_router("", crm.router)
api.add_router("", handoff.router)
api.add_router("", dashboards_api.router)


def _login_not_required(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The API authenticates itself (401, not a redirect to the sign-in page)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _login_not_required(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


api_urls = api.urls
_login_not_required(api_urls[0])
