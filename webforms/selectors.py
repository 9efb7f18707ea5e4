"""Reads for web forms: the admin's lists, the public form by its key, the lead report."""

import zoneinfo
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import User
from accounts.roles import Role
from crm.models import Deal, Stage
from dashboards.selectors import NO_SOURCE, Period
from webforms.models import Status, Submission, WebForm


def can_manage(user: User) -> bool:
    return user.has_perm("webforms.manage_forms")


def sales_users() -> QuerySet[User]:
    """The users a form may hand its leads to: active sales reps and managers."""
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.SALES_REP, Role.SALES_MANAGER])
        .distinct()
        .order_by("username")
    )


def form_list() -> QuerySet[WebForm]:
    """Every form with its source and owners (three queries for any number of forms)."""
    return (
        WebForm.objects.select_related("source")
        .prefetch_related(Prefetch("owners", queryset=User.objects.order_by("pk")))
        .order_by("name", "pk")
    )


def form_get(pk: int) -> WebForm:
    form = form_list().filter(pk=pk).first()
    if form is None:
        raise Http404("No such web form.")
    return form


def form_get_public(key: str) -> WebForm:
    """The active form with this key, for anyone (404 for an unknown or inactive key)."""
    form = (
        WebForm.objects.select_related("source").filter(key=key[:32], is_active=True).first()
        if isinstance(key, str)
        else None
    )
    if form is None:
        raise Http404("No such web form.")
    return form


def recent_submissions(form: WebForm, limit: int = 50) -> list[Submission]:
    return list(
        form.submissions.select_related("deal", "deal__owner").order_by("-created_at", "-pk")[
            :limit
        ]
    )


def web_form_deals_q() -> Q:
    """The deals web forms created (each by its one accepted submission)."""
    return Q(
        pk__in=Submission.objects.filter(status=Status.ACCEPTED, deal__isnull=False).values(
            "deal_id"
        )
    )


NO_CAMPAIGN = "No campaign"


def leads_by_campaign(
    *, period: Period, zone: zoneinfo.ZoneInfo, owner_id: int | None = None
) -> list[dict[str, Any]]:
    """Web-form leads created in ``period`` per lead source and campaign (one query): how
    many, how many were won and their revenue (in the installation currency). Sources by
    name, campaigns by name within each, "No campaign" last."""
    deals = Deal.objects.filter(web_form_deals_q()).filter(period.datetime_q("created_at", zone))
    if owner_id:
        deals = deals.filter(owner_id=owner_id)
    rows = (
        deals.order_by()
        .values("source_id", "source__name", "campaign")
        .annotate(
            leads=Count("pk"),
            won=Count("pk", filter=Q(stage=Stage.WON)),
            won_amount=Sum("amount_base", filter=Q(stage=Stage.WON)),
        )
    )
    found = [
        {
            "source_id": row["source_id"],
            "source": row["source__name"] or NO_SOURCE,
            "campaign": row["campaign"],
            "leads": row["leads"],
            "won": row["won"],
            "won_amount": (row["won_amount"] or Decimal(0)).quantize(Decimal("0.01")),
        }
        for row in rows
    ]
    # Within a source, named campaigns in order and the leads without one last.
    return sorted(
        found,
        key=lambda r: (r["source"] == NO_SOURCE, r["source"], not r["campaign"], r["campaign"]),
    )
