"""The import wizard: upload, set up (columns, formats, values), check or import, follow."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from crm.http import csv_response, paginate, render_page
from imports import labels, selectors, services
from imports.forms import SetupForm, UploadForm
from imports.models import Kind, Status
from records import EditConflict


def _require(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_perm("crm.import_csv"):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else Kind.COMPANIES
    form = UploadForm(initial={"kind": kind})
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = services.import_create(
                    by=request.user,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error("file" if field not in form.fields else field, errors)
            else:
                return redirect("imports:import-detail", job.pk)
        status = 422
    context = {"form": form, **paginate(request, selectors.imports_for(request.user), 20)}
    return render(request, "imports/import_list.html", context, status=status)


def _setup_form(request: AuthenticatedHttpRequest, job, data=None) -> SetupForm:
    options = job.options or {}
    return SetupForm(
        data,
        kind=job.kind,
        columns=selectors.columns(job),
        file_values=selectors.file_values(job),
        initial={
            "date_order": options.get("date_order", "auto"),
            "decimal": options.get("decimal", "auto"),
            "on_duplicate": options.get("on_duplicate", "update"),
            "default_owner_id": options.get("default_owner_id"),
            "default_next_action": options.get("default_next_action", ""),
            "default_next_action_days": options.get("default_next_action_days", 2),
        },
    )


@require_http_methods(["GET", "POST"])
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A draft import's setup; once started, its progress (polled in place) and summary."""
    job = selectors.import_get_for_user(user=request.user, pk=pk)
    _require(request)
    context: dict = {"job": job}
    status = 200
    if job.status == Status.DRAFT and job.created_by_id == request.user.pk:
        form = _setup_form(request, job, request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.import_configure(
                        job=job,
                        by=request.user,
                        mapping=form.mapping(),
                        values=form.values(),
                        options=form.options(),
                    )
                    services.import_start(
                        job=job, by=request.user, dry_run=request.POST.get("action") == "check"
                    )
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                except EditConflict as error:
                    messages.error(request, str(error))
                else:
                    return redirect("imports:import-detail", job.pk)
            status = 422
        context["form"] = form
    elif request.method == "POST":
        if job.created_by_id != request.user.pk:
            raise PermissionDenied("Only who uploaded the file sets its import up.")
        return redirect("imports:import-detail", job.pk)
    else:
        context.update(paginate(request, job.problems.all(), 50, bounded=True))
    return render_page(
        request, "imports/import_detail.html", context, partial="import-progress", status=status
    )


@require_POST
def import_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_get_for_user(user=request.user, pk=pk)
    _require(request)
    try:
        services.import_cancel(job=job, by=request.user)
    except EditConflict as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The import is cancelled: nothing is imported.")
    return redirect("imports:import-detail", job.pk)


@require_POST
def import_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_get_for_user(user=request.user, pk=pk)
    _require(request)
    copy = services.import_again(job=job, by=request.user)
    return redirect("imports:import-detail", copy.pk)


@require_GET
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """Every problem of the import as a CSV file: row, the file's column, the Relay field
    (its label), value, message."""
    job = selectors.import_get_for_user(user=request.user, pk=pk)
    _require(request)
    rows = (
        [row, *labels.problem_place(job, column), value, message]
        for row, column, value, message in job.problems.values_list(
            "row", "column", "value", "message"
        ).iterator(2000)
    )
    header = ["row", "column", "field", "value", "message"]
    return csv_response(f"import-{job.pk}-errors.csv", header, rows)
