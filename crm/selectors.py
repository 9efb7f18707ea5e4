"""Every non-trivial CRM read, scoped to the acting user, owning its joins."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import DELIVERY_ROLES, Role
from accounts.selectors import users_matching
from crm.models import (
    OPEN_STAGES,
    Activity,
    Company,
    Contact,
    Deal,
    DealQuerySet,
    DealTotal,
    LeadSource,
    LostReason,
    Stage,
    StageChange,
    stage_order,
    stale_limits,
    targets_from,
)
from crm.panels import member_deal_visibility
from inputs.text import clean_query_text

MONEY = DecimalField(max_digits=18, decimal_places=2)


def _can_use_crm(user: User) -> bool:
    return user.has_role(Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN)


def deal_base_queryset() -> DealQuerySet:
    return Deal.objects.select_related("company", "contact", "owner", "source", "lost_reason")


def deal_visible_to(user: User, queryset: DealQuerySet | None = None) -> DealQuerySet:
    """Sales and admins see every deal. Delivery leads see the context of won deals;
    delivery members the won deals of the projects they work on; others nothing."""
    qs = queryset if queryset is not None else deal_base_queryset()
    if _can_use_crm(user):
        return qs
    if user.has_role(Role.DELIVERY_LEAD):
        return qs.filter(stage=Stage.WON)
    if user.has_role(Role.DELIVERY_MEMBER):
        return qs.filter(member_deal_visibility(user), stage=Stage.WON).distinct()
    return qs.none()


def deal_get_for_user(*, user: User, pk: int) -> Deal:
    deal = deal_visible_to(user).filter(pk=pk).first()
    if deal is None:
        raise Http404("No such deal.")
    return deal


@dataclass
class DealFilters:
    stage: str | None = None
    owner_id: int | None = None
    source_id: int | None = None
    company_id: int | None = None
    q: str | None = None
    overdue: bool = False
    # Stale deals (DealQuerySet.stale): an overdue next action or too long in the stage.
    stale: bool = False
    sort: str = "-updated_at"


DEAL_SORTS: dict[str, tuple[Any, ...]] = {
    "-updated_at": ("-updated_at", "-pk"),
    "title": ("title", "pk"),
    # By the amount in the installation currency: deals in several currencies sort as one.
    "-amount": ("-amount_base", "-pk"),
    "amount": ("amount_base", "pk"),
    "next_action_due_at": (F("next_action_due_at").asc(nulls_last=True), "pk"),
    "expected_close_date": (F("expected_close_date").asc(nulls_last=True), "pk"),
    "company": ("company__name", "pk"),
    "stage": (stage_order(), "pk"),
}


def deal_list(*, user: User, filters: DealFilters | None = None) -> DealQuerySet:
    filters = filters or DealFilters()
    qs = deal_visible_to(user)
    if filters.stage == "open":
        qs = qs.open()
    elif filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.source_id:
        qs = qs.filter(source_id=filters.source_id)
    if filters.company_id:
        qs = qs.filter(company_id=filters.company_id)
    if filters.overdue:
        qs = qs.overdue()
    if filters.stale:
        qs = qs.stale()
    term = clean_query_text(filters.q)
    if term:
        qs = qs.matching(term)
    return qs.order_by(*DEAL_SORTS.get(filters.sort, DEAL_SORTS["-updated_at"]))


@dataclass
class BoardColumn:
    stage: str
    label: str
    deals: list[Deal]
    count: int
    total: Decimal
    weighted: Decimal
    has_more: bool
    page: int
    targets: list[tuple[str, str]]


# About what a column shows on a laptop screen; "Show more" adds as many again.
BOARD_PAGE_SIZE = 10


def pipeline_board(
    *,
    user: User,
    owner_id: int | None = None,
    source_id: int | None = None,
    page_for: dict[str, int] | None = None,
    stages: list[str] | None = None,
) -> list[BoardColumn]:
    """A column per stage with count, total and weighted total; ``BOARD_PAGE_SIZE`` cards
    per column page.

    One grouped query for the totals and one query per column for its cards, so the
    number of queries does not grow with the number of deals.
    """
    page_for = page_for or {}
    qs = _board_queryset(user, owner_id, source_id)
    totals = pipeline_totals(user=user, owner_id=owner_id, source_id=source_id)
    columns = []
    for stage in stages or Stage.values:
        row = totals[stage]
        # Never past the column's last page, whatever page was asked for.
        last_page = max(1, -(-row["count"] // BOARD_PAGE_SIZE))
        page = min(max(1, page_for.get(stage, 1)), last_page)
        limit = BOARD_PAGE_SIZE * page
        cards_qs = qs.filter(stage=stage).select_related("company", "owner")
        order = ("next_action_due_at", "pk") if stage in OPEN_STAGES else ("-updated_at", "-pk")
        cards = list(cards_qs.order_by(*order)[: limit + 1])
        columns.append(
            BoardColumn(
                stage=stage,
                label=Stage(stage).label,
                deals=cards[:limit],
                count=row["count"],
                total=row["total"],
                weighted=row["weighted"],
                has_more=len(cards) > limit,
                page=page,
                targets=move_targets(stage),
            )
        )
    return columns


def _board_queryset(user: User, owner_id: int | None, source_id: int | None) -> DealQuerySet:
    qs = deal_visible_to(user, Deal.objects.all())
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if source_id:
        qs = qs.filter(source_id=source_id)
    return qs


def pipeline_totals(
    *, user: User, owner_id: int | None = None, source_id: int | None = None
) -> dict[str, dict[str, Any]]:
    """Per stage (all six, in order): count, total and weighted total in the installation
    currency (the deals' base amounts), in one grouped query (over the running ``DealTotal``
    rows on PostgreSQL, for those who see every deal)."""
    grouped: Any
    if connection.vendor == "postgresql" and _can_use_crm(user):
        totals = DealTotal.objects.all()
        if owner_id:
            totals = totals.filter(owner_id=owner_id)
        if source_id:
            totals = totals.filter(source_key=source_id)
        grouped = (
            totals.order_by()
            .values("stage")
            .annotate(
                count=Coalesce(Sum("count"), 0),
                total=Coalesce(Sum("amount"), Value(Decimal(0)), output_field=MONEY),
                weighted=Coalesce(Sum("weighted"), Value(Decimal(0)), output_field=MONEY),
            )
        )
    else:
        grouped = (
            _board_queryset(user, owner_id, source_id)
            .order_by()
            .values("stage")
            .annotate(
                count=Count("pk"),
                total=Coalesce(Sum("amount_base"), Value(Decimal(0)), output_field=MONEY),
                weighted=Coalesce(
                    Sum(F("amount_base") * F("probability") / Decimal(100), output_field=MONEY),
                    Value(Decimal(0)),
                    output_field=MONEY,
                ),
            )
        )
    rows = {row["stage"]: row for row in grouped}
    empty: dict[str, Any] = {"count": 0, "total": Decimal("0.00"), "weighted": Decimal("0.00")}
    return {
        stage: {
            "count": rows.get(stage, empty)["count"],
            "total": Decimal(rows.get(stage, empty)["total"]).quantize(Decimal("0.01")),
            "weighted": Decimal(rows.get(stage, empty)["weighted"]).quantize(Decimal("0.01")),
        }
        for stage in Stage.values
    }


def move_targets(stage: str) -> list[tuple[str, str]]:
    """Where a card in ``stage`` can be moved (one step forward, win, lose; reopen)."""
    return [(target, Stage(target).label) for target in targets_from(stage)]


@dataclass
class TimelineEntry:
    kind: str
    at: dt.datetime
    user: User | None
    text: str
    from_stage: str | None = None
    to_stage: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def deal_timeline(*, deal: Deal, limit: int = 100) -> list[TimelineEntry]:
    """Activities and stage changes, newest first (two queries)."""
    activities = [
        TimelineEntry(kind=a.kind, at=a.occurred_at, user=a.author, text=a.body)
        for a in Activity.objects.filter(deal=deal).select_related("author")[:limit]
    ]
    changes = [
        TimelineEntry(
            kind="stage_change",
            at=c.at,
            user=c.by,
            text=(
                f"{Stage(c.from_stage).label} → {Stage(c.to_stage).label}"
                + (f" (override: {c.override_reason})" if c.override_reason else "")
            ),
            from_stage=c.from_stage,
            to_stage=c.to_stage,
        )
        for c in StageChange.objects.filter(deal=deal).select_related("by")[:limit]
    ]
    return sorted(activities + changes, key=lambda e: e.at, reverse=True)[:limit]


def deal_stages_passed(*, deal: Deal) -> list[str] | None:
    """The stages the deal has been in since it was last (re)opened, in the order it passed
    them, read from its stage history (one query); None when it has no history (an import
    that brought it straight to its stage)."""
    changes = list(
        StageChange.objects.filter(deal=deal)
        .order_by("at", "pk")
        .values_list("from_stage", "to_stage")
    )
    if not changes:
        return None
    passed: list[str] = []
    for from_stage, to_stage in changes:
        if to_stage == Stage.LEAD:  # reopened: the pipeline starts again
            passed = []
        if not passed:
            passed.append(from_stage if to_stage != Stage.LEAD else to_stage)
        if to_stage not in passed:
            passed.append(to_stage)
    return passed


def _sees_customers(user: User) -> bool:
    """Sales, admins and delivery people see companies and contacts."""
    return _can_use_crm(user) or user.has_role(*DELIVERY_ROLES)


def _companies_for(user: User) -> QuerySet[Company]:
    if not _sees_customers(user):
        return Company.objects.none()
    return Company.objects.select_related("owner")


def company_list(*, user: User, q: str | None = None) -> QuerySet[Company]:
    """Companies the user sees; for sales with each one's open-deal count (delivery never
    learns about open deals)."""
    qs = _companies_for(user)
    if _can_use_crm(user):
        # A correlated count, worked out only for the rows of the page shown.
        open_deals = (
            Deal.objects.open()
            .filter(company=OuterRef("pk"))
            .order_by()
            .values("company")
            .annotate(n=Count("pk"))
            .values("n")
        )
        qs = qs.annotate(open_deals=Coalesce(Subquery(open_deals), 0))
    term = clean_query_text(q)
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(domain__icontains=term))
    return qs.order_by("name", "pk")


def company_get_for_user(*, user: User, pk: int) -> Company:
    company = _companies_for(user).filter(pk=pk).first()
    if company is None:
        raise Http404("No such company.")
    return company


def contact_list(
    *, user: User, q: str | None = None, company_id: int | None = None
) -> QuerySet[Contact]:
    if not _sees_customers(user):
        return Contact.objects.none()
    qs = Contact.objects.select_related("company", "owner")
    if company_id:
        qs = qs.filter(company_id=company_id)
    term = clean_query_text(q)
    if term:
        qs = qs.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    return qs.order_by("last_name", "first_name", "pk")


def contact_get_for_user(*, user: User, pk: int) -> Contact:
    contact = contact_list(user=user).filter(pk=pk).first()
    if contact is None:
        raise Http404("No such contact.")
    return contact


def company_domain_taken(domain: str, *, exclude_pk: int | None = None) -> Company | None:
    if not domain:
        return None
    return Company.objects.filter(domain__iexact=domain).exclude(pk=exclude_pk or 0).first()


def contact_email_taken(email: str, *, exclude_pk: int | None = None) -> Contact | None:
    if not email:
        return None
    return Contact.objects.filter(email__iexact=email.strip()).exclude(pk=exclude_pk or 0).first()


def activity_list(
    *, user: User, company: Company | None = None, contact: Contact | None = None
) -> QuerySet[Activity]:
    """History the user may read: every activity for sales; for delivery, only those of
    deals they may see (never an open deal's notes and calls) and of no deal at all. A
    company's or a contact's history includes their deals' activities."""
    qs = Activity.objects.select_related("author", "deal")
    if not _can_use_crm(user):
        qs = qs.filter(Q(deal__isnull=True) | Q(deal__in=deal_visible_to(user, Deal.objects.all())))
    if company is not None:
        qs = qs.filter(company=company)
    if contact is not None:
        # A contact's history holds what was logged on their deals too. Their deals' ids
        # are read first (a contact has a handful): with the ids written out, PostgreSQL ORs
        # two index scans; with a subquery it walked the whole history by date (1 s at
        # 1,000,000 activities).
        their_deals = list(Deal.objects.filter(contact=contact).values_list("pk", flat=True))
        qs = qs.filter(Q(contact=contact) | Q(deal_id__in=their_deals))
    return qs


MY_WORK_ROWS = 20


def my_next_actions(*, user: User, now: dt.datetime | None = None) -> dict[str, Any]:
    """My overdue next actions and those due later today (in my time zone): the first
    ``MY_WORK_ROWS`` of each, most urgent first, and how many there are (a window count
    in the same query: one owner's deals, so an exact count is cheap). Two queries."""
    now = now or timezone.now()
    today = timezone.localtime(now, user.zone).date()
    # (an action due today falls due by the start of tomorrow: a bound for the index)
    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=user.zone)
    qs = Deal.objects.open().filter(owner=user)
    overdue = qs.filter(next_action_due_at__lt=now)
    due_today = qs.filter(
        next_action_due_date=today,
        next_action_due_at__gte=now,
        next_action_due_at__lte=tomorrow,
    )
    order = ("next_action_due_at", "pk")
    overdue_rows, overdue_count = _first_rows_and_count(overdue, order, MY_WORK_ROWS)
    today_rows, today_count = _first_rows_and_count(due_today, order, MY_WORK_ROWS)
    return {
        "overdue": overdue_rows,
        "overdue_count": overdue_count,
        "due_today": today_rows,
        "due_today_count": today_count,
    }


