"""CRM: companies, contacts, deals and their pipeline (rules R1-R4)."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from crm.currencies import CURRENCIES, normalize_currency
from inputs.fields import DateField, DateTimeField, LineField, TextField


class Stage(models.TextChoices):
    LEAD = "lead", "Lead"
    QUALIFIED = "qualified", "Qualified"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    WON = "won", "Won"
    LOST = "lost", "Lost"


OPEN_STAGES = (Stage.LEAD, Stage.QUALIFIED, Stage.PROPOSAL, Stage.NEGOTIATION)


def stage_order(field: str = "stage") -> models.Case:
    """The pipeline's order (``Stage`` as declared: Lead first, Lost last) as an expression
    to sort by; the stored values would sort alphabetically (Lead, Lost, Negotiation...)."""
    return models.Case(
        *(models.When(**{field: stage}, then=rank) for rank, stage in enumerate(Stage)),
        output_field=models.IntegerField(),
    )


CLOSED_STAGES = (Stage.WON, Stage.LOST)
DEFAULT_PROBABILITY = {
    Stage.LEAD: 10,
    Stage.QUALIFIED: 25,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.WON: 100,
    Stage.LOST: 0,
}


CENT = Decimal("0.01")
# An exchange rate is at most this many units of the installation currency per unit (and
# more than 0): wide enough for any pair of today's currencies, narrow enough that a base
# amount fits its column (``Deal.amount_base``).
MAX_RATE = Decimal(1_000_000)
MIN_RATE = Decimal("0.00000001")


def installation_currency() -> str:
    """The installation's currency (the ``RELAY_CURRENCY`` setting): every total and report
    is in it, and a new deal is in it unless said otherwise."""
    return str(settings.RELAY_CURRENCY)


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """``amount`` at ``rate`` in the installation currency, to the cent (half up)."""
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


class TimeStamped(models.Model):
    # A default rather than auto_now_add, so an import keeps the source's creation time
    # in its one INSERT.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Company(TimeStamped):
    name = LineField(max_length=200)
    domain = LineField(
        "web domain", max_length=253, blank=True, help_text="For example example.com"
    )
    industry = LineField(max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="companies"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                Lower("domain"),
                condition=~Q(domain=""),
                name="crm_company_domain_unique",
                violation_error_message="A company with this web domain already exists.",
            ),
        ]
        indexes = [
            models.Index(Lower("name"), name="crm_company_name_lower"),
            models.Index(fields=["name", "id"], name="crm_company_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStamped):
    first_name = LineField(max_length=100)
    last_name = LineField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = LineField(max_length=50, blank=True)
    title = LineField("job title", max_length=150, blank=True)
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(email=""),
                name="crm_contact_email_unique",
                violation_error_message="A contact with this email address already exists.",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="crm_contact_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class LeadSource(models.Model):
    name = LineField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LostReason(models.Model):
    name = LineField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StageSetting(models.Model):
    """Per open stage: its win probability and when a deal in it counts as stale."""

    stage = models.CharField(max_length=20, choices=Stage.choices, unique=True)
    probability = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)], help_text="Percent."
    )
    stale_after_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days in this stage before a deal counts as stale."
    )

    class Meta:
        ordering = ["probability"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.probability}%"


def stale_limits() -> dict[str, int]:
    """Days in each open stage before a deal counts as stale: the stage's setting, or the
    setting's default (30) for a stage an admin has not configured."""
    default = StageSetting._meta.get_field("stale_after_days").get_default()
    configured = dict(StageSetting.objects.values_list("stage", "stale_after_days"))
    return {stage: configured.get(stage, default) for stage in OPEN_STAGES}


