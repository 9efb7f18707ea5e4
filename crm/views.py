"""Browser views for the CRM: HTTP only; selectors read, services write."""

from typing import Any

import rules
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.utils import ErrorDict
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from accounts.formats import csv_money
from accounts.http import AuthenticatedHttpRequest
from crm import selectors, services
from crm.forms import (
    TRANSITION_FORMS,
    ActivityForm,
    BoardFilterForm,
    BulkReassignForm,
    CompanyForm,
    CompleteNextActionForm,
    ContactForm,
    DealFilterForm,
    DealForm,
    ReopenForm,
    TransitionForm,
)
from crm.http import (
    apply_errors,
    conflict_response,
    created_once,
    csv_response,
    paginate,
    render_page,
    render_partials,
    safe_next,
    wants_csv,
)
from crm.models import (
    OPEN_STAGES,
    PIPELINE,
    Deal,
    Stage,
    installation_currency,
    transition_between,
)
from crm.panels import company_panels, deal_panels
from inputs.numbers import query_ids, query_int, query_page
from inputs.picker import lookup_response
from inputs.text import clean_query_text
from records import EditConflict


def _require_perm(request: AuthenticatedHttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


# Deals -------------------------------------------------------------------------------

DETAIL = "crm/deal_detail.html"


@require_GET
def deal_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _require_perm(request, "crm.add_deal")
    form = DealFilterForm(request.GET or None)
    filters = selectors.DealFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.DealFilters(
            stage=data["stage"] or None,
            owner_id=data["owner"].pk if data["owner"] else None,
            source_id=data["source"].pk if data["source"] else None,
            q=data["q"] or None,
            overdue=data["overdue"],
            stale=data["stale"],
            sort=data["sort"] or "-updated_at",
        )
    deals = selectors.deal_list(user=request.user, filters=filters)
    if wants_csv(request):
        return csv_response(
            "deals.csv",
            [
                "id",
                "title",
                "company",
                "contact",
                "owner",
                "stage",
                "amount",
                "currency",
                "amount_base",
                "probability",
                "weighted_amount",
                "source",
                "expected_close_date",
                "next_action",
                "next_action_due_date",
                "next_action_due_time",
                "qualification_notes",
                "lost_reason",
                "lost_note",
                "won_at",
                "lost_at",
                "created_at",
                "updated_at",
            ],
            (
                [
                    d.pk,
                    d.title,
                    d.company.name,
                    d.contact.full_name if d.contact else "",
                    d.owner.username,
                    d.stage,
                    csv_money(d.amount),
                    d.currency,
                    csv_money(d.amount_base),
                    d.probability,
                    csv_money(d.weighted_amount),
                    d.source.name if d.source else "",
                    d.expected_close_date,
                    d.next_action,
                    d.next_action_due_date,
                    d.next_action_due_time,
                    d.qualification_notes,
                    d.lost_reason.name if d.lost_reason else "",
                    d.lost_note,
                    d.won_at,
                    d.lost_at,
                    d.created_at,
                    d.updated_at,
                ]
                for d in deals.iterator(chunk_size=2000)
            ),
        )
    can_reassign = rules.has_perm("crm.reassign_deal", request.user)
    context = {
        "filter_form": form,
        "can_reassign": can_reassign,
        "reassign_form": BulkReassignForm() if can_reassign else None,
        **paginate(request, deals),
    }
    return render_page(request, "crm/deal_list.html", context, partial="deal-table")


@require_POST
def deal_bulk_reassign(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Managers reassign several deals at once: all of them, or none (R1 via deal_update)."""
    _require_perm(request, "crm.reassign_deal")
    next_url = safe_next(request, reverse("crm:deal-list"))
    ids = query_ids(request.POST, "deal")
    owner_id = query_int(request.POST, "owner")
    owner = selectors.sales_users().filter(pk=owner_id).first() if owner_id else None
    if not ids or owner is None:
        messages.error(request, "Select at least one deal and the person to reassign them to.")
        return redirect(next_url)
    try:
        count = services.deal_bulk_reassign(
            deals=list(selectors.deal_visible_to(request.user).filter(pk__in=ids)),
            owner=owner,
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, "Nothing was reassigned: " + " ".join(error.messages))
    except EditConflict as error:
        messages.error(request, "Nothing was reassigned: " + error.detail)
    else:
        messages.success(request, f"{count} deal(s) reassigned to {owner.display_name}.")
    return redirect(next_url)


@require_http_methods(["GET", "POST"])
def deal_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_perm(request, "crm.add_deal")
    can_reassign = request.user.has_perm("crm.reassign_deal")
    initial = {}
    if request.GET.get("company"):
        initial["company"] = request.GET["company"]
    form = DealForm(request.POST or None, initial=initial, can_reassign=can_reassign)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            deal = services.deal_create(
                by=request.user,
                title=data["title"],
                company=data["company"],
                contact=data["contact"],
                owner=data.get("owner"),
                amount=data["amount"],
                currency=data["currency"] or None,
                source=data["source"],
                expected_close_date=data["expected_close_date"],
                qualification_notes=data["qualification_notes"],
                next_action=data["next_action"],
                next_action_due=form.next_action_due(request.user.zone),
            )
            messages.success(request, f"Deal “{deal.title}” created.")
            return reverse("crm:deal-detail", args=[deal.pk])

        try:
            return created_once(form, user=request.user, scope="crm:deal-create", create=create)
        except ValidationError as error:
            apply_errors(form, error)
    status = 422 if request.method == "POST" else 200
    return render_page(request, "crm/deal_form.html", {"form": form}, status=status)


def _deal_context(request: AuthenticatedHttpRequest, deal: Deal, **extra: Any) -> dict[str, Any]:
    user = request.user
    can_edit = user.has_perm("crm.change_deal", deal)
    transitions = []
    if can_edit or user.has_perm("crm.reopen_deal", deal):
        for move in PIPELINE.values():
            if deal.stage in move.sources:
                if move.name == "reopen" and not user.has_perm("crm.reopen_deal", deal):
                    continue
                if move.name != "reopen" and not can_edit:
                    continue
                transitions.append({"name": move.name, "target": Stage(move.target)})
    context = {
        "deal": deal,
        "panels": deal_panels(request, deal),
        "stage_steps": _stage_steps(deal),
        "can_edit": can_edit,
        "transitions": transitions,
        "timeline": selectors.deal_timeline(deal=deal),
        "activity_form": ActivityForm(),
        "complete_form": extra.pop("complete_form", None)
        or CompleteNextActionForm(initial={"version": deal.version}),
        "is_overdue": deal.is_overdue(),
    }
    context.update(extra)
    return context


def _stage_steps(deal: Deal) -> list[dict[str, Any]]:
    """The stepper: the stages the deal really passed are done. An open deal moves forward
    one stage at a time, so it passed every stage before its own; a closed one passed what
    its stage history says (a deal won from Proposal never was in Negotiation, a lost one
    not past where it was lost). A closed deal without history shows what is certain."""
    passed: list[str]
    if deal.is_open:
        passed = list(OPEN_STAGES[: OPEN_STAGES.index(deal.stage)])
    else:
        history = selectors.deal_stages_passed(deal=deal)
        if history is not None:
            passed = history
        elif deal.stage == Stage.WON:  # imported closed: a won deal was at least proposed
            passed = [Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL]
        else:  # and where a lost one stopped is unknown
            passed = []
    steps = [
        {
            "value": s,
            "label": s.label,
            "current": s == deal.stage,
            "done": s in passed,
            "skipped": not deal.is_open and s not in passed,
        }
        for s in OPEN_STAGES
    ]
    closing = Stage.LOST if deal.stage == Stage.LOST else Stage.WON
    steps.append(
        {
            "value": closing,
            "label": closing.label,
            "current": deal.stage == closing,
            "done": False,
            "skipped": False,
        }
    )
    return steps


@require_GET
def deal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    return deal_page(request, deal)


def deal_page(request: AuthenticatedHttpRequest, deal: Deal, *, status: int = 200) -> HttpResponse:
    """The whole deal page: also the answer of a refused form posted without htmx (a panel
    shows its own refused form from the request, see ``handoff.panels``)."""
    return render(request, DETAIL, _deal_context(request, deal), status=status)


@require_http_methods(["GET", "POST"])
def deal_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    _require_perm(request, "crm.change_deal", deal)
    can_reassign = request.user.has_perm("crm.reassign_deal")
    initial = {
        "version": deal.version,
        "title": deal.title,
        "company": deal.company_id,
        "contact": deal.contact_id,
        "owner": deal.owner_id,
        "amount": deal.amount,
        "currency": deal.currency,
        "source": deal.source_id,
        "expected_close_date": deal.expected_close_date,
        "qualification_notes": deal.qualification_notes,
        "next_action": deal.next_action,
        "next_action_due_date": deal.next_action_due_date,
        "next_action_due_time": deal.next_action_due_time,
    }
    form = DealForm(
        request.POST or None,
        initial=initial,
        can_reassign=can_reassign,
        won=deal.stage == Stage.WON,
    )
    if not deal.is_open:
        for name in ("next_action", "next_action_due_date"):
            form.fields[name].required = False
    company_before = deal.company_id
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in services.DEAL_FIELDS}
        if not fields["currency"]:  # not sent: the deal keeps its currency
            del fields["currency"]
        if deal.is_open or data["next_action"]:
            fields["next_action"] = data["next_action"]
            fields["next_action_due"] = (
                form.next_action_due(request.user.zone) if data["next_action_due_date"] else None
            )
        if can_reassign and data.get("owner"):
            fields["owner"] = data["owner"]
        try:
            deal = services.deal_update(
                deal=deal,
                by=request.user,
                version=data["version"],
                correction_reason=data.get("correction_reason") or "",
                **fields,
            )
        except EditConflict as error:
            return conflict_response(request, error.detail, reverse("crm:deal-detail", args=[pk]))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if request.htmx and deal.company_id == company_before:
                # In place: the details, the title and the next action (what an edit
                # changes); the form's own target is swapped for the whole card.
                context = _deal_context(request, deal, saved="Deal saved.")
                response = render_partials(
                    request,
                    DETAIL,
                    context,
                    partial="deal-fields",
                    oob=["deal-title", "next-action"],
                )
                return reswap(retarget(response, "#deal-fields"), "outerHTML")
            messages.success(request, "Deal saved.")
            if request.htmx:
                # Another company: the handoff panel's stakeholders change too; reload.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("crm:deal-detail", args=[deal.pk])
                return response
            return redirect("crm:deal-detail", pk=deal.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "deal": deal}
    return render_page(request, "crm/deal_form.html", context, partial="deal-form", status=status)


@require_POST
def deal_complete_next_action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    _require_perm(request, "crm.change_deal", deal)
    form = CompleteNextActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            deal = services.deal_complete_next_action(
                deal=deal,
                by=request.user,
                kind=data["kind"],
                outcome=data["outcome"],
                next_action=data["next_action"],
                next_action_due=form.next_action_due(request.user.zone),
                version=data["version"],
            )
        except EditConflict as error:
            return conflict_response(request, error.detail, reverse("crm:deal-detail", args=[pk]))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            saved = "Done. The next action is set."
            if request.htmx:
                # In place: the next action card, and the outcome at the top of the history.
                context = _deal_context(request, deal, saved=saved)
                return render_partials(
                    request, DETAIL, context, partial="next-action", oob=["timeline-entries"]
                )
            messages.success(request, saved)
            return redirect("crm:deal-detail", pk=deal.pk)
    context = _deal_context(request, deal, complete_form=form)
    return render_page(request, "crm/deal_detail.html", context, partial="next-action", status=422)


@require_POST
def deal_activity_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    _require_perm(request, "crm.add_deal")
    form = ActivityForm(request.POST)
    status, saved = 200, ""
    if form.is_valid():
        try:
            services.activity_create(by=request.user, deal=deal, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
            status = 422
        else:
            form = ActivityForm()
            saved = "Activity logged."
            if not request.htmx:
                messages.success(request, saved)
                return redirect("crm:deal-detail", pk=deal.pk)
    else:
        status = 422
    context = _deal_context(request, deal, activity_form=form, saved=saved)
    return render_page(request, "crm/deal_detail.html", context, partial="timeline", status=status)


def _transition_form_context(deal: Deal, name: str, form: Any, *, next_url: str) -> dict[str, Any]:
    return {
        "deal": deal,
        "transition": name,
        "target": Stage(PIPELINE[name].target),
        "form": form,
        "next_url": next_url,
    }


@require_http_methods(["GET", "POST"])
def deal_transition(request: AuthenticatedHttpRequest, pk: int, name: str) -> HttpResponse:
    """Fire a transition; a refusal answers the form for exactly the missing fields."""
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    if name not in services.TRANSITIONS:
        return HttpResponseBadRequest("Unknown transition.")
    if name == "win":
        return redirect(reverse("crm:deal-detail", args=[pk]) + "#handoff")
    perm = "crm.reopen_deal" if name == "reopen" else "crm.change_deal"
    _require_perm(request, perm, deal)
    next_url = safe_next(request, reverse("crm:deal-detail", args=[pk]))
    form_class = TRANSITION_FORMS.get(name)
    form = _transition_form(deal, name, request.POST or None) if form_class else None
    if request.method == "GET":
        return render_page(
            request,
            "crm/transition_form.html",
            _transition_form_context(deal, name, form, next_url=next_url),
            partial="transition-form",
        )
    params: dict[str, Any] = {}
    if form is not None:
        if not form.is_valid():
            context = _transition_form_context(deal, name, form, next_url=next_url)
            return render_page(
                request, "crm/transition_form.html", context, partial="transition-form", status=422
            )
        params = form.params()
        if isinstance(form, ReopenForm):
            params = {
                "next_action": params["next_action"],
                "next_action_due": form.next_action_due(request.user.zone),
            }
    try:
        deal = services.deal_transition(deal=deal, by=request.user, name=name, params=params)
    except EditConflict as error:
        return conflict_response(request, error.detail, next_url)
    except ValidationError as error:
        if form_class is None:
            messages.error(request, " ".join(error.messages))
            return _refresh(request, next_url, status=422)
        form = _transition_form(deal, name, request.POST)
        form.is_valid()
        apply_errors(form, error)
        context = _transition_form_context(deal, name, form, next_url=next_url)
        return render_page(
            request, "crm/transition_form.html", context, partial="transition-form", status=422
        )
    messages.success(request, f"“{deal.title}” moved to {deal.get_stage_display()}.")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = next_url
        return response
    return redirect(next_url)


def _transition_form(deal: Deal, name: str, data: Any = None) -> TransitionForm:
    """The transition's form: what the deal already has prefilled and optional, what its
    rule (``services.transition_errors``) finds missing asked for."""
    return TRANSITION_FORMS[name](
        data,
        initial=_transition_initial(deal, name),
        missing=services.transition_errors(deal, name),
    )


def _transition_initial(deal: Deal, name: str) -> dict[str, Any]:
    if name == "qualify":
        return {"qualification_notes": deal.qualification_notes}
    if name == "propose":
        return {
            "amount": deal.amount or None,
            "currency": deal.currency,
            "expected_close_date": deal.expected_close_date,
        }
    return {}


# Pipeline board ---------------------------------------------------------------------------


def _board_filters(
    request: AuthenticatedHttpRequest,
) -> tuple[BoardFilterForm, int | None, int | None]:
    form = BoardFilterForm(request.GET or None)
    owner_id = source_id = None
    if form.is_valid():
        owner_id = form.cleaned_data["owner"].pk if form.cleaned_data["owner"] else None
        source_id = form.cleaned_data["source"].pk if form.cleaned_data["source"] else None
    return form, owner_id, source_id


def _mark_movable(user: Any, deals: list[Deal]) -> None:
    """Set ``can_move`` on each card: ``crm.change_deal`` (``crm.reopen_deal`` for a lost
    one), asked once per owner and permission, since both rules read only the deal's owner
    (crm.rules: managers and admins, or the owning rep)."""
    answers: dict[tuple[str, int], bool] = {}
    for deal in deals:
        perm = "crm.reopen_deal" if deal.stage == Stage.LOST else "crm.change_deal"
        key = (perm, deal.owner_id)
        if key not in answers:
            answers[key] = user.has_perm(perm, deal)
        deal.can_move = answers[key]  # type: ignore[attr-defined]


@require_GET
def pipeline(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_perm(request, "crm.add_deal")
    form, owner_id, source_id = _board_filters(request)
    # How far each column is shown: ``page_<stage>`` (the board keeps its columns'
    # "Show more" across a reload), or ``column`` and ``page`` for the one asked for.
    page_for = {
        stage: query_page(request.GET, f"page_{stage}")
        for stage in Stage.values
        if f"page_{stage}" in request.GET
    }
    column = request.GET.get("column")
    if column in Stage.values:
        page_for[column] = query_page(request.GET)
    columns = selectors.pipeline_board(
        user=request.user, owner_id=owner_id, source_id=source_id, page_for=page_for
    )
    _mark_movable(request.user, [deal for c in columns for deal in c.deals])
    query = request.GET.copy()
    for key in ("column", "page", *(f"page_{stage}" for stage in Stage.values)):
        query.pop(key, None)
    context = {
        "columns": columns,
        "currency": installation_currency(),
        "filter_form": form,
        "filter_query": query.urlencode(),
        "open_stages": OPEN_STAGES,
        "stages": Stage,
    }
    if request.htmx and column in Stage.values:
        context["column"] = next(c for c in columns if c.stage == column)
        return render_page(request, "crm/pipeline.html", context, partial="board-column")
    return render_page(request, "crm/pipeline.html", context, partial="board")


@require_POST
def pipeline_move(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A card dropped on another column. Refused moves answer the form for the missing fields."""
    pk = query_int(request.POST, "deal", minimum=1)
    if pk is None:
        return HttpResponseBadRequest("Which deal?")
    deal = selectors.deal_get_for_user(user=request.user, pk=pk)
    to_stage = request.POST.get("stage", "")
    if to_stage == deal.stage:
        return HttpResponse(status=204)
    next_url = safe_next(request, reverse("crm:pipeline"))
    name = transition_between(deal.stage, to_stage)
    if name == "win":
        return _pipeline_win(request, deal)
    perm = "crm.reopen_deal" if name == "reopen" else "crm.change_deal"
    if not request.user.has_perm(perm, deal):
        raise PermissionDenied(
            "Only sales managers can reopen lost deals."
            if name == "reopen"
            else "You can only move your own deals."
        )
    version = query_int(request.POST, "version")
    try:
        deal = services.deal_move(deal=deal, by=request.user, to_stage=to_stage, version=version)
    except EditConflict as error:
        return conflict_response(request, error.detail, next_url)
    except ValidationError as error:
        if name in TRANSITION_FORMS:
            form = _transition_form(deal, name)
            form.cleaned_data, form._errors = {}, ErrorDict()  # type: ignore[attr-defined]
            apply_errors(form, error)
            context = _transition_form_context(deal, name, form, next_url=next_url)
            return render_page(
                request, "crm/transition_form.html", context, partial="transition-form", status=422
            )
        messages.error(request, " ".join(error.messages))
        return _refresh(request, next_url, status=422)
    moved = f"“{deal.title}” moved to {deal.get_stage_display()}."
    if request.htmx:
        # The board reloads itself and keeps focus on the card (static/crm/board.js).
        response = HttpResponse(status=204)
        return trigger_client_event(response, "deal-moved", {"deal": deal.pk, "message": moved})
    messages.success(request, moved)
    return _refresh(request, next_url)


def _pipeline_win(request: AuthenticatedHttpRequest, deal: Deal) -> HttpResponse:
    """A card dropped on Won: the deal's handoff panel (registered by the handoff app) in
    the board's dialog, where the win completes; without script, the deal page's panel."""
    if not request.user.has_perm("crm.change_deal", deal):
        raise PermissionDenied("You can only move your own deals.")
    if not request.htmx:
        return redirect(reverse("crm:deal-detail", args=[deal.pk]) + "#handoff")
    context = {"deal": deal, "panels": deal_panels(request, deal)}
    return render_page(request, "crm/pipeline.html", context, partial="win-dialog")


def _refresh(request: AuthenticatedHttpRequest, url: str, status: int = 200) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=status if status != 200 else 204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# Companies and contacts -------------------------------------------------------------------


@require_GET
def company_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _require_perm(request, "crm.view_company")
    q = clean_query_text(request.GET.get("q"))
    companies = selectors.company_list(user=request.user, q=q)
    # Only sales learn how many open deals a customer has.
    sales = request.user.has_perm("crm.add_deal")
    if wants_csv(request):
        return csv_response(
            "companies.csv",
            [
                "id",
                "name",
                "domain",
                "industry",
                "owner",
                *(["open_deals"] if sales else []),
                "created_at",
            ],
            (
                [
                    c.pk,
                    c.name,
                    c.domain,
                    c.industry,
                    c.owner.username,
                    *([c.open_deals] if sales else []),  # type: ignore[attr-defined]
                    c.created_at,
                ]
                for c in companies.iterator(chunk_size=2000)
            ),
        )
    context = {"q": q, "show_open_deals": sales, **paginate(request, companies)}
    return render_page(request, "crm/company_list.html", context, partial="company-table")


@require_http_methods(["GET", "POST"])
def company_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_perm(request, "crm.add_company")
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            company = services.company_create(
                by=request.user, name=data["name"], domain=data["domain"], industry=data["industry"]
            )
            messages.success(request, f"Company “{company.name}” created.")
            return reverse("crm:company-detail", args=[company.pk])

        try:
            return created_once(form, user=request.user, scope="crm:company-create", create=create)
        except ValidationError as error:
            apply_errors(form, error)
    status = 422 if request.method == "POST" else 200
    return render_page(request, "crm/company_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def company_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    company = selectors.company_get_for_user(user=request.user, pk=pk)
    _require_perm(request, "crm.change_company", company)
    initial = {
        "version": company.version,
        "name": company.name,
        "domain": company.domain,
        "industry": company.industry,
    }
    form = CompanyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            company = services.company_update(
                company=company,
                by=request.user,
                version=data["version"],
                name=data["name"],
                domain=data["domain"],
                industry=data["industry"],
            )
        except EditConflict as error:
            return conflict_response(
                request, error.detail, reverse("crm:company-detail", args=[pk])
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Company saved.")
            return redirect("crm:company-detail", pk=company.pk)
    status = 422 if request.method == "POST" else 200
    return render_page(
        request, "crm/company_form.html", {"form": form, "company": company}, status=status
    )


@require_GET
def company_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    company = selectors.company_get_for_user(user=request.user, pk=pk)
    deals = list(
        selectors.deal_visible_to(request.user).filter(company=company).order_by("-updated_at")[:50]
    )
    contacts = list(selectors.contact_list(user=request.user, company_id=company.pk)[:50])
    activities = list(selectors.activity_list(user=request.user, company=company)[:30])
    context = {
        "company": company,
        "deals": deals,
        "contacts": contacts,
        "activities": activities,
        "can_edit": request.user.has_perm("crm.change_company", company),
        "panels": company_panels(request, company),
    }
    return render_page(request, "crm/company_detail.html", context)


@require_GET
def company_check_domain(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_perm(request, "crm.add_company")
    domain = services.normalize_domain(clean_query_text(request.GET.get("domain"), 253))
    existing = selectors.company_domain_taken(domain, exclude_pk=query_int(request.GET, "exclude"))
    return render_page(
        request, "crm/company_form.html", {"existing": existing}, partial="domain-warning"
    )


@require_GET
def contact_list(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    _require_perm(request, "crm.view_contact")
    q = clean_query_text(request.GET.get("q"))
    contacts = selectors.contact_list(user=request.user, q=q)
    if wants_csv(request):
        return csv_response(
            "contacts.csv",
            [
                "id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "title",
                "company",
                "owner",
                "created_at",
            ],
            (
                [
                    c.pk,
                    c.first_name,
                    c.last_name,
                    c.email,
                    c.phone,
                    c.title,
                    c.company.name if c.company else "",
                    c.owner.username,
                    c.created_at,
                ]
                for c in contacts.iterator(chunk_size=2000)
            ),
        )
    context = {"q": q, **paginate(request, contacts)}
    return render_page(request, "crm/contact_list.html", context, partial="contact-table")


@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_perm(request, "crm.add_contact")
    initial = {"company": request.GET.get("company")} if request.GET.get("company") else {}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {
            k: v for k, v in form.cleaned_data.items() if k not in ("version", "submission_key")
        }

        def create() -> str:
            contact = services.contact_create(by=request.user, **data)
            messages.success(request, f"Contact “{contact.full_name}” created.")
            return reverse("crm:contact-detail", args=[contact.pk])

        try:
            return created_once(form, user=request.user, scope="crm:contact-create", create=create)
        except ValidationError as error:
            apply_errors(form, error)
    status = 422 if request.method == "POST" else 200
    return render_page(request, "crm/contact_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for_user(user=request.user, pk=pk)
    _require_perm(request, "crm.change_contact", contact)
    initial = {
        "version": contact.version,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "title": contact.title,
        "company": contact.company_id,
    }
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            contact = services.contact_update(
                contact=contact, by=request.user, version=version, **data
            )
        except EditConflict as error:
            return conflict_response(
                request, error.detail, reverse("crm:contact-detail", args=[pk])
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Contact saved.")
            return redirect("crm:contact-detail", pk=contact.pk)
    status = 422 if request.method == "POST" else 200
    return render_page(
        request, "crm/contact_form.html", {"form": form, "contact": contact}, status=status
    )


@require_GET
def contact_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for_user(user=request.user, pk=pk)
    deals = list(
        selectors.deal_visible_to(request.user).filter(contact=contact).order_by("-updated_at")[:50]
    )
    activities = list(selectors.activity_list(user=request.user, contact=contact)[:30])
    context = {
        "contact": contact,
        "deals": deals,
        "activities": activities,
        "can_edit": request.user.has_perm("crm.change_contact", contact),
    }
    return render_page(request, "crm/contact_detail.html", context)


@require_GET
def contact_check_email(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_perm(request, "crm.add_contact")
    existing = selectors.contact_email_taken(
        clean_query_text(request.GET.get("email"), 254),
        exclude_pk=query_int(request.GET, "exclude"),
    )
    return render_page(
        request, "crm/contact_form.html", {"existing": existing}, partial="email-warning"
    )


# Pickers: the suggestions of the searchable pickers (inputs.picker) ---------------------------
@require_GET
def company_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_perm(request, "crm.view_company")
    companies = selectors.company_choices(user=request.user, q=request.GET.get("q"))
    return lookup_response(
        request, companies, detail=lambda c: c.domain, empty="No company matches."
    )


@require_GET
def contact_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Contacts matching ``q``; only those of ``company`` when the form has one chosen."""
    _require_perm(request, "crm.view_contact")
    company_id = query_int(request.GET, "company")
    contacts = selectors.contact_choices(
        user=request.user, q=request.GET.get("q"), company_id=company_id
    )
    return lookup_response(
        request,
        contacts,
        detail=lambda c: c.email if company_id else (c.company.name if c.company else c.email),
        empty="No contact of this company matches." if company_id else "No contact matches.",
    )


@require_GET
def owner_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who a deal can be reassigned to: sales reps and managers."""
    _require_perm(request, "crm.reassign_deal")
    people = selectors.sales_user_choices(q=request.GET.get("q"))
    return lookup_response(
        request, people, label=lambda u: u.display_name, empty="No salesperson matches."
    )