def _first_rows_and_count(
    deals: DealQuerySet, order: tuple[str, ...], limit: int
) -> tuple[list[Any], int]:
    """The first ``limit`` of one owner's ``deals`` with their companies, and how many there
    are, in one query. The count is a subquery PostgreSQL runs once over the deals alone: a
    window count would join every one of them (thousands) to its company before keeping
    ``limit``."""
    total = deals.order_by().values("owner").annotate(n=Count("pk")).values("n")
    rows = list(
        deals.select_related("company").annotate(total=Subquery(total)).order_by(*order)[:limit]
    )
    return rows, (rows[0].total if rows else 0)


def my_stuck_deals(
    *,
    user: User,
    now: dt.datetime | None = None,
    limits: dict[str, int] | None = None,
    limit: int = 10,
) -> tuple[list[Any], int]:
    """My open deals longer in their stage than its limit whose next action is neither
    overdue nor due today (My work lists those already): stale (``DealQuerySet.stale``)
    and waiting for a better next step. Longest in the stage first, with how many there
    are. One query, after the stale limits unless given."""
    now = now or timezone.now()
    today = timezone.localtime(now, user.zone).date()
    stuck = (
        Deal.objects.filter(owner=user)
        .stale(now, stale_limits() if limits is None else limits)
        .exclude(next_action_due_at__lt=now)
        .exclude(next_action_due_date=today)
    )
    return _first_rows_and_count(stuck, ("stage_entered_at", "pk"), limit)


