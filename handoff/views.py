"""The handoff panel's endpoints: save a draft, check the promise live, win."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from crm import selectors as crm_selectors
from crm import views as crm_views
from crm.http import apply_errors, conflict_response, render_page
from handoff import selectors, services
from handoff.forms import HandoffForm, PromiseCheckForm, WinForm
from inputs.picker import lookup_response
from records import EditConflict

PANEL = "handoff/_deal_panel.html"


def _panel(
    request: AuthenticatedHttpRequest, deal, form=None, status: int = 200, saved: str = ""
) -> HttpResponse:
    if not request.htmx:  # the whole deal page, its panel showing this form
        request.handoff_form = form  # type: ignore[attr-defined]
        return crm_views.deal_page(request, deal, status=status)
    context = selectors.handoff_panel_context(user=request.user, deal=deal, form=form)
    context["saved"] = saved
    return render_page(request, PANEL, context, partial="handoff-panel", status=status)


@require_GET
def handoff_panel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The deal's handoff panel alone (the form with the live promise check and the win
    button, for those who may edit it), for htmx to put anywhere: the deal page's sidebar,
    or a dialog on the board when a card is dropped on Won. Its forms answer in place
    (``#handoff``); a win lands on the new project (``HX-Redirect``). Without htmx: the
    deal page at its panel."""
    deal = crm_selectors.deal_get_for_user(user=request.user, pk=pk)
    if not request.htmx:
        return redirect(reverse("crm:deal-detail", args=[pk]) + "#handoff")
    return _panel(request, deal)


def _deal_for_edit(request: AuthenticatedHttpRequest, pk: int):
    deal = crm_selectors.deal_get_for_user(user=request.user, pk=pk)
    if not request.user.has_perm("crm.change_deal", deal):
        raise PermissionDenied("Only the deal's owner or a sales manager can edit its handoff.")
    return deal


@require_POST
def handoff_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = _deal_for_edit(request, pk)
    form = HandoffForm(request.POST, deal=deal)
    if not form.is_valid():
        return _panel(request, deal, form, status=422)
    try:
        services.handoff_save_draft(
            deal=deal,
            by=request.user,
            version=form.cleaned_data["version"],
            **form.service_fields(),
        )
    except EditConflict as error:
        return conflict_response(
            request, error.detail, reverse("crm:deal-detail", args=[pk]) + "#handoff"
        )
    except ValidationError as error:
        apply_errors(form, error)
        return _panel(request, deal, form, status=422)
    saved = "Handoff draft saved."
    if request.htmx:
        return _panel(request, deal, saved=saved)
    messages.success(request, saved)
    return redirect(reverse("crm:deal-detail", args=[pk]) + "#handoff")


@require_POST
def handoff_win(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save the handoff and win in one step; on success, land on the new project."""
    deal = _deal_for_edit(request, pk)
    form = WinForm(request.POST, deal=deal)
    if not form.is_valid():
        return _panel(request, deal, form, status=422)
    try:
        services.deal_win(
            deal=deal,
            by=request.user,
            override_reason=form.cleaned_data["override_reason"],
            **form.service_fields(),
        )
    except EditConflict as error:
        return conflict_response(request, error.detail, reverse("crm:deal-detail", args=[pk]))
    except ValidationError as error:
        apply_errors(form, error)
        return _panel(request, deal, form, status=422)
    handoff = services.handoff_for(deal)
    messages.success(request, f"“{deal.title}” is won. Its kickoff project starts here.")
    url = reverse("projects:project-detail", args=[handoff.project_id])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_GET
def promise_check(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live promise check as the user edits kickoff date, template or promise."""
    deal = crm_selectors.deal_get_for_user(user=request.user, pk=pk)
    query = PromiseCheckForm(request.GET)
    check = services.promise_check(
        template=query.value("template"),
        kickoff_date=query.value("kickoff_date"),
        promised_date=query.value("promised_date"),
    )
    context = {
        "deal": deal,
        "check": check,
        "can_win": request.user.has_perm("crm.change_deal", deal),
        "override_value": query.value("override_reason") or "",
    }
    return render_page(request, PANEL, context, partial="promise-check")


@require_GET
def delivery_lead_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The handoff's delivery lead picker: delivery leads only, as the handoff requires (R5)."""
    if not request.user.has_perm("crm.add_deal"):
        raise PermissionDenied("Only sales fill in a handoff.")
    leads = selectors.delivery_lead_choices(q=request.GET.get("q"))
    return lookup_response(
        request, leads, label=lambda u: u.display_name, empty="No delivery lead matches."
    )
