"""/api/v1 endpoints for the CRM: thin adapters over crm.services and crm.selectors."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from accounts.models import User
from api.auth import current_user
from api.lookups import related
from api.pagination import Page, paginate
from crm import selectors, services
from crm.models import (
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    LeadSource,
    Stage,
)
from handoff import services as handoff_services
from handoff.models import Handoff

router = Router(tags=["crm"])
MAX_TEXT = 5000


class NamedOut(Schema):
    id: int
    name: str


class CompanyIn(Schema):
    name: str = Field(..., max_length=200)
    domain: str = Field("", max_length=253)
    industry: str = Field("", max_length=100)


class CompanyPatch(Schema):
    name: str | None = Field(None, max_length=200)
    domain: str | None = Field(None, max_length=253)
    industry: str | None = Field(None, max_length=100)
    owner_id: int | None = None
    version: int | None = None


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    owner_id: int
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactIn(Schema):
    first_name: str = Field(..., max_length=100)
    last_name: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=50)
    title: str = Field("", max_length=150)
    company_id: int | None = None


class ContactPatch(Schema):
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=50)
    title: str | None = Field(None, max_length=150)
    company_id: int | None = None
    version: int | None = None


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


class DealIn(Schema):
    title: str = Field(..., max_length=200)
    company_id: int
    contact_id: int | None = None
    owner_id: int | None = None
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    source_id: int | None = None
    expected_close_date: dt.date | None = None
    qualification_notes: str = Field("", max_length=MAX_TEXT)
    next_action: str = Field("", max_length=255)
    next_action_due: str | None = Field(
        None, description="A date (YYYY-MM-DD) or an ISO 8601 datetime."
    )


class DealPatch(Schema):
    title: str | None = Field(None, max_length=200)
    company_id: int | None = None
    contact_id: int | None = None
    owner_id: int | None = None
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    source_id: int | None = None
    expected_close_date: dt.date | None = None
    qualification_notes: str | None = Field(None, max_length=MAX_TEXT)
    next_action: str | None = Field(None, max_length=255)
    next_action_due: str | None = None
    stage: str | None = Field(None, description="Read-only: use the transitions.")
    version: int | None = Field(None, description="The version you read; 409 if it changed since.")


class DealOut(Schema):
    id: int
    title: str
    company_id: int
    contact_id: int | None
    owner_id: int
    amount: str
    currency: str
    source_id: int | None
    expected_close_date: dt.date | None
    qualification_notes: str
    next_action: str
    next_action_due: str | None
    next_action_overdue: bool
    stage: str
    probability: int
    weighted_amount: str
    lost_reason_id: int | None
    lost_note: str
    won_at: dt.datetime | None
    lost_at: dt.datetime | None
    project_id: int | None = None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TransitionIn(Schema):
    version: int | None = Field(None, description="The version you read; 409 if it changed since.")
    lost_reason_id: int | None = None
    note: str = Field("", max_length=MAX_TEXT)
    override_reason: str = Field("", max_length=MAX_TEXT)
    qualification_notes: str | None = Field(None, max_length=MAX_TEXT)
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    expected_close_date: dt.date | None = None
    next_action: str | None = Field(None, max_length=255)
    next_action_due: str | None = None


class CompleteIn(Schema):
    outcome: str = Field(..., max_length=MAX_TEXT)
    next_action: str = Field(..., max_length=255)
    next_action_due: str
    kind: str = ActivityKind.NOTE


class ActivityIn(Schema):
    kind: str
    body: str = Field(..., max_length=MAX_TEXT)
    occurred_at: dt.datetime | None = None

    @field_validator("kind")
    @classmethod
    def known_kind(cls, value: str) -> str:
        if value not in ActivityKind.values:
            raise ValueError(f"Choose one of {', '.join(ActivityKind.values)}.")
        return value


class ActivityOut(Schema):
    id: int
    kind: str
    body: str
    occurred_at: dt.datetime
    author_id: int
    deal_id: int | None
    contact_id: int | None
    company_id: int | None


class TimelineOut(Schema):
    kind: str
    at: dt.datetime
    user_id: int | None
    text: str
    from_stage: str | None
    to_stage: str | None


class PipelineRow(Schema):
    stage: str
    count: int
    total: str
    weighted: str


class DealFilterQuery(Schema):
    stage: str | None = None
    owner_id: int | None = None
    company_id: int | None = None
    source_id: int | None = None
    q: str | None = Field(None, max_length=200)
    overdue: bool = False
    limit: int = 50
    offset: int = 0


def parse_due(value: str | None, field: str = "next_action_due") -> dt.date | dt.datetime | None:
    """A date (YYYY-MM-DD) or an ISO 8601 datetime with its offset."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            date = parse_date(value)
            if date is not None:
                return date
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({field: ["Use a date (YYYY-MM-DD) or an ISO 8601 datetime."]})
    if timezone.is_naive(moment):
        raise ValidationError(
            {field: ["A datetime needs a UTC offset, e.g. 2026-12-01T09:30:00+01:00."]}
        )
    return moment


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def project_ids(deal_ids: list[int]) -> dict[int, int]:
    """The kickoff project of each won deal (one query for a page of deals)."""
    return dict(
        Handoff.objects.filter(deal_id__in=deal_ids, project__isnull=False).values_list(
            "deal_id", "project_id"
        )
    )


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
        "currency": settings.RELAY_CURRENCY,
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


