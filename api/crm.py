"""/api/v1 endpoints for the CRM: thin adapters over crm.services and crm.selectors."""

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from accounts.models import User
from api.auth import current_user
from api.errors import ONE, READ, WRITE, answers
from api.fields import (
    Currency,
    Date,
    DateTime,
    Due,
    FilledLine,
    FilledText,
    Id,
    Input,
    Line,
    Money,
    MoneyOut,
    PathId,
    QueryBool,
    QueryId,
    RateOut,
    Text,
    Version,
)
from api.idempotency import KeyHeader, created_once, key_header
from api.lookups import related
from api.pagination import (
    DEFAULT_LIMIT,
    CursorPage,
    Limit,
    Offset,
    Page,
    check_paging,
    paginate,
)
from crm import selectors, services
from crm.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    LeadSource,
    Stage,
    installation_currency,
)
from handoff import services as handoff_services
from handoff.selectors import deal_project_ids
from records.paging import cursor_for, page_rows, rows_after

router = Router(tags=["crm"])

Transition = Literal["qualify", "propose", "negotiate", "win", "lose", "reopen"]
TimelineKind = Literal["note", "call", "email", "meeting", "stage_change"]
SearchText = Annotated[str, Field(max_length=200)]
Cursor = Annotated[str, Field(max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class NamedOut(Schema):
    id: int
    name: str


class CompanyIn(Input):
    name: Annotated[str, FilledLine(200)]
    domain: Annotated[str, Line(253)] = ""
    industry: Annotated[str, Line(100)] = ""


class CompanyPatch(Input):
    name: Annotated[str, FilledLine(200)] = None  # type: ignore[assignment]
    domain: Annotated[str, Line(253)] = None  # type: ignore[assignment]
    industry: Annotated[str, Line(100)] = None  # type: ignore[assignment]
    owner_id: Id = None  # type: ignore[assignment]
    version: Version | None = None


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    owner_id: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactIn(Input):
    first_name: Annotated[str, FilledLine(100)]
    last_name: Annotated[str, Line(100)] = ""
    email: Annotated[str, Line(254)] = ""
    phone: Annotated[str, Line(50)] = ""
    title: Annotated[str, Line(150)] = ""
    company_id: Id | None = None


class ContactPatch(Input):
    first_name: Annotated[str, FilledLine(100)] = None  # type: ignore[assignment]
    last_name: Annotated[str, Line(100)] = None  # type: ignore[assignment]
    email: Annotated[str, Line(254)] = None  # type: ignore[assignment]
    phone: Annotated[str, Line(50)] = None  # type: ignore[assignment]
    title: Annotated[str, Line(150)] = None  # type: ignore[assignment]
    company_id: Id | None = None
    version: Version | None = None


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    title: str
    company_id: int | None
    owner_id: int
    version: int


class DealIn(Input):
    # R2: a new deal has a next action and its due date. They are required (the schema says
    # so), and crm.services.deal_create refuses a deal without them, naming both (422).
    model_config = ConfigDict(
        json_schema_extra={"required": ["title", "company_id", "next_action", "next_action_due"]}
    )

    title: Annotated[str, FilledLine(200)]
    company_id: Id
    contact_id: Id | None = None
    owner_id: Id | None = Field(None, description="Default: the caller.")
    amount: Money | None = None
    currency: Currency = Field(
        None,  # type: ignore[assignment]
        description="The amount's currency (ISO 4217). Default: the installation's.",
    )
    source_id: Id | None = None
    expected_close_date: Date | None = None
    qualification_notes: Annotated[str, Text()] = ""
    next_action: Annotated[str, FilledLine(255)] = ""
    next_action_due: Due = None  # type: ignore[assignment]


class DealPatch(Input):
    """``stage`` is read-only (a deal moves only through its transitions): sending it is
    refused with 422 naming ``stage``."""

    title: Annotated[str, FilledLine(200)] = None  # type: ignore[assignment]
    company_id: Id = None  # type: ignore[assignment]
    contact_id: Id | None = None
    owner_id: Id = None  # type: ignore[assignment]
    amount: Money = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    source_id: Id | None = None
    expected_close_date: Date | None = None
    qualification_notes: Annotated[str, Text()] = None  # type: ignore[assignment]
    next_action: Annotated[str, Line(255)] = None  # type: ignore[assignment]
    next_action_due: Due | None = None
    correction_reason: Annotated[str, Text()] = Field(
        "",
        description="A won deal's contact, amount, currency or owner change only as a sales "
        "manager's correction, with this reason (kept in its history).",
    )
    version: Version | None = None


class DealOut(Schema):
    id: int
    title: str
    company_id: int
    contact_id: int | None
    owner_id: int
    amount: MoneyOut = Field(description="In the deal's currency.")
    currency: str = Field(description="The deal's currency (ISO 4217).")
    amount_base: MoneyOut = Field(
        description="The amount in the installation currency (read-only): what totals and "
        "reports add up."
    )
    exchange_rate: RateOut = Field(
        description="The rate amount_base was converted at (read-only): the latest rate of "
        "the deal's currency valid today while it is open, on the day it was won or lost "
        "once closed; 1 for the installation currency."
    )
    source_id: int | None
    expected_close_date: dt.date | None
    qualification_notes: str
    next_action: str
    next_action_due: str | None = Field(
        description="A date (YYYY-MM-DD), or a datetime in the owner's zone when it has a time."
    )
    next_action_overdue: bool
    stage: Stage
    probability: int
    weighted_amount: MoneyOut = Field(description="In the deal's currency.")
    lost_reason_id: int | None
    lost_note: str
    won_at: dt.datetime | None
    lost_at: dt.datetime | None
    project_id: int | None = Field(
        None, description="The won deal's kickoff project, when the caller may open it."
    )
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TransitionIn(Input):
    """Optional: what the transition needs, saved in the same step (``qualify``:
    qualification_notes; ``propose``: amount, expected_close_date; ``lose``: lost_reason_id,
    note; ``win``: override_reason when the promise check fails; ``reopen``: next_action,
    next_action_due)."""

    version: Version | None = None
    lost_reason_id: Id | None = None
    note: Annotated[str, Text()] = ""
    override_reason: Annotated[str, Text()] = ""
    qualification_notes: Annotated[str, Text()] = None  # type: ignore[assignment]
    amount: Money = None  # type: ignore[assignment]
    expected_close_date: Date = None  # type: ignore[assignment]
    next_action: Annotated[str, Line(255)] = None  # type: ignore[assignment]
    next_action_due: Due = None  # type: ignore[assignment]


# An omitted body (no JSON at all) is a transition without options; JSON null is refused.
NO_OPTIONS = TransitionIn()


class CompleteIn(Input):
    # R2: completing asks for the next action in the same step. The schema requires them;
    # crm.services.deal_complete_next_action refuses without them, naming both (422).
    model_config = ConfigDict(
        json_schema_extra={"required": ["outcome", "next_action", "next_action_due"]}
    )

    outcome: Annotated[str, FilledText()] = ""
    next_action: Annotated[str, FilledLine(255)] = ""
    next_action_due: Due = None  # type: ignore[assignment]
    kind: ActivityKind = ActivityKind.NOTE
    version: Version | None = None


class ActivityIn(Input):
    kind: ActivityKind
    body: Annotated[str, FilledText()]
    occurred_at: DateTime = Field(None, description="Default: now.")  # type: ignore[assignment]


class ActivityOut(Schema):
    id: int
    kind: ActivityKind
    body: str
    occurred_at: dt.datetime
    author_id: int
    deal_id: int | None
    contact_id: int | None
    company_id: int | None


class TimelineOut(Schema):
    kind: TimelineKind
    at: dt.datetime
    user_id: int | None
    text: str
    from_stage: Stage | None
    to_stage: Stage | None


class PipelineRow(Schema):
    stage: Stage
    count: int
    total: MoneyOut
    weighted: MoneyOut
    currency: str = Field(description="The installation currency, that of every total.")


class DealFilterQuery(Schema):
    stage: Stage | Literal["open"] | None = None
    owner_id: QueryId | None = None
    company_id: QueryId | None = None
    source_id: QueryId | None = None
    q: SearchText | None = None
    overdue: QueryBool = False
    limit: Limit = DEFAULT_LIMIT
    offset: Offset = 0
    after: Cursor | None = None


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}"


def deal_out(deal: Deal, project_id: int | None = None) -> dict[str, Any]:
    due: str | None = None
    if deal.next_action_due_date:
        if deal.next_action_due_time is not None and deal.next_action_due_at is not None:
            due = deal.next_action_due_at.astimezone(deal.owner.zone).isoformat()
        else:
            due = deal.next_action_due_date.isoformat()
    return {
        "id": deal.pk,
        "title": deal.title,
        "company_id": deal.company_id,
        "contact_id": deal.contact_id,
        "owner_id": deal.owner_id,
        "amount": _money(deal.amount),
        "currency": deal.currency,
        "amount_base": _money(deal.amount_base),
        "exchange_rate": _rate(deal.exchange_rate),
        "source_id": deal.source_id,
        "expected_close_date": deal.expected_close_date,
        "qualification_notes": deal.qualification_notes,
        "next_action": deal.next_action,
        "next_action_due": due,
        "next_action_overdue": deal.is_overdue(),
        "stage": deal.stage,
        "probability": deal.probability,
        "weighted_amount": _money(deal.weighted_amount),
        "lost_reason_id": deal.lost_reason_id,
        "lost_note": deal.lost_note,
        "won_at": deal.won_at,
        "lost_at": deal.lost_at,
        "project_id": project_id,
        "version": deal.version,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def _require(request: HttpRequest, perm: str) -> User:
    user = current_user(request)
    if not user.has_perm(perm):
        raise PermissionDenied("Your role does not allow this.")
    return user


# Reference lists -------------------------------------------------------------------------


@router.get("lead-sources", response=answers({200: Page[NamedOut]}, *READ))
def lead_sources(request: HttpRequest, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> dict:
    current_user(request)
    return paginate(selectors.lead_source_list(), limit=limit, offset=offset)


@router.get("lost-reasons", response=answers({200: Page[NamedOut]}, *READ))
def lost_reasons(request: HttpRequest, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> dict:
    current_user(request)
    return paginate(selectors.lost_reason_list(), limit=limit, offset=offset)


# Companies ------------------------------------------------------------------------------


@router.get("companies", response=answers({200: Page[CompanyOut]}, *READ, 403))
def company_list(
    request: HttpRequest,
    q: SearchText | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict:
    user = _require(request, "crm.view_company")
    return paginate(selectors.company_list(user=user, q=q), limit=limit, offset=offset)


@router.post("companies", response=answers({201: CompanyOut}, *WRITE, 403))
def company_create(
    request: HttpRequest, payload: CompanyIn, idempotency_key: KeyHeader = key_header
) -> Status | HttpResponse:
    user = _require(request, "crm.add_company")
    return created_once(
        request,
        idempotency_key,
        CompanyOut,
        lambda: services.company_create(by=user, **payload.dict()),
    )


@router.get("companies/{int:company_id}", response=answers({200: CompanyOut}, *ONE))
def company_detail(request: HttpRequest, company_id: PathId) -> Company:
    return selectors.company_get_for_user(user=current_user(request), pk=company_id)


@router.patch(
    "companies/{int:company_id}", response=answers({200: CompanyOut}, *ONE, *WRITE, 403, 409)
)
def company_patch(request: HttpRequest, company_id: PathId, payload: CompanyPatch) -> Company:
    user = current_user(request)
    company = selectors.company_get_for_user(user=user, pk=company_id)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    if "owner_id" in fields:
        fields["owner"] = related(User, fields.pop("owner_id"), "owner_id")
    return services.company_update(company=company, by=user, version=version, **fields)


# Contacts -------------------------------------------------------------------------------


@router.get("contacts", response=answers({200: Page[ContactOut]}, *READ, 403))
def contact_list(
    request: HttpRequest,
    q: SearchText | None = None,
    company_id: QueryId | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict:
    user = _require(request, "crm.view_contact")
    return paginate(
        selectors.contact_list(user=user, q=q, company_id=company_id), limit=limit, offset=offset
    )


@router.post("contacts", response=answers({201: ContactOut}, *WRITE, 403))
def contact_create(
    request: HttpRequest, payload: ContactIn, idempotency_key: KeyHeader = key_header
) -> Status | HttpResponse:
    user = _require(request, "crm.add_contact")
    data = payload.dict()
    data["company"] = related(Company, data.pop("company_id"), "company_id")
    return created_once(
        request, idempotency_key, ContactOut, lambda: services.contact_create(by=user, **data)
    )


@router.get("contacts/{int:contact_id}", response=answers({200: ContactOut}, *ONE))
def contact_detail(request: HttpRequest, contact_id: PathId) -> Contact:
    return selectors.contact_get_for_user(user=current_user(request), pk=contact_id)


@router.patch(
    "contacts/{int:contact_id}", response=answers({200: ContactOut}, *ONE, *WRITE, 403, 409)
)
def contact_patch(request: HttpRequest, contact_id: PathId, payload: ContactPatch) -> Contact:
    user = current_user(request)
    contact = selectors.contact_get_for_user(user=user, pk=contact_id)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    if "company_id" in fields:
        fields["company"] = related(Company, fields.pop("company_id"), "company_id")
    return services.contact_update(contact=contact, by=user, version=version, **fields)


# Deals ----------------------------------------------------------------------------------


def _deal_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the API's ids into objects for the services (422 naming a missing one)."""
    fields = dict(data)
    for key, model in (
        ("company_id", Company),
        ("contact_id", Contact),
        ("source_id", LeadSource),
        ("owner_id", User),
    ):
        if key in fields:
            fields[key.removesuffix("_id")] = related(model, fields.pop(key), key)
    return fields


@router.get("deals", response=answers({200: CursorPage[DealOut]}, *READ))
def deal_list(request: HttpRequest, filters: Query[DealFilterQuery]) -> dict:
    user = current_user(request)
    qs = selectors.deal_list(
        user=user,
        filters=selectors.DealFilters(
            stage=filters.stage,
            owner_id=filters.owner_id,
            source_id=filters.source_id,
            company_id=filters.company_id,
            q=filters.q,
            overdue=filters.overdue,
        ),
    )
    check_paging(filters.limit, filters.offset)
    count = qs.count()
    rest = rows_after(qs, filters.after) if filters.after else qs
    deals = page_rows(rest, offset=filters.offset, limit=filters.limit) if count else []
    projects = deal_project_ids(user=user, deal_ids=[d.pk for d in deals])
    return {
        "items": [deal_out(d, projects.get(d.pk)) for d in deals],
        "count": count,
        "next_after": cursor_for(deals[-1]) if len(deals) == filters.limit else None,
    }


@router.post("deals", response=answers({201: DealOut}, *WRITE, 403))
def deal_create(
    request: HttpRequest, payload: DealIn, idempotency_key: KeyHeader = key_header
) -> Status | HttpResponse:
    user = _require(request, "crm.add_deal")
    fields = _deal_fields(payload.dict())
    return created_once(
        request,
        idempotency_key,
        DealOut,
        lambda: deal_out(services.deal_create(by=user, **fields)),
    )


@router.get("deals/{int:deal_id}", response=answers({200: DealOut}, *ONE))
def deal_detail(request: HttpRequest, deal_id: PathId) -> dict:
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    return deal_out(deal, deal_project_ids(user=user, deal_ids=[deal.pk]).get(deal.pk))


def _sent_fields(request: HttpRequest) -> set[str]:
    body = json.loads(request.body or b"{}")
    return set(body) if isinstance(body, dict) else set()


@router.patch("deals/{int:deal_id}", response=answers({200: DealOut}, *ONE, *WRITE, 403, 409))
def deal_patch(request: HttpRequest, deal_id: PathId, payload: DealPatch) -> dict:
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    fields = _deal_fields(data)
    if "stage" in _sent_fields(request):
        fields["stage"] = "sent"  # refused by the service (after its permission check)
    deal = services.deal_update(deal=deal, by=user, version=version, **fields)
    return deal_out(deal, deal_project_ids(user=user, deal_ids=[deal.pk]).get(deal.pk))


@router.post(
    "deals/{int:deal_id}/transitions/{name}",
    response=answers({200: DealOut}, *ONE, *WRITE, 403, 409),
)
def deal_transition(
    request: HttpRequest,
    deal_id: PathId,
    name: Transition,
    payload: TransitionIn = NO_OPTIONS,
) -> dict:
    """Move the deal along the pipeline (R3, R4). The body is optional; a refusal names the
    failing fields (422). ``win`` goes through the handoff gate (R5-R7)."""
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    params = payload.dict(exclude_unset=True)
    version = params.pop("version", None)
    if name == "win":
        # The handoff gate is the only way to win (R5-R7, and R6's project).
        deal = handoff_services.deal_win(
            deal=deal, by=user, override_reason=params.get("override_reason", ""), version=version
        )
    else:
        deal = services.deal_transition(
            deal=deal, by=user, name=name, params=params, version=version
        )
    return deal_out(deal, deal_project_ids(user=user, deal_ids=[deal.pk]).get(deal.pk))


@router.post(
    "deals/{int:deal_id}/next-action/complete",
    response=answers({200: DealOut}, *ONE, *WRITE, 403, 409),
)
def deal_complete(request: HttpRequest, deal_id: PathId, payload: CompleteIn) -> dict:
    """R2: record the outcome in the deal's history and set the next action in one step."""
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    deal = services.deal_complete_next_action(
        deal=deal,
        by=user,
        outcome=payload.outcome,
        kind=payload.kind,
        next_action=payload.next_action,
        next_action_due=payload.next_action_due,
        version=payload.version,
    )
    return deal_out(deal, deal_project_ids(user=user, deal_ids=[deal.pk]).get(deal.pk))


@router.get(
    "deals/{int:deal_id}/activities", response=answers({200: Page[ActivityOut]}, *ONE, *READ)
)
def deal_activities(
    request: HttpRequest, deal_id: PathId, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict:
    deal = selectors.deal_get_for_user(user=current_user(request), pk=deal_id)
    return paginate(
        Activity.objects.filter(deal=deal).order_by("-occurred_at", "-pk"),
        limit=limit,
        offset=offset,
    )


@router.post(
    "deals/{int:deal_id}/activities", response=answers({201: ActivityOut}, *ONE, *WRITE, 403)
)
def deal_activity_create(
    request: HttpRequest,
    deal_id: PathId,
    payload: ActivityIn,
    idempotency_key: KeyHeader = key_header,
) -> Status | HttpResponse:
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    return created_once(
        request,
        idempotency_key,
        ActivityOut,
        lambda: services.activity_create(by=user, deal=deal, **payload.dict()),
    )


@router.get("deals/{int:deal_id}/timeline", response=answers({200: Page[TimelineOut]}, *ONE, *READ))
def deal_timeline(
    request: HttpRequest, deal_id: PathId, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict:
    """Activities and stage changes, newest first."""
    deal = selectors.deal_get_for_user(user=current_user(request), pk=deal_id)
    check_paging(limit, offset)
    count = Activity.objects.filter(deal=deal).count() + deal.stage_changes.count()
    entries = (
        selectors.deal_timeline(deal=deal, limit=offset + limit)[offset:] if offset < count else []
    )
    items = [
        {
            "kind": e.kind,
            "at": e.at,
            "user_id": e.user.pk if e.user else None,
            "text": e.text,
            "from_stage": e.from_stage,
            "to_stage": e.to_stage,
        }
        for e in entries
    ]
    return {"items": items, "count": count}


# Reports ---------------------------------------------------------------------------------


@router.get("reports/pipeline", response=answers({200: list[PipelineRow]}, *READ, 403))
def report_pipeline(request: HttpRequest, owner_id: QueryId | None = None) -> list[dict]:
    """Per stage: count, total and weighted total, in the installation currency."""
    user = _require(request, "crm.add_deal")
    totals = selectors.pipeline_totals(user=user, owner_id=owner_id)
    currency = installation_currency()
    return [
        {
            "stage": stage,
            "count": row["count"],
            "total": _money(row["total"]),
            "weighted": _money(row["weighted"]),
            "currency": currency,
        }
        for stage, row in totals.items()
    ]
