"""/api/v1 endpoints for the handoff: the R5 fields, the promise check (R7), winning."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts.models import User
from api.auth import current_user
from api.errors import ONE, WRITE, answers
from api.fields import Date, Id, Input, PathId, Text, Version
from api.lookups import related
from crm import selectors as crm_selectors
from crm.models import Contact, Deal
from handoff import services
from handoff.models import Handoff
from handoff.selectors import deal_project_ids
from projects.models import ProjectTemplate

router = Router(tags=["handoff"])


class HandoffIn(Input):
    """The R5 fields to save in the draft (each may be left out; ids and dates may be null to
    clear them). Completeness is checked as a whole at ``win``."""

    scope_summary: Annotated[str, Text()] = None  # type: ignore[assignment]
    promised_date: Date | None = None
    promised_timeline: Annotated[str, Text()] = None  # type: ignore[assignment]
    key_constraints: Annotated[str, Text()] = None  # type: ignore[assignment]
    main_stakeholder_id: Id | None = None
    kickoff_date: Date | None = None
    template_id: Id | None = None
    delivery_lead_id: Id | None = None
    version: Version | None = None


class HandoffOut(Schema):
    deal_id: int
    scope_summary: str
    promised_date: dt.date | None
    promised_timeline: str
    key_constraints: str
    main_stakeholder_id: int | None
    kickoff_date: dt.date | None
    template_id: int | None
    delivery_lead_id: int | None
    override_reason: str
    project_id: int | None = Field(description="The kickoff project, when the caller may open it.")
    missing: list[str]
    version: int | None


class PromiseCheckOut(Schema):
    """R7 for the handoff's template and kickoff date. With too little history (fewer than
    5 finished projects of the template) the plain check: ``ok`` is whether the plan finishes
    by the promise and the forecast fields are null. With enough, ``ok`` is whether the
    chance of finishing by the promise reaches the admin's threshold (``min_probability``);
    a win below it needs an ``override_reason``."""

    planned_finish: dt.date | None
    promised_date: dt.date | None
    ok: bool | None = Field(description="Null until template, kickoff and promise are known.")
    probability: float | None = Field(
        description="Chance (0 to 1) of finishing by the promised date, from a Monte Carlo "
        "schedule of the template (2,000 runs, fixed seed) with the actual durations of its "
        "finished projects; null with too little history or no promised date."
    )
    p50_finish: dt.date | None = Field(
        description="Half the runs finish by this day; null with too little history."
    )
    p80_finish: dt.date | None = Field(
        description="80% of the runs finish by this day; null with too little history."
    )
    history_count: int | None = Field(
        description="The finished projects the forecast learned from; null with too little."
    )
    min_probability: int | None = Field(
        description="The threshold applied, in percent (set in the admin); null with too "
        "little history."
    )


def handoff_out(handoff: Handoff, deal: Deal, user: User) -> dict[str, Any]:
    """The handoff; its ``project_id`` only for a reader who may open that project."""
    return {
        "deal_id": deal.pk,
        "scope_summary": handoff.scope_summary,
        "promised_date": handoff.promised_date,
        "promised_timeline": handoff.promised_timeline,
        "key_constraints": handoff.key_constraints,
        "main_stakeholder_id": handoff.main_stakeholder_id,
        "kickoff_date": handoff.kickoff_date,
        "template_id": handoff.template_id,
        "delivery_lead_id": handoff.delivery_lead_id,
        "override_reason": handoff.override_reason,
        "project_id": (
            deal_project_ids(user=user, deal_ids=[deal.pk]).get(deal.pk)
            if handoff.project_id
            else None
        ),
        "missing": services.handoff_missing(handoff),
        "version": handoff.version if handoff.pk else None,
    }


def handoff_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The API's ids as objects for the service (a missing one: 422 naming the field)."""
    fields = dict(data)
    for key, model in (
        ("main_stakeholder_id", Contact),
        ("template_id", ProjectTemplate),
        ("delivery_lead_id", User),
    ):
        if key in fields:
            fields[key.removesuffix("_id")] = related(model, fields.pop(key), key)
    return fields


@router.get("deals/{int:deal_id}/handoff", response=answers({200: HandoffOut}, *ONE))
def handoff_get(request: HttpRequest, deal_id: PathId) -> dict:
    user = current_user(request)
    deal = crm_selectors.deal_get_for_user(user=user, pk=deal_id)
    return handoff_out(services.handoff_for(deal), deal, user)


@router.put(
    "deals/{int:deal_id}/handoff", response=answers({200: HandoffOut}, *ONE, *WRITE, 403, 409)
)
def handoff_put(request: HttpRequest, deal_id: PathId, payload: HandoffIn) -> dict:
    user = current_user(request)
    deal = crm_selectors.deal_get_for_user(user=user, pk=deal_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    handoff = services.handoff_save_draft(
        deal=deal, by=user, version=version, **handoff_fields(data)
    )
    return handoff_out(handoff, deal, user)


@router.get("deals/{int:deal_id}/promise-check", response=answers({200: PromiseCheckOut}, *ONE))
def promise_check(request: HttpRequest, deal_id: PathId) -> dict:
    deal = crm_selectors.deal_get_for_user(user=current_user(request), pk=deal_id)
    handoff = services.handoff_for(deal)
    check = services.promise_check(
        template=handoff.template,
        kickoff_date=handoff.kickoff_date,
        promised_date=handoff.promised_date,
    )
    return {
        "planned_finish": check.planned_finish,
        "promised_date": check.promised_date,
        "ok": check.ok,
        "probability": check.probability,
        "p50_finish": check.p50_finish,
        "p80_finish": check.p80_finish,
        "history_count": check.history_count,
        "min_probability": check.min_probability,
    }
