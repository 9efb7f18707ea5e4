"""The bulk demo's CRM rows: companies, contacts, deals with their stage changes, and
activities, each exactly as the CRM services would have written it over two years.

What the services do that shows in a row, and where it is reused from here:
``deal_create`` (owner = creator, lead probability, ``compute_due_at`` in the owner's
zone), every transition (a ``StageChange`` by the owner, the stage's probability,
``stage_entered_at``, a new version; ``won_at`` / ``lost_at``; the R4 fields it needed,
the path from ``path_to``), ``normalize_domain`` and lower-cased emails; a deal's base
amount at the rate of its date of record (``Deal.date_of_record``), a few percent of them in
the demo's other currencies (``demo.money_seed``).
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from crm import services
from crm.models import (
    OPEN_STAGES,
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    LeadSource,
    LostReason,
    Stage,
    StageChange,
    convert,
    installation_currency,
    path_to,
)
from demo.bulk_load import Loader, Row
from demo.crm_seed import FIRST, INDUSTRIES, LAST, NAMES, NEXT, WORK
from demo.money_seed import FOREIGN_SHARE, RateBook

DAY = dt.timedelta(days=1)
HISTORY = 730 * DAY  # deals were opened over the past two years
# The share of deals that end in each stage (won deals: ``Plan.won``).
OPEN_SHARE = {Stage.LEAD: 20, Stage.QUALIFIED: 14, Stage.PROPOSAL: 11, Stage.NEGOTIATION: 8}
LOST_FROM = {Stage.LEAD: 30, Stage.QUALIFIED: 30, Stage.PROPOSAL: 25, Stage.NEGOTIATION: 15}
KINDS = {
    ActivityKind.EMAIL: ["Sent our references.", "Sent the proposal.", "Answered their questions."],
    ActivityKind.CALL: ["Intro call, good fit.", "Call about budget.", "Left a voicemail."],
    ActivityKind.NOTE: ["They compare three vendors.", "Decision after the board meeting."],
    ActivityKind.MEETING: ["Workshop with their team.", "Demo for the CTO.", "Contract review."],
}
KIND_WEIGHTS = [35.0, 30.0, 20.0, 15.0]
TITLES = ["CEO", "CTO", "Head of Operations", "Marketing lead", "Procurement", "IT manager"]
LOST_NOTES = ["Chose a cheaper offer.", "Project postponed to next year.", "No reply since."]


@dataclass(slots=True)
class DealSpec:
    """One deal's story; the delivery seeder reads won deals' ``won_at`` and sets
    ``override_reason`` (R7) before the stage changes are written."""

    id: int
    company: int
    contact: int
    owner: User
    title: str
    amount: Decimal
    steps: list[str]
    times: list[dt.datetime]  # created_at, then the moment of each step
    override_reason: str = ""
    stages: list[str] = field(default_factory=list)  # lead, then each step's target

    def __post_init__(self) -> None:
        self.stages = [Stage.LEAD.value, *(services.PIPELINE[step].target for step in self.steps)]

    @property
    def stage(self) -> str:
        return self.stages[-1]

    @property
    def created_at(self) -> dt.datetime:
        return self.times[0]

    @property
    def won_at(self) -> dt.datetime | None:
        return self.times[-1] if self.steps and self.steps[-1] == "win" else None


@dataclass
class Crm:
    """What the delivery seeder needs of the CRM rows just made."""

    deals: list[DealSpec]
    company_names: list[str]
    first_company: int


class CrmSeeder:
    def __init__(
        self,
        *,
        loader: Loader,
        rng: random.Random,
        now: dt.datetime,
        owners: list[User],
        weights: list[float],
    ) -> None:
        self.loader, self.rng, self.now = loader, rng, now
        self.owners, self.cum = owners, _cumulative(weights)
        self.probability = {stage: services._probability(stage) for stage in Stage.values}
        self.sources = list(LeadSource.objects.filter(active=True).values_list("pk", flat=True))
        self.reasons = list(LostReason.objects.filter(active=True).values_list("pk", flat=True))
        # One deal whose next action is set row by row: due moments come from the model's
        # own ``compute_due_at``, as ``deal_create`` has them.
        self._due = Deal()
        # Currencies from their own random stream: the other rows stay as they were.
        self.money_rng = random.Random(4217)
        self.rates = RateBook.load()
        self.base = installation_currency()
        self.today = timezone.localdate(now)

    def owner(self) -> User:
        return self.rng.choices(self.owners, cum_weights=self.cum)[0]

    # Companies and contacts ------------------------------------------------------------

    def companies(self, count: int) -> tuple[int, list[str], list[User]]:
        first = self.loader.reserve(Company, count)
        names, owners, rows = [], [], []
        for i in range(count):
            name = company_name(i)
            owner = self.owner()
            created = self.now - HISTORY * self.rng.random()
            domain = company_domain(i)
            industry = INDUSTRIES[i % len(INDUSTRIES)]
            names.append(name)
            owners.append(owner)
            rows.append((first + i, name, domain, industry, owner.pk, 1, created, created))
        fields = ["id", "name", "domain", "industry", "owner_id", "version"]
        self.loader.load(Company, [*fields, "created_at", "updated_at"], rows)
        return first, names, owners

    def contacts(self, count: int, *, first_company: int, owners: list[User]) -> list[list[int]]:
        """``count`` contacts, at least one per company; each company's contact ids."""
        companies = len(owners)
        per_company = [1] * companies
        for i in self.rng.choices(range(companies), k=count - companies):
            per_company[i] += 1
        first = self.loader.reserve(Contact, count)
        ids: list[list[int]] = []
        next_id = first

        def rows() -> Iterator[Row]:
            nonlocal next_id
            for i, n in enumerate(per_company):
                company_ids = list(range(next_id, next_id + n))
                ids.append(company_ids)
                domain = company_domain(i)
                for pk in company_ids:
                    first_name = FIRST[pk % len(FIRST)]
                    last_name = LAST[(pk // len(FIRST)) % len(LAST)]
                    email = f"{first_name}.{last_name}.{pk}@{domain}".lower()
                    created = self.now - HISTORY * self.rng.random()
                    title = TITLES[pk % len(TITLES)]
                    yield (pk, first_name, last_name, email, "", title, first_company + i,
                           owners[i].pk, 1, created, created)  # fmt: skip
                next_id += n

        fields = ["id", "first_name", "last_name", "email", "phone", "title", "company_id"]
        self.loader.load(
            Contact, [*fields, "owner_id", "version", "created_at", "updated_at"], rows()
        )
        return ids

    # Deals -----------------------------------------------------------------------------

    def deals(
        self,
        *,
        count: int,
        won: int,
        first_company: int,
        company_names: list[str],
        company_owners: list[User],
        contacts: list[list[int]],
    ) -> list[DealSpec]:
        first = self.loader.reserve(Deal, count)
        ends = self._ends(count, won)
        specs = []
        for n, end in enumerate(ends):
            i = self.rng.randrange(len(company_names))
            owner = company_owners[i] if self.rng.random() < 0.8 else self.owner()
            specs.append(
                DealSpec(
                    id=first + n,
                    company=first_company + i,
                    contact=self.rng.choice(contacts[i]),
                    owner=owner,
                    title=f"{WORK[n % len(WORK)]} for {company_names[i]}",
                    amount=self._amount(),
                    steps=self._steps(end),
                    times=[],
                )
            )
            specs[-1].times = self._times(len(specs[-1].steps), won=end == Stage.WON)
        return specs

    def _ends(self, count: int, won: int) -> list[str]:
        """The stage each deal ends in: exactly ``won`` won, the rest spread."""
        shares = {**OPEN_SHARE, Stage.LOST: 100 - sum(OPEN_SHARE.values()) - 5}
        others = self.rng.choices(list(shares), weights=list(shares.values()), k=count - won)
        ends = [*others, *[Stage.WON] * won]
        self.rng.shuffle(ends)
        return [str(e) for e in ends]

    def _steps(self, end: str) -> list[str]:
        if end == Stage.LOST:
            start = self.rng.choices(list(LOST_FROM), weights=list(LOST_FROM.values()))[0]
            return [*path_to(start), "lose"]
        if end == Stage.WON:
            via = Stage.NEGOTIATION if self.rng.random() < 0.7 else Stage.PROPOSAL
            return [*path_to(via), "win"]
        return path_to(end)

    def _times(self, steps: int, *, won: bool) -> list[dt.datetime]:
        """When the deal was opened and each step happened, spread over two years; a won
        deal's kickoff project needs a win at least a day ago."""
        latest = self.now - (DAY if won else dt.timedelta(minutes=5))
        created = latest - (HISTORY - DAY) * self.rng.random()
        gaps = [dt.timedelta(days=self.rng.uniform(1, 35)) for _ in range(steps)]
        room = latest - created
        total = sum(gaps, dt.timedelta())
        if total > room:  # opened lately: its steps came quicker, not all just now
            gaps = [g * (room * self.rng.uniform(0.2, 1) / total) for g in gaps]
        times = [created]
        for gap in gaps:
            times.append(times[-1] + gap)
        return times

    def _amount(self) -> Decimal:
        return Decimal(max(1, round(self.rng.lognormvariate(10.2, 0.8) / 500)) * 500)

    def deal_rows(self, specs: list[DealSpec]) -> int:
        fields = [
            "id", "title", "company_id", "contact_id", "owner_id", "created_by_id", "amount",
            "currency", "exchange_rate", "amount_base", "source_id", "campaign",
            "expected_close_date", "qualification_notes", "next_action", "next_action_due_date",
            "next_action_due_time", "next_action_due_at", "stage", "stage_entered_at",
            "probability", "lost_reason_id", "lost_note", "won_at", "lost_at", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        return self.loader.load(Deal, fields, (self._deal_row(s) for s in specs))

    def _deal_row(self, spec: DealSpec) -> Row:
        rng, stage = self.rng, spec.stage
        proposed = "propose" in spec.steps
        amount = spec.amount if proposed or rng.random() < 0.7 else Decimal("0.00")
        close = self._close_date(spec) if proposed or rng.random() < 0.5 else None
        due = self._due
        action = self._next_action(spec)
        due.next_action_due_date, due.next_action_due_time = action["date"], action["time"]
        lost = stage == Stage.LOST
        last = spec.times[-1]
        currency, rate, base = self._money(amount, stage, last)
        return (
            spec.id, spec.title, spec.company, spec.contact, spec.owner.pk, spec.owner.pk,
            amount, currency, rate, base, rng.choice(self.sources) if self.sources else None, "",
            close, "Budget approved; decision by the CEO." if "qualify" in spec.steps else "",
            action["what"], due.next_action_due_date, due.next_action_due_time,
            due.compute_due_at(spec.owner.zone), stage, last, self.probability[stage],
            rng.choice(self.reasons) if lost else None, rng.choice(LOST_NOTES) if lost else "",
            spec.won_at, last if lost else None, 1 + len(spec.steps), spec.created_at, last,
        )  # fmt: skip

    def _money(
        self, amount: Decimal, stage: str, closed: dt.datetime
    ) -> tuple[str, Decimal, Decimal]:
        """The deal's currency, rate and base amount: mostly the installation's currency
        (rate 1); ``FOREIGN_SHARE`` of deals in another with a rate on the deal's date of
        record (today while open, the day it closed)."""
        rates, rng = self.rates, self.money_rng
        if not rates.currencies or rng.random() >= FOREIGN_SHARE:
            return self.base, Decimal(1), amount
        currency = rng.choice(rates.currencies)
        day = self.today if stage in OPEN_STAGES else timezone.localdate(closed)
        rate = rates.on(currency, day)
        if rate is None:  # a rate an admin added lately: not for this old deal
            return self.base, Decimal(1), amount
        return currency, rate, convert(amount, rate)

    def _close_date(self, spec: DealSpec) -> dt.date:
        if spec.stage in OPEN_STAGES:
            return self.now.date() + DAY * self.rng.randint(-20, 180)
        return spec.times[-1].date() + DAY * self.rng.randint(-10, 20)

    def _next_action(self, spec: DealSpec) -> dict[str, Any]:
        """R2: every deal was made with a next action; an open deal's is overdue, due today
        or ahead (its owner's today), a closed deal's was due while it was open."""
        rng = self.rng
        if spec.stage in OPEN_STAGES:
            today = self.now.astimezone(spec.owner.zone).date()
            roll = rng.random()
            offset = (
                rng.randint(-30, -1) if roll < 0.25 else 0 if roll < 0.37 else rng.randint(1, 30)
            )
            day = today + DAY * offset
        else:
            day = spec.times[-1].date() - DAY * rng.randint(0, 10)
        time = (
            dt.time(rng.choice([9, 10, 11, 14, 15, 16]), rng.choice([0, 30]))
            if rng.random() < 0.25
            else None
        )
        return {"what": NEXT[rng.randrange(len(NEXT))], "date": day, "time": time}

    def stage_changes(self, specs: list[DealSpec]) -> int:
        def rows() -> Iterator[Row]:
            for spec in specs:
                stages = spec.stages
                for k, step in enumerate(spec.steps):
                    reason = spec.override_reason if step == "win" else ""
                    yield (
                        spec.id,
                        stages[k],
                        stages[k + 1],
                        spec.owner.pk,
                        spec.times[k + 1],
                        reason,
                    )

        fields = ["deal_id", "from_stage", "to_stage", "by_id", "at", "override_reason"]
        return self.loader.load(StageChange, fields, rows())

    # Activities ------------------------------------------------------------------------

    def activities(self, count: int, *, specs: list[DealSpec], contacts: list[list[int]],
                   first_company: int, company_owners: list[User]) -> int:  # fmt: skip
        """``count`` activities of every kind: most on deals (``activity_create`` with a
        deal: its company too, by a sales user), some on contacts alone."""
        rng, kinds = self.rng, list(KINDS)
        cum = _cumulative(KIND_WEIGHTS)
        on_contacts = count // 20

        bodies = {kind: KINDS[ActivityKind(kind)] for kind in kinds}

        def rows() -> Iterator[Row]:
            picked = rng.choices(kinds, cum_weights=cum, k=count)
            now, random_ = self.now, rng.random
            for n, spec in enumerate(rng.choices(specs, k=count - on_contacts)):
                kind = picked[n]
                start = spec.created_at
                end = now if spec.stage in OPEN_STAGES else max(spec.times[-1], start)
                at = start + (end - start) * random_()
                author = spec.owner.pk if random_() < 0.9 else self.owner().pk
                body = rng.choice(bodies[kind])
                yield (kind, body, at, author, spec.id, None, spec.company, at)
            for n in range(count - on_contacts, count):
                kind = picked[n]
                i = rng.randrange(len(contacts))
                at = now - HISTORY * random_()
                contact = rng.choice(contacts[i])
                body = rng.choice(bodies[kind])
                yield (kind, body, at, company_owners[i].pk, None, contact, None, at)

        fields = ["kind", "body", "occurred_at", "author_id", "deal_id", "contact_id"]
        return self.loader.load(Activity, [*fields, "company_id", "created_at"], rows())


def company_name(i: int) -> str:
    return f"{NAMES[i % len(NAMES)]} {i // len(NAMES) + 1}"


def company_domain(i: int) -> str:
    """The ``i``-th demo company's web domain, as ``company_create`` normalises it."""
    return services.normalize_domain(f"{company_name(i).replace(' ', '-')}.demo")


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out
