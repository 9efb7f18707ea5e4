import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.operation import Operation

from api import accounts, crm, handoff
from api import calendars as calendars_api
from api import dashboards as dashboards_api
from api import imports as imports_api
from api import inbox as inbox_api
from api import projects as projects_api
from api import webforms as webforms_api
from api import webhooks as webhooks_api
from api.auth import api_auth
from api.errors import install_error_handlers, json_error
from api.idempotency import REPLAYED
from api.openapi import finish_schema


class RelayAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """The view function's name: ``deal_list``, ``task_update`` (pinned by a test)."""
        return operation.view_func.__name__

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return finish_schema(super().get_openapi_schema(*args, **kwargs), replayed=REPLAYED)


api = RelayAPI(
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
api.add_router("", imports_api.router)
api.add_router("", inbox_api.router)
api.add_router("", calendars_api.router)
api.add_router("", webhooks_api.router)
api.add_router("", webforms_api.router)


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other path under /api/v1/, or a path whose id is not a number: JSON, not HTML."""
    return json_error(404, "Not found: no such API path.")


def _json_method_not_allowed(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """django-ninja answers a wrong method with a plain-text 405; answer the error shape,
    keeping its ``Allow`` header."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
            allowed = response.get("Allow", "")
            response = json_error(405, f"Method {request.method} is not allowed here.")
            response["Allow"] = allowed
        return response

    return wrapper


def _login_not_required(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """The API authenticates itself (401, not a redirect to the sign-in page)."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _login_not_required(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]
    return patterns


_patterns, _app_name, _namespace = api.urls
for _pattern in _patterns:
    if isinstance(_pattern, URLPattern):
        _pattern.callback = _json_method_not_allowed(_pattern.callback)
_patterns.append(re_path(r"^[\s\S]*$", not_found, name="not-found"))
api_urls = (_patterns, _app_name, _namespace)
_login_not_required(_patterns)
