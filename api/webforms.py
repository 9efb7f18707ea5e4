"""/api/v1: web forms. Admins set forms up (``forms``); anyone may submit one by its key
(``forms/{key}/submissions``, no token), as the script-free snippet does in HTML."""

import datetime as dt
from typing import Annotated, Any

from axes.helpers import get_client_ip_address
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from accounts.models import User
from api.auth import current_user
from api.errors import ONE, READ, WRITE, answers, error_body
from api.fields import Bool, Date, FilledLine, Id, Input, Line, MoneyOut, PathId, QueryId, Text
from api.lookups import related
from api.pagination import DEFAULT_LIMIT, Limit, Offset, Page, paginate
from crm.models import LeadSource, installation_currency
from dashboards import selectors as reports
from webforms import selectors, services, snippets
from webforms.models import WebForm
from webforms.services import Outcome

router = Router(tags=["webforms"])


class FormIn(Input):
    name: Annotated[str, FilledLine(100)]
    source_id: Id = Field(description="The lead source of this form's leads.")
    owner_ids: list[Id] = Field(
        description="Sales reps or managers who take the leads in turn (round robin).",
        min_length=1,
        max_length=200,
    )
    thank_you_text: Annotated[str, Text(1000)] | None = Field(
        None, description="Shown after a submission (default: a short thank-you)."
    )
    redirect_url: Annotated[str, Line(500)] = Field(
        "", description="An http(s) page to send people to after they submit, instead."
    )
    is_active: Bool = True


class FormOut(Schema):
    id: int
    key: str = Field(description="The form's public key, in its URLs.")
    name: str
    source_id: int
    owner_ids: list[int]
    is_active: bool
    thank_you_text: str
    redirect_url: str
    page_url: str = Field(description="The hosted page with the form.")
    submit_url: str = Field(description="Where the HTML snippet posts (form-encoded).")
    api_url: str = Field(description="Where a JSON submission is posted (no token).")
    snippet: str = Field(description="The script-free HTML to paste into a page.")
    created_at: dt.datetime
    version: int


class SubmissionIn(Input):
    company: Annotated[str, Line(200)] = ""
    first_name: Annotated[str, Line(100)] = ""
    last_name: Annotated[str, Line(100)] = ""
    email: Annotated[str, Line(254)] = ""
    phone: Annotated[str, Line(50)] = ""
    message: Annotated[str, Text(5000)] = ""
    utm_source: str = Field("", description="Names a lead source to use instead of the form's.")
    utm_medium: str = ""
    utm_campaign: str = Field("", description="Becomes the deal's campaign (100 characters).")
    website: str = Field("", description="The honeypot: leave it empty (a filled one is spam).")


class SubmissionOut(Schema):
    received: bool
    message: str


def _admin(request: HttpRequest) -> User:
    user = current_user(request)
    if not selectors.can_manage(user):
        raise PermissionDenied("Only admins set up web forms.")
    return user


def _out(form: WebForm) -> dict[str, Any]:
    return {
        "id": form.pk,
        "key": form.key,
        "name": form.name,
        "source_id": form.source_id,
        "owner_ids": [u.pk for u in form.owners.all()],
        "is_active": form.is_active,
        "thank_you_text": form.thank_you_text,
        "redirect_url": form.redirect_url,
        "page_url": snippets.page_url(form),
        "submit_url": snippets.submit_url(form),
        "api_url": snippets.api_url(form),
        "snippet": snippets.snippet(form),
        "created_at": form.created_at,
        "version": form.version,
    }


@router.get("forms", response=answers({200: Page[FormOut]}, *READ, 403))
def form_list(request: HttpRequest, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> dict:
    """Every web form (admins only), with its key, URLs and embeddable snippet."""
    _admin(request)
    page = paginate(selectors.form_list(), limit=limit, offset=offset)
    page["items"] = [_out(form) for form in page["items"]]
    return page


@router.post("forms", response=answers({201: FormOut}, *WRITE, 403))
def form_create(request: HttpRequest, payload: FormIn) -> Status:
    """A new web form (admins only): its leads take ``source_id`` and go to ``owner_ids``
    in turn."""
    user = _admin(request)
    source = related(LeadSource, payload.source_id, "source_id")
    owners = list(User.objects.filter(pk__in=payload.owner_ids).prefetch_related("groups"))
    missing = sorted(set(payload.owner_ids) - {u.pk for u in owners})
    if missing:
        raise ValidationError({"owner_ids": [f"No user with id {missing[0]}."]})
    form = services.webform_create(
        by=user,
        name=payload.name,
        source=source,
        owners=owners,
        thank_you_text=payload.thank_you_text,
        redirect_url=payload.redirect_url,
        is_active=payload.is_active,
    )
    return Status(201, _out(selectors.form_get(form.pk)))


@router.get("forms/{int:form_id}", response=answers({200: FormOut}, *ONE, 403))
def form_detail(request: HttpRequest, form_id: PathId) -> dict[str, Any]:
    _admin(request)
    return _out(selectors.form_get(form_id))


@router.post(
    "forms/{key}/submissions",
    auth=None,
    response={
        201: SubmissionOut,
        **dict.fromkeys((400, 404, 413, 422, 429), answers({})[401]),
    },
    summary="Submit a web form (no token)",
)
def form_submission_create(
    request: HttpRequest, key: str, payload: SubmissionIn, response: HttpResponse
) -> Status:
    """An enquiry through the form with this key, from any site: no token, no session.

    201 when it was received (a new lead, or, for the same email within a day, added to
    that lead; a filled honeypot is answered the same); 422 naming each bad field; 404 for an
    unknown or inactive key; 429 when this address sent too many (``Retry-After`` says when
    to try again). The referrer is the request's ``Referer`` header."""
    form = selectors.form_get_public(key)
    outcome: Outcome = services.submission_accept(
        form,
        payload.dict(),
        ip=get_client_ip_address(request),
        referrer=request.headers.get("Referer", ""),
    )
    if outcome.throttled:
        response["Retry-After"] = str(outcome.retry_after)
        return Status(
            429, error_body("Too many submissions from your address; try again in a minute.")
        )
    return Status(201, {"received": True, "message": form.thank_you_text})


class CampaignRow(Schema):
    source: str
    source_id: int | None
    campaign: str = Field(description="The leads' utm_campaign; empty for none.")
    leads: int
    won: int
    won_amount: MoneyOut
    currency: str = Field(description="The installation currency, that of every amount.")


@router.get(
    "reports/campaigns",
    response=answers({200: list[CampaignRow]}, *READ, 403),
    tags=["reports"],
)
def report_campaigns(
    request: HttpRequest,
    since: Date | None = None,
    until: Date | None = None,
    owner_id: QueryId | None = None,
) -> list[dict[str, Any]]:
    """Web-form leads created between ``since`` and ``until`` (inclusive, in your time zone)
    per lead source and campaign: how many, won, and won revenue (installation currency).
    Beside ``reports/sources``, which counts every deal per source."""
    user = current_user(request)
    if not reports.can_see_sales_dashboard(user):
        raise PermissionDenied("Sales reports are for sales and admins.")
    if since and until and since > until:
        raise ValidationError({"until": ["Must be on or after since."]})
    rows = selectors.leads_by_campaign(
        period=reports.Period(since, until), zone=user.zone, owner_id=owner_id
    )
    currency = installation_currency()
    return [{**row, "won_amount": f"{row['won_amount']}", "currency": currency} for row in rows]
