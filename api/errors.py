"""The error shape of API.md: ``{"detail": "one sentence", "errors": {field: [messages]}}``."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django_fsm import ConcurrentTransition
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from crm.exceptions import EditConflict

logger = logging.getLogger(__name__)


class Conflict(Exception):
    """Someone changed the object first (edit conflict)."""

    def __init__(
        self, detail: str = "Someone else changed this first; reload and try again."
    ) -> None:
        super().__init__(detail)
        self.detail = detail


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or {}}


def validation_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def _field_name(loc: list[Any]) -> str:
    parts = [
        str(part) for part in loc if part not in ("body", "query", "path", "payload", "filters")
    ]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _bad_types(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for item in exc.errors:
            errors.setdefault(_field_name(list(item.get("loc", []))), []).append(
                item.get("msg", "Invalid.")
            )
        fields = ", ".join(errors)
        return api.create_response(
            request, error_body(f"Invalid input: {fields}.", errors), status=400
        )

    @api.exception_handler(DjangoValidationError)
    def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors = validation_errors(exc)
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        return api.create_response(request, error_body(detail, errors), status=422)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request, error_body("Authentication required: send a valid bearer token."), status=401
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = str(exc)
        errors = (
            {"body": ["Malformed JSON."]} if exc.status_code == 400 and "parse" in detail else {}
        )
        if errors:
            detail = "Malformed JSON in the request body."
        return api.create_response(request, error_body(detail, errors), status=exc.status_code)

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return api.create_response(
            request, error_body(str(exc) or "You are not allowed to do this."), status=403
        )

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("Not found."), status=404)

    @api.exception_handler(Conflict)
    def _conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return api.create_response(request, error_body(exc.detail), status=409)

    @api.exception_handler(EditConflict)
    def _edit_conflict(request: HttpRequest, exc: EditConflict) -> HttpResponse:
        return api.create_response(request, error_body(exc.detail), status=409)

    @api.exception_handler(ConcurrentTransition)
    def _concurrent_transition(request: HttpRequest, exc: ConcurrentTransition) -> HttpResponse:
        return api.create_response(
            request, error_body("Someone else moved this first; reload and try again."), status=409
        )

    @api.exception_handler(DatabaseError)
    def _database_error(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
        logger.exception("Database error in the API")
        return api.create_response(
            request, error_body("The request could not be completed; please retry."), status=409
        )

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unexpected API error")
        return api.create_response(
            request,
            error_body("Something went wrong on our side; nothing was changed."),
            status=500,
        )