def recent_activity(*, user: User, limit: int = 10) -> list[Activity]:
    """The newest activities the user wrote or that were logged on the user's deals.

    Two indexed queries, each stopping at ``limit`` rows (by author; by the deals' owner),
    merged here: one query ORing the two could use neither index and would sort the
    whole history of a user with little of it.
    """
    rows = Activity.objects.select_related("author", "deal").order_by("-occurred_at", "-pk")
    found = {a.pk: a for a in rows.filter(author=user)[:limit]}
    found.update((a.pk, a) for a in rows.filter(deal__owner=user)[:limit])
    return sorted(found.values(), key=lambda a: (a.occurred_at, a.pk), reverse=True)[:limit]


def lead_source_list() -> QuerySet[LeadSource]:
    return LeadSource.objects.filter(active=True).order_by("name")


def lost_reason_list() -> QuerySet[LostReason]:
    return LostReason.objects.filter(active=True).order_by("name")


def sales_users() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True, groups__name__in=[Role.SALES_REP, Role.SALES_MANAGER])
        .distinct()
        .order_by("full_name", "username")
    )


# How many rows each kind's substring and fuzzy match gathers for ranking (with every exact
# match besides): enough to hold the best twenty of a specific term, cheap for a broad one.
SEARCH_CANDIDATES = 50


