"""HTTP helpers shared by the browser views: htmx partials, pagination, CSV responses."""

import csv
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.formats import csv_value
from accounts.models import User
from accounts.services import Outcome, submit_once
from records.paging import FastPaginator

PAGE_SIZE = 25


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only its named partial for an htmx request (same context)."""
    name = f"{template}#{partial}" if partial and getattr(request, "htmx", False) else template
    return render(request, name, context, status=status)


def render_partials(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str,
    oob: Sequence[str] = (),
    status: int = 200,
) -> HttpResponse:
    """An htmx answer: ``partial`` for the request's target, then each partial named in
    ``oob``, swapped out of band (its root element carries ``hx-swap-oob`` when its name is
    in the context's ``oob``), so a success re-renders everything it changed in place."""
    context = {**context, "oob": set(oob)}
    html = "".join(
        render_to_string(f"{template}#{name}", context, request=request) for name in (partial, *oob)
    )
    return HttpResponse(html, status=status)


def paginate(
    request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE, *, bounded: bool = False
) -> dict[str, Any]:
    """The requested page of ``queryset``: its ids first, then its rows, with a count that
    is estimated beyond ``records.paging.EXACT_COUNT_LIMIT`` rows. A ``bounded`` list (one
    parent's rows, such as a project's tasks) is counted and sliced plainly."""
    paginator = Paginator(queryset, per_page) if bounded else FastPaginator(queryset, per_page)
    page: Page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page_obj": page,
        "object_list": page.object_list,
        "query_without_page": query.urlencode(),
    }


class _Echo:
    def write(self, value: str) -> str:
        return value


# A cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection); Relay's import undoes it."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return "" if value is None else value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """Every CSV export: cells in the house CSV form (``accounts.formats.csv_value``: ISO
    dates, datetimes with the viewer's offset; amounts come as ``csv_money`` strings with a
    ``currency`` column). The rows stream after the request's time zone is deactivated, so
    the zone is taken now."""
    writer = csv.writer(_Echo())
    zone = timezone.get_current_timezone()

    def lines() -> Iterable[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([_safe_cell(csv_value(cell, zone)) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def apply_errors(
    form: forms.BaseForm, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's errors on the form's fields: ``owner_id`` lands on ``owner``, names
    in ``aliases`` on their field, anything else on the form as a whole."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    aliases = {
        "next_action_due": "next_action_due_date",
        "lost_reason_id": "lost_reason",
        "member_ids": "members",
        **(aliases or {}),
    }
    for field, messages_ in error.message_dict.items():
        name = aliases.get(field, field)
        if name not in form.fields:
            name = field.removesuffix("_id")
        form.add_error(name if name in form.fields else None, messages_)


def conflict_response(request: HttpRequest, detail: str, url: str) -> HttpResponse:
    """Someone changed it first: say so and reload the page (409 for htmx requests)."""
    messages.error(request, detail)
    if getattr(request, "htmx", False):
        response = HttpResponse(status=409)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` URL of the request when it points at this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return default


def created_once(
    form: forms.BaseForm, *, user: User, scope: str, create: Callable[[], str]
) -> HttpResponse:
    """Redirect to what ``create`` made (it answers the new object's URL), once per form:
    a double submit, or ten at once, with the form's ``submission_key`` redirects to the
    first one's object. A ValidationError from ``create`` keeps nothing and propagates."""
    key = form.cleaned_data.get("submission_key") or ""
    if not key:
        return redirect(create())
    outcome = submit_once(
        user=user, scope=scope, key=key, handle=lambda: Outcome(302, location=create())
    )
    return redirect(outcome.location)