@router.get("lead-sources", response=Page[NamedOut])
def lead_sources(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict:
    current_user(request)
    return paginate(selectors.lead_source_list(), limit=limit, offset=offset)


@router.get("lost-reasons", response=Page[NamedOut])
def lost_reasons(request: HttpRequest, limit: int = 50, offset: int = 0) -> dict:
    current_user(request)
    return paginate(selectors.lost_reason_list(), limit=limit, offset=offset)


# Companies ------------------------------------------------------------------------------


@router.get("companies", response=Page[CompanyOut])
def company_list(
    request: HttpRequest, q: str | None = None, limit: int = 50, offset: int = 0
) -> dict:
    user = _require(request, "crm.view_company")
    return paginate(selectors.company_list(user=user, q=q), limit=limit, offset=offset)


@router.post("companies", response={201: CompanyOut})
def company_create(request: HttpRequest, payload: CompanyIn) -> Status:
    user = _require(request, "crm.add_company")
    return Status(201, services.company_create(by=user, **payload.dict()))


@router.get("companies/{int:company_id}", response=CompanyOut)
def companyrelated(request: HttpRequest, company_id: int) -> Company:
    return selectors.company_get_for_user(user=current_user(request), pk=company_id)


@router.patch("companies/{int:company_id}", response=CompanyOut)
def company_patch(request: HttpRequest, company_id: int, payload: CompanyPatch) -> Company:
    user = current_user(request)
    company = selectors.company_get_for_user(user=user, pk=company_id)
    fields = payload.dict(exclude_unset=True)
    version = fields.pop("version", None)
    if "owner_id" in fields:
        fields["owner"] = related(User, fields.pop("owner_id"), "owner_id")
    return services.company_update(company=company, by=user, version=version, **fields)


# Contacts -------------------------------------------------------------------------------


@router.get("contacts", response=Page[ContactOut])
def contact_list(
    request: HttpRequest,
    q: str | None = None,
    company_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict:
    user = _require(request, "crm.view_contact")
    return paginate(
        selectors.contact_list(user=user, q=q, company_id=company_id), limit=limit, offset=offset
    )


@router.post("contacts", response={201: ContactOut})
def contact_create(request: HttpRequest, payload: ContactIn) -> Status:
    user = _require(request, "crm.add_contact")
    data = payload.dict()
    data["company"] = related(Company, data.pop("company_id"), "company_id")
    return Status(201, services.contact_create(by=user, **data))


@router.get("contacts/{int:contact_id}", response=ContactOut)
def contactrelated(request: HttpRequest, contact_id: int) -> Contact:
    return selectors.contact_get_for_user(user=current_user(request), pk=contact_id)


@router.patch("contacts/{int:contact_id}", response=ContactOut)
def contact_patch(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Contact:
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
    if "next_action_due" in fields:
        fields["next_action_due"] = parse_due(fields["next_action_due"])
    return fields


@router.get("deals", response=Page[DealOut])
def deal_list(request: HttpRequest, filters: Query[DealFilterQuery]) -> dict:
    user = current_user(request)
    if filters.stage and filters.stage not in Stage.values and filters.stage != "open":
        raise ValidationError({"stage": [f"Choose one of {', '.join(Stage.values)}."]})
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
    page = paginate(qs, limit=filters.limit, offset=filters.offset)
    projects = project_ids([d.pk for d in page["items"]])
    page["items"] = [deal_out(d, projects.get(d.pk)) for d in page["items"]]
    return page


@router.post("deals", response={201: DealOut})
def deal_create(request: HttpRequest, payload: DealIn) -> Status:
    user = _require(request, "crm.add_deal")
    fields = _deal_fields(payload.dict())
    if fields.get("company") is None:
        raise ValidationError({"company_id": ["A deal belongs to a company."]})
    deal = services.deal_create(by=user, **fields)
    return Status(201, deal_out(deal))


@router.get("deals/{int:deal_id}", response=DealOut)
def dealrelated(request: HttpRequest, deal_id: int) -> dict:
    deal = selectors.deal_get_for_user(user=current_user(request), pk=deal_id)
    return deal_out(deal, project_ids([deal.pk]).get(deal.pk))


@router.patch("deals/{int:deal_id}", response=DealOut)
def deal_patch(request: HttpRequest, deal_id: int, payload: DealPatch) -> dict:
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    data = payload.dict(exclude_unset=True)
    if "stage" in data:
        raise ValidationError(
            {"stage": ["The stage is read-only; use POST deals/{id}/transitions/{name}."]}
        )
    version = data.pop("version", None)
    if "company_id" in data and data["company_id"] is None:
        raise ValidationError({"company_id": ["A deal belongs to a company."]})
    fields = _deal_fields(data)
    deal = services.deal_update(deal=deal, by=user, version=version, **fields)
    return deal_out(deal)


@router.post("deals/{int:deal_id}/transitions/{name}", response=DealOut)
def deal_transition(
    request: HttpRequest, deal_id: int, name: str, payload: TransitionIn | None = None
) -> dict:
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    if name not in services.TRANSITIONS:
        raise Http404
    params = payload.dict(exclude_unset=True) if payload else {}
    version = params.pop("version", None)
    if "next_action_due" in params:
        params["next_action_due"] = parse_due(params["next_action_due"])
    if name == "win":
        # The handoff gate is the only way to win (R5-R7, and R6's project).
        deal = handoff_services.deal_win(
            deal=deal, by=user, override_reason=params.get("override_reason", ""), version=version
        )
    else:
        deal = services.deal_transition(
            deal=deal, by=user, name=name, params=params, version=version
        )
    return deal_out(deal, project_ids([deal.pk]).get(deal.pk))


@router.post("deals/{int:deal_id}/next-action/complete", response=DealOut)
def deal_complete(request: HttpRequest, deal_id: int, payload: CompleteIn) -> dict:
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    deal = services.deal_complete_next_action(
        deal=deal,
        by=user,
        outcome=payload.outcome,
        kind=payload.kind,
        next_action=payload.next_action,
        next_action_due=parse_due(payload.next_action_due),
    )
    return deal_out(deal)


@router.get("deals/{int:deal_id}/activities", response=Page[ActivityOut])
def deal_activities(request: HttpRequest, deal_id: int, limit: int = 50, offset: int = 0) -> dict:
    deal = selectors.deal_get_for_user(user=current_user(request), pk=deal_id)
    return paginate(
        Activity.objects.filter(deal=deal).order_by("-occurred_at", "-pk"),
        limit=limit,
        offset=offset,
    )


@router.post("deals/{int:deal_id}/activities", response={201: ActivityOut})
def deal_activity_create(request: HttpRequest, deal_id: int, payload: ActivityIn) -> Status:
    user = current_user(request)
    deal = selectors.deal_get_for_user(user=user, pk=deal_id)
    return Status(201, services.activity_create(by=user, deal=deal, **payload.dict()))


@router.get("deals/{int:deal_id}/timeline", response=list[TimelineOut])
def deal_timeline(request: HttpRequest, deal_id: int) -> list[dict]:
    deal = selectors.deal_get_for_user(user=current_user(request), pk=deal_id)
    return [
        {
            "kind": e.kind,
            "at": e.at,
            "user_id": e.user.pk if e.user else None,
            "text": e.text,
            "from_stage": e.from_stage,
            "to_stage": e.to_stage,
        }
        for e in selectors.deal_timeline(deal=deal)
    ]


# Reports ---------------------------------------------------------------------------------


@router.get("reports/pipeline", response=list[PipelineRow])
def report_pipeline(request: HttpRequest, owner_id: int | None = None) -> list[dict]:
    user = _require(request, "crm.add_deal")
    totals = selectors.pipeline_totals(user=user, owner_id=owner_id)
    return [
        {
            "stage": stage,
            "count": row["count"],
            "total": _money(row["total"]),
            "weighted": _money(row["weighted"]),
        }
        for stage, row in totals.items()
    ]