def search(*, user: User, q: str, limit: int = 20) -> dict[str, list[Any]]:
    """Companies, contacts and deals matching ``q``, best first.

    On PostgreSQL each kind is one ranked query: up to ``SEARCH_CANDIDATES`` rows found
    through the trigram indexes (substring or fuzzy match; deals as the deal list matches
    them) plus exact matches through their btree index, ranked by trigram similarity without
    joins, then joined for the rows shown. Deals also match the companies found. Elsewhere a
    case-insensitive substring match.
    """
    term = clean_query_text(q)
    if not term or not _sees_customers(user):
        return {"companies": [], "contacts": [], "deals": []}
    if connection.vendor != "postgresql":
        return {
            "companies": list(
                Company.objects.filter(Q(name__icontains=term) | Q(domain__icontains=term))[:limit]
            ),
            "contacts": list(
                Contact.objects.select_related("company").filter(
                    Q(first_name__icontains=term)
                    | Q(last_name__icontains=term)
                    | Q(email__icontains=term)
                )[:limit]
            ),
            "deals": list(deal_visible_to(user).matching(term)[:limit]),
        }
    lowered = term.lower()
    company_ids = _candidates(
        Company.objects.filter(
            Q(name__trigram_similar=term) | Q(name__icontains=term) | Q(domain__icontains=term)
        ),
        Company.objects.alias(key=Lower("name")).filter(key=lowered),
    )
    company_score = TrigramSimilarity("name", term)
    companies = list(
        _best(Company.objects.filter(pk__in=company_ids), company_score, "name", limit)
        .annotate(score=company_score)
        .order_by("-score", "name", "pk")
    )
    contact_ids = _candidates(
        Contact.objects.filter(
            Q(first_name__trigram_similar=term)
            | Q(last_name__trigram_similar=term)
            | Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
        ),
        # (the unique index on lower(email) is partial: WHERE email <> '')
        Contact.objects.alias(key=Lower("email")).filter(key=lowered).exclude(email=""),
    )
    contact_score = TrigramSimilarity("last_name", term) + TrigramSimilarity("first_name", term)
    contacts = list(
        _best(Contact.objects.filter(pk__in=contact_ids), contact_score, "last_name", limit)
        .select_related("company")
        .only("first_name", "last_name", "company__name")
        .annotate(score=contact_score)
        .order_by("-score", "last_name", "pk")
    )
    # Deals as the deal list finds them (title, company or contact name) and by the companies
    # found fuzzily: a fuzzy match on titles, which share their words widely, would score
    # thousands of rows.
    deal_ids = _candidates(
        Deal.objects.matching(term),
        Deal.objects.filter(company__in=[c.pk for c in companies]),
    )
    deal_score = TrigramSimilarity("title", term)
    visible = deal_visible_to(user, Deal.objects.all())
    deals = list(
        _best(visible.filter(pk__in=deal_ids), deal_score, "-updated_at", limit)
        .select_related("company")
        .only("title", "stage", "updated_at", "company__name")
        .annotate(score=deal_score)
        .order_by("-score", "-updated_at", "-pk")
    )
    return {"companies": companies, "contacts": contacts, "deals": deals}