class DealQuerySet(models.QuerySet["Deal"]):
    def open(self) -> "DealQuerySet":
        return self.filter(stage__in=OPEN_STAGES)

    def overdue(self, now: dt.datetime | None = None) -> "DealQuerySet":
        """Open deals whose next action was due before ``now`` (R2's one meaning)."""
        return self.open().filter(next_action_due_at__lt=now or timezone.now())

    def matching(self, term: str) -> "DealQuerySet":
        """Deals whose title, company name or contact's name contains ``term`` (a search
        term is one line), through ``search_text`` and its trigram index."""
        return self.filter(search_text__icontains=term)

    @staticmethod
    def _stale_in_stage(now: dt.datetime, limits: dict[str, int]) -> Q:
        in_stage = Q(pk__in=[])
        for stage, days in limits.items():
            in_stage |= Q(stage=stage, stage_entered_at__lt=now - dt.timedelta(days=days))
        return in_stage

    def stale(
        self, now: dt.datetime | None = None, limits: dict[str, int] | None = None
    ) -> "DealQuerySet":
        """Stale deals (R10's one meaning): open, with an overdue next action or longer in
        their stage than its limit (``stale_limits``)."""
        now = now or timezone.now()
        limits = stale_limits() if limits is None else limits
        return self.open().filter(Q(next_action_due_at__lt=now) | self._stale_in_stage(now, limits))

    def with_staleness(
        self, now: dt.datetime | None = None, limits: dict[str, int] | None = None
    ) -> "DealQuerySet":
        """Annotate ``overdue`` and ``stale`` (too long in the stage), for showing why."""
        now = now or timezone.now()
        limits = stale_limits() if limits is None else limits
        return self.annotate(
            overdue=models.Case(
                models.When(next_action_due_at__lt=now, then=True),
                default=False,
                output_field=models.BooleanField(),
            ),
            stale=models.Case(
                models.When(self._stale_in_stage(now, limits), then=True),
                default=False,
                output_field=models.BooleanField(),
            ),
        )

    def with_weighted(self) -> "DealQuerySet":
        """Annotate ``weighted``: the base amount (installation currency) times the stage's
        probability."""
        return self.annotate(
            weighted=models.ExpressionWrapper(
                F("amount_base") * F("probability") / Decimal(100),
                output_field=models.DecimalField(max_digits=16, decimal_places=2),
            )
        )


def qualification_missing(deal: "Deal") -> dict[str, str]:
    if not (deal.qualification_notes or "").strip():
        return {"qualification_notes": "Qualification notes are required to qualify a deal."}
    return {}


def proposal_missing(deal: "Deal") -> dict[str, str]:
    errors = {}
    if deal.amount is None or deal.amount <= 0:
        errors["amount"] = "An amount greater than 0 is required to propose."
    if deal.expected_close_date is None:
        errors["expected_close_date"] = "An expected close date is required to propose."
    return errors


def lose_missing(deal: "Deal") -> dict[str, str]:
    if deal.lost_reason_id is None:
        return {"lost_reason_id": "Choose a lost reason."}
    return {}


