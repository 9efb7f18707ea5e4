"""The review list: unmatched emails, each attached to a deal or a company, or discarded."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from crm.http import paginate
from inbox import selectors, services
from inbox.forms import AssignForm
from inbox.models import Status
from inputs.numbers import query_int
from inputs.picker import lookup_response
from records import EditConflict

PAGE_SIZE = 20


def _require(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_perm("inbox.review_email"):
        raise PermissionDenied


@require_GET
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request)
    context = {
        "configured": services.is_configured(),
        "address": services.capture_address(),
        "state": selectors.mailbox_state(),
        **paginate(request, selectors.unmatched_for(user=request.user), PAGE_SIZE),
    }
    return render(request, "inbox/review_list.html", context)


@require_http_methods(["GET", "POST"])
def email_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One email: its text, and (while unmatched) the form that attaches it."""
    email = selectors.inbound_email_get_for_user(user=request.user, pk=pk)
    form = AssignForm(
        request.POST if request.method == "POST" else None, initial={"version": email.version}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.inbound_email_assign(
                    email=email,
                    by=request.user,
                    deal=data["deal"],
                    company=None if data["deal"] else data["company"],
                    version=data["version"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except EditConflict as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, "The email is in the timeline.")
                return redirect("inbox:review-list")
        status = 422
    context = {"email": email, "form": form, "unmatched": email.status == Status.UNMATCHED}
    return render(request, "inbox/email_detail.html", context, status=status)


@require_POST
def email_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    email = selectors.inbound_email_get_for_user(user=request.user, pk=pk)
    try:
        services.inbound_email_discard(
            email=email, by=request.user, version=query_int(request.POST, "version")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except EditConflict as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Discarded “{email.subject or '(no subject)'}”.")
    return redirect("inbox:review-list")


@require_GET
def deal_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The deals the attach form suggests: open ones first, the chosen company's only."""
    _require(request)
    deals = selectors.deal_choices(
        user=request.user, q=request.GET.get("q"), company_id=query_int(request.GET, "company")
    )
    return lookup_response(
        request,
        deals,
        label=lambda d: d.title,
        detail=lambda d: f"{d.company.name} · {d.get_stage_display()}",
        empty="No deal matches.",
    )