def _best(candidates: QuerySet[Any], score: Any, then: str, limit: int) -> QuerySet[Any]:
    """The ``limit`` best of ``candidates`` by ``score`` (ties by ``then``, then pk), ranked
    without joins; the caller joins what it shows for those rows only."""
    tie = "-pk" if then.startswith("-") else "pk"
    best = (
        candidates.order_by().annotate(rank=score).order_by("-rank", then, tie).values("pk")[:limit]
    )
    return candidates.model._default_manager.filter(pk__in=best)


def _candidates(found: QuerySet[Any], exact: QuerySet[Any]) -> QuerySet[Any, dict[str, Any]]:
    """The ids of the first ``SEARCH_CANDIDATES`` rows ``found`` and of every ``exact`` match."""
    return (
        found.order_by()
        .values("pk")[:SEARCH_CANDIDATES]
        .union(exact.order_by().values("pk")[:SEARCH_CANDIDATES])
    )


# Pickers (inputs.picker) ---------------------------------------------------------------
# Each lookup stops at ``limit`` rows in an index's order. A term is matched as the lists match
# it (``icontains``), which on PostgreSQL the trigram GIN indexes on UPPER(column) serve
# (migration 0004); a contact lookup for a company reads that company's contacts through the
# index on contact.company_id, however many contacts there are in all.


def company_choices(*, user: User, q: str | None = None, limit: int = 20) -> list[Company]:
    """The companies a picker suggests for ``q``: by name, as the company list finds them."""
    term = clean_query_text(q)
    qs = Company.objects.all() if _sees_customers(user) else Company.objects.none()
    if term:
        qs = qs.filter(Q(name__icontains=term) | Q(domain__icontains=term))
    return list(qs.only("name", "domain").order_by("name", "pk")[:limit])


def contact_choices(
    *, user: User, q: str | None = None, company_id: int | None = None, limit: int = 20
) -> list[Contact]:
    """The contacts a picker suggests for ``q``: those of ``company_id`` when one is chosen
    (the contact list's search, with only what a suggestion shows)."""
    found = contact_list(user=user, q=q, company_id=company_id)
    shown = found.select_related(None).select_related("company")
    return list(shown.only("first_name", "last_name", "email", "company__name")[:limit])


def sales_user_choices(*, q: str | None = None, limit: int = 20) -> list[User]:
    """The people a deal can be assigned to (R1: sales reps and managers) matching ``q``."""
    return list(users_matching(sales_users(), clean_query_text(q))[:limit])
