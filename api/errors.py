"""The error shape of API.md: ``{"detail": "one sentence", "errors": {field: [messages]}}``.

Statuses: 400 malformed (JSON, types, formats, enums, lengths), 401 no or bad token, 403 not
allowed, 404 missing, not visible, or a bad path parameter, 405 wrong method, 409 an edit
conflict (someone changed it first), 413 a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, 422 a
rule refused it (Relay's input policy, ranges, the services' rules), 503 the database was
momentarily unavailable (a retry may work). A database error caused by the input is a 422,
never a "please retry" 409: retrying the same input cannot succeed.
"""

import logging
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, IntegrityError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django_fsm import ConcurrentTransition
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from records import EditConflict

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    """Every error answer: one sentence, and the messages of each failing field."""

    detail: str
    errors: dict[str, list[str]]


def answers(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    """An operation's responses: its success ``ok`` plus ``ErrorOut`` for 401 (every
    operation needs a token) and each of ``codes``."""
    return {**ok, **dict.fromkeys(sorted({401, *codes}), ErrorOut)}


# What an operation can answer, by what it takes (each adds to ``answers``).
READ = (400, 422)  # query parameters: malformed (400) or out of range (422)
ONE = (404,)  # a path id: missing, not visible, or not an id
WRITE = (400, 413, 422)  # a JSON body


class Conflict(Exception):
    """Someone changed the object first (edit conflict)."""

    def __init__(
        self, detail: str = "Someone else changed this first; reload and try again."
    ) -> None:
        super().__init__(detail)
        self.detail = detail


def error_body(detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or {}}


def json_error(
    status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> JsonResponse:
    """The error shape outside an operation (unknown paths, wrong methods)."""
    return JsonResponse(error_body(detail, errors), status=status)


def validation_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


_LOCATIONS = ("body", "query", "path", "header", "payload", "filters")
_HEADERS = {"Idempotency-Key": "idempotency_key"}
# Pydantic errors that mean "well-formed, but out of the accepted range": a refusal (422).
REFUSED = frozenset(
    {"relay_refused", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}
)


def _field_name(loc: Iterable[Any]) -> str:
    """The field an error is about: the first part of its location that is a name (not
    "body" or "query", nor the union member or list index pydantic adds after it)."""
    for part in loc:
        if part not in _LOCATIONS:
            return _HEADERS.get(str(part), str(part))
    return "body"


_KEY = re.compile(r"Key \((?P<columns>[^)]+)\)")


def _database_field(error: DatabaseError) -> str:
    """The column a database error names, when PostgreSQL says (else non_field_errors)."""
    diag = getattr(error.__cause__, "diag", None)
    column = getattr(diag, "column_name", None)
    if not column:
        found = _KEY.search(getattr(diag, "message_detail", None) or "")
        column = found and found["columns"].split(",")[0].strip()
    return column or "non_field_errors"


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def _bad_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        items = list(exc.errors)
        if any(item.get("loc", ("",))[0] == "path" for item in items):
            return api.create_response(request, error_body("Not found."), status=404)
        errors: dict[str, list[str]] = {}
        for item in items:
            messages = errors.setdefault(_field_name(item.get("loc", [])), [])
            message = item.get("msg", "Invalid.").removeprefix("Value error, ")
            if message not in messages:
                messages.append(message)
        refused = all(item.get("type") in REFUSED for item in items)
        fields = ", ".join(errors)
        if refused:
            detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
            return api.create_response(request, error_body(detail, errors), status=422)
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

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = _mb(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        message = f"The request body is larger than {limit}."
        return api.create_response(request, error_body(message, {"body": [message]}), status=413)

    @api.exception_handler(MultiPartParserError)
    def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        message = "The multipart body cannot be read (a boundary is missing or wrong)."
        return api.create_response(request, error_body(message, {"body": [message]}), status=400)

    @api.exception_handler(BadRequest)
    def _bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
        return api.create_response(request, error_body(str(exc) or "Bad request."), status=400)

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
        if isinstance(exc, DataError | IntegrityError):
            # The input could not be stored (a value out of the column's range, a duplicate
            # that slipped past a service's check in a race): the same input would fail again.
            logger.warning("API input refused by the database: %s", exc)
            field = _database_field(exc)
            message = (
                "This value is already taken or refers to something that no longer exists."
                if isinstance(exc, IntegrityError)
                else "This value cannot be stored."
            )
            return api.create_response(
                request, error_body(f"{field}: {message}", {field: [message]}), status=422
            )
        if isinstance(exc, OperationalError):
            logger.warning("Database unavailable in the API: %s", exc)
            response = api.create_response(
                request,
                error_body("The database is busy or unavailable; try again shortly."),
                status=503,
            )
            response["Retry-After"] = "1"
            return response
        logger.exception("Database error in the API")
        return api.create_response(
            request,
            error_body("Something went wrong on our side; nothing was changed."),
            status=500,
        )

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unexpected API error")
        return api.create_response(
            request,
            error_body("Something went wrong on our side; nothing was changed."),
            status=500,
        )