class Deal(ConcurrentTransitionMixin, TimeStamped):
    """A sales opportunity. ``stage`` moves only through its transitions (R3)."""

    title = LineField(max_length=200)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="deals")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deals"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="In the deal's currency.",
    )
    # The deal's currency (ISO 4217), checked against ``crm.currencies`` by the services
    # whenever it is set. ``amount_base`` is the amount in the installation currency at
    # ``exchange_rate`` (the rate of the deal's date of record, ``date_of_record``); the
    # services keep both on every write that changes the amount, the currency or that date.
    # Totals and reports sum ``amount_base``.
    currency = models.CharField(
        max_length=3, default=installation_currency, help_text="ISO 4217 code, e.g. EUR."
    )
    exchange_rate = models.DecimalField(
        max_digits=18, decimal_places=8, default=Decimal(1), editable=False
    )
    amount_base = models.DecimalField(
        "amount in the installation currency",
        max_digits=20,
        decimal_places=2,
        default=Decimal("0.00"),
        editable=False,
    )
    source = models.ForeignKey(
        LeadSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="deals"
    )
    # The marketing campaign the lead came from (a web form's utm_campaign), beside its source.
    campaign = LineField(max_length=100, blank=True)
    expected_close_date = DateField(null=True, blank=True)
    qualification_notes = TextField(blank=True)
    next_action = LineField(max_length=255, blank=True)
    next_action_due_date = DateField(null=True, blank=True)
    next_action_due_time = models.TimeField(null=True, blank=True)
    # When the next action becomes overdue: its time, or the end of its day, in the
    # owner's time zone. Kept by the services; queried for "overdue".
    next_action_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    stage = FSMField(default=Stage.LEAD, choices=Stage.choices, protected=True)
    stage_entered_at = models.DateTimeField(default=timezone.now, editable=False)
    probability = models.PositiveSmallIntegerField(default=10, editable=False)
    lost_reason = models.ForeignKey(
        LostReason, on_delete=models.PROTECT, null=True, blank=True, related_name="deals"
    )
    lost_note = TextField(blank=True)
    won_at = models.DateTimeField(null=True, blank=True, editable=False)
    lost_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # What the deal list's search looks in: the title, the company's name and the contact's
    # full name, one per line. Kept by database triggers (crm migration 0010) on every write
    # to the deal, and to its company's or contact's name, whatever makes it.
    search_text = models.TextField(default="", editable=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [
            # One index per sort of the deal list (ties broken by pk in the same
            # direction, so a descending sort scans the same index backwards) ...
            models.Index(fields=["updated_at", "id"], name="crm_deal_updated"),
            models.Index(fields=["amount_base", "id"], name="crm_deal_amount_base"),
            models.Index(fields=["title", "id"], name="crm_deal_title"),
            models.Index(fields=["stage", "id"], name="crm_deal_stage"),
            models.Index(fields=["next_action_due_at", "id"], name="crm_deal_due_at"),
            models.Index(fields=["expected_close_date", "id"], name="crm_deal_close"),
            models.Index(fields=["owner", "updated_at", "id"], name="crm_deal_owner_updated"),
            models.Index(fields=["company", "stage"], name="crm_deal_company_stage"),
            # ... and for the open deals every screen and reminder starts from.
            models.Index(
                fields=["updated_at", "id"],
                condition=Q(stage__in=OPEN_STAGES),
                name="crm_deal_open",
            ),
            models.Index(
                fields=["next_action_due_at", "id"],
                condition=Q(stage__in=OPEN_STAGES),
                name="crm_deal_open_due_at",
            ),
            models.Index(
                fields=["owner", "next_action_due_at", "id"],
                condition=Q(stage__in=OPEN_STAGES),
                name="crm_deal_open_owner_due_at",
            ),
            models.Index(
                fields=["stage_entered_at", "id"],
                condition=Q(stage__in=OPEN_STAGES),
                name="crm_deal_open_entered",
            ),
            # A rep's deals stuck in their stage (My work), however many others have.
            models.Index(
                fields=["owner", "stage_entered_at", "id"],
                condition=Q(stage__in=OPEN_STAGES),
                name="crm_deal_open_owner_entered",
            ),
            # The team's stale and overdue deals by owner (My work's team), read from the
            # index alone: every column the count asks for is in it.
            models.Index(
                fields=["owner", "stage", "stage_entered_at", "next_action_due_at"],
                condition=Q(stage__in=OPEN_STAGES),
                name="crm_deal_open_owner_stale",
            ),
            models.Index(fields=["won_at"], condition=Q(stage="won"), name="crm_deal_won_at"),
            models.Index(fields=["created_at"], name="crm_deal_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="crm_deal_amount_gte_0"),
            models.CheckConstraint(
                condition=~Q(stage__in=OPEN_STAGES)
                | (~Q(next_action="") & Q(next_action_due_date__isnull=False)),
                name="crm_open_deal_has_next_action",
                violation_error_message="An open deal needs a next action and its due date.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def weighted_amount(self) -> Decimal:
        """In the deal's currency."""
        return (self.amount * self.probability / Decimal(100)).quantize(CENT)

    @property
    def in_installation_currency(self) -> bool:
        return self.currency == installation_currency()

    def date_of_record(self) -> dt.date:
        """The day whose exchange rate converts this deal: today for an open deal, the day
        it was won or lost for a closed one (in the installation's time zone)."""
        closed = self.won_at if self.stage == Stage.WON else None
        closed = self.lost_at if self.stage == Stage.LOST else closed
        return timezone.localdate(closed, timezone.get_default_timezone())  # None: now

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return bool(
            self.is_open
            and self.next_action_due_at
            and self.next_action_due_at < (now or timezone.now())
        )

    def compute_due_at(self, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
        if self.next_action_due_date is None:
            return None
        if self.next_action_due_time is not None:
            local = dt.datetime.combine(self.next_action_due_date, self.next_action_due_time)
        else:
            local = dt.datetime.combine(self.next_action_due_date + dt.timedelta(days=1), dt.time())
        return local.replace(tzinfo=zone)

    # Transitions (R3). Conditions are the R4 checks; services report them field by field.
    @transition(
        field=stage,
        source=Stage.LEAD,
        target=Stage.QUALIFIED,
        conditions=[lambda d: not qualification_missing(cast("Deal", d))],
    )
    def qualify(self) -> None:
        pass

    @transition(
        field=stage,
        source=Stage.QUALIFIED,
        target=Stage.PROPOSAL,
        conditions=[lambda d: not proposal_missing(cast("Deal", d))],
    )
    def propose(self) -> None:
        pass

    @transition(field=stage, source=Stage.PROPOSAL, target=Stage.NEGOTIATION)
    def negotiate(self) -> None:
        pass

    @transition(
        field=stage,
        source=[Stage.PROPOSAL, Stage.NEGOTIATION],
        target=Stage.WON,
        conditions=[lambda d: getattr(d, "_win_permit", None) is not None],
    )
    def win(self) -> None:
        """Only reachable with a permit issued by the handoff gate (R5-R7)."""
        self.won_at = timezone.now()

    @transition(
        field=stage,
        source=list(OPEN_STAGES),
        target=Stage.LOST,
        conditions=[lambda d: not lose_missing(cast("Deal", d))],
    )
    def lose(self) -> None:
        self.lost_at = timezone.now()

    @transition(
        field=stage,
        source=Stage.LOST,
        target=Stage.LEAD,
        permission=lambda deal, user: user.has_role("sales_manager", "admin"),
    )
    def reopen(self) -> None:
        self.lost_at = None
        self.lost_reason = None
        self.lost_note = ""


# The pipeline's transition graph, read off the FSM above: the one place it is written down
# is the ``@transition`` decorators. Everything else (services, the board, imports, the
# demo, the API) asks ``PIPELINE``, ``transition_between`` and ``path_to``.


@dataclass(frozen=True)
class PipelineTransition:
    name: str
    sources: tuple[str, ...]  # in stage order
    target: str


def _read_pipeline() -> dict[str, PipelineTransition]:
    order = list(Stage.values)
    found: dict[str, tuple[set[str], str]] = {}
    for move in Deal._meta.get_field("stage").get_all_transitions(Deal):
        sources, _ = found.setdefault(move.name, (set(), str(move.target)))
        sources.add(str(move.source))

    def rank(item: tuple[str, tuple[set[str], str]]) -> int:
        # Forward moves by their target's place in the stage order; moves back come last.
        sources, target = item[1]
        place = order.index(target)
        return place if place > min(order.index(s) for s in sources) else len(order) + place

    return {
        name: PipelineTransition(name, tuple(sorted(sources, key=order.index)), target)
        for name, (sources, target) in sorted(found.items(), key=rank)
    }


PIPELINE: dict[str, PipelineTransition] = _read_pipeline()


def transition_between(source: str, target: str) -> str | None:
    """The transition that moves a deal from ``source`` to ``target``, if there is one."""
    return next(
        (t.name for t in PIPELINE.values() if source in t.sources and t.target == target), None
    )


def targets_from(stage: str) -> list[str]:
    """The stages a deal in ``stage`` can move to, in stage order."""
    order = list(Stage.values)
    return sorted({t.target for t in PIPELINE.values() if stage in t.sources}, key=order.index)


def path_to(stage: str, *, start: str = Stage.LEAD) -> list[str]:
    """The fewest transitions from ``start`` to ``stage`` (an import or the demo bringing
    a new deal to its stage); ``win`` is left out, as only the handoff may win."""
    paths: dict[str, list[str]] = {start: []}
    frontier = [start]
    while frontier:
        current = frontier.pop(0)
        for t in PIPELINE.values():
            if current in t.sources and t.target not in paths and t.name != "win":
                paths[t.target] = [*paths[current], t.name]
                frontier.append(t.target)
    if stage not in paths:
        raise KeyError(f"No path from {start} to {stage} without winning.")
    return paths[stage]


class ExchangeRateQuerySet(models.QuerySet["ExchangeRate"]):
    def valid_on(self, currency: str, day: dt.date) -> "ExchangeRateQuerySet":
        """The rates of ``currency`` in force on ``day``, the one that applies first."""
        return self.filter(currency=currency, valid_from__lte=day).order_by("-valid_from")


class ExchangeRate(models.Model):
    """What one unit of a currency is worth in the installation currency, from a day on
    (until the next rate of that currency). Kept by admins; a deal's rate is the latest one
    valid on its date of record (``Deal.date_of_record``)."""

    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. CHF.")
    rate = models.DecimalField(
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(MIN_RATE), MaxValueValidator(MAX_RATE)],
        help_text="How many units of the installation currency one unit of this currency is worth.",
    )
    valid_from = DateField(help_text="The first day this rate applies.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExchangeRateQuerySet.as_manager()

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_from"],
                name="crm_exchangerate_currency_day",
                violation_error_message="This currency already has a rate from that day.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0) & Q(rate__lte=MAX_RATE),
                name="crm_exchangerate_rate_range",
                violation_error_message=f"A rate is more than 0 and at most {MAX_RATE:,}.",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {installation_currency()} from {self.valid_from}"

    def clean(self) -> None:
        self.currency = normalize_currency(self.currency)
        if self.currency and self.currency not in CURRENCIES:  # (blank: the field says so)
            raise ValidationError(
                {"currency": [f"{self.currency} is not an ISO 4217 currency code."]}
            )
        if self.currency == installation_currency():
            raise ValidationError(
                {
                    "currency": [
                        f"{self.currency} is the installation's currency: its rate is always 1."
                    ]
                }
            )


def close_key(day: dt.date | None) -> int:
    """A month as one number (year * 12 + month - 1), 0 for no date: ``DealTotal``'s key,
    computed the same way by the trigger's ``crm_deal_close_key``."""
    return 0 if day is None else day.year * 12 + day.month - 1


class DealTotal(models.Model):
    """Running totals of the deals per stage, owner, lead source (``source_key`` is the
    source's id, 0 for none) and month of expected close, for the board, the pipeline and
    forecast reports and follow-up.

    On PostgreSQL a trigger on ``crm_deal`` (migration 0008; since 0011 over base amounts,
    ``Deal.amount_base``) keeps them with every insert, update and delete, whatever path
    wrote the deal; ``crm.selectors.pipeline_totals`` reads
    them there and groups the deals themselves elsewhere.
    """

    stage = models.CharField(max_length=20, choices=Stage.choices)
    # Written by the trigger only: no foreign key to check, nothing to cascade.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    source_key = models.BigIntegerField()
    close_key = models.BigIntegerField()  # ``close_key(expected_close_date)``
    count = models.BigIntegerField(default=0)
    # Sums of ``Deal.amount_base``: in the installation currency.
    amount = models.DecimalField(max_digits=30, decimal_places=2, default=Decimal(0))
    weighted = models.DecimalField(max_digits=34, decimal_places=4, default=Decimal(0))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stage", "owner", "source_key", "close_key"], name="crm_dealtotal_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage}/{self.owner_id}/{self.source_key}: {self.count}"


class ActivityKind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"


class Activity(models.Model):
    kind = models.CharField(max_length=10, choices=ActivityKind.choices, default=ActivityKind.NOTE)
    body = TextField()
    occurred_at = DateTimeField(default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities"
    )
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["deal", "-occurred_at"], name="crm_activity_deal"),
            models.Index(fields=["contact", "-occurred_at"], name="crm_activity_contact"),
            models.Index(fields=["company", "-occurred_at"], name="crm_activity_company"),
            models.Index(fields=["author", "-occurred_at", "-id"], name="crm_activity_author"),
            models.Index(fields=["occurred_at", "id"], name="crm_activity_occurred"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deal__isnull=False)
                | Q(contact__isnull=False)
                | Q(company__isnull=False),
                name="crm_activity_has_subject",
                violation_error_message="An activity belongs to a deal, a contact or a company.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.body[:40]}"


class StageChange(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    override_reason = TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["deal", "-at"], name="crm_stagechange_deal"),
            # The week's moves on a sales manager's My work, newest first.
            models.Index(fields=["-at", "-id"], name="crm_stagechange_at"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage} -> {self.to_stage}"
