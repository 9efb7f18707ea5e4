"""The demo at benchmark size (``seed_demo --deals N`` above ``BULK_THRESHOLD``, or
``--bulk``): the whole shape of a busy installation in one transaction of ``COPY``
statements (``bulk_create``-like INSERTs off PostgreSQL), a fixed number of queries
whatever ``N``, then ``ANALYZE``.

Per ``N`` deals: ``N / 2`` companies, ``2 N`` contacts, ``10 N`` activities, 4.8 % of the
deals won (each with its handoff and kickoff project), 0.2 % internal projects besides,
40 tasks a project; 20 sales and 10 delivery users beside the six demo users. The rows are
those the services would have written (see ``demo.bulk_crm`` and ``demo.bulk_delivery``);
``demo/tests/test_bulk.py`` holds every row to ``full_clean`` and the models' constraints.

Idempotent like the small demo: when demo companies exist, nothing more is made.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from crm.models import Activity, Company, Contact, Deal, DealTotal, StageChange
from demo.bulk_crm import HISTORY, CrmSeeder
from demo.bulk_delivery import DeliverySeeder, TemplatePlan
from demo.bulk_load import Loader
from demo.team_seed import seed_team
from handoff.models import Handoff
from projects.models import ChecklistItem, Dependency, Milestone, Project, ProjectTemplate, Task

LOADED: list[type[models.Model]] = [
    Company,
    Contact,
    Deal,
    StageChange,
    Activity,
    Project,
    Project.members.through,
    Milestone,
    Task,
    Dependency,
    ChecklistItem,
    Handoff,
]


@dataclass(frozen=True)
class BulkPlan:
    """How many of each kind ``deals`` deals come with."""

    deals: int

    @property
    def companies(self) -> int:
        return max(3, self.deals // 2)

    @property
    def contacts(self) -> int:
        return max(self.companies, 2 * self.deals)

    @property
    def activities(self) -> int:
        return 10 * self.deals

    @property
    def won(self) -> int:
        return max(1, self.deals * 48 // 1000)

    @property
    def internal_projects(self) -> int:
        return max(1, self.deals * 2 // 1000)


@dataclass
class BulkOutcome:
    users_created: int = 0
    deals_created: int = 0
    deals_won: int = 0
    projects_created: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def seed_bulk(*, users: dict[str, User], deals: int, password: str) -> BulkOutcome:
    """Make the demo at size unless demo data exists; ``users`` are the six demo users."""
    with transaction.atomic():
        team, created = seed_team(password=password)
        outcome = BulkOutcome(users_created=created)
        if Company.objects.filter(domain__endswith=".demo").exists():
            return outcome
        loader = Loader()
        with loader.indexes_deferred(LOADED):
            _load(loader, {**users, **team}, BulkPlan(deals), outcome)
    loader.analyze(DealTotal)  # the running totals the deals' trigger kept during the load
    return outcome


def _sales(people: dict[str, User]) -> tuple[list[User], list[float]]:
    """Owners, skewed: the two demo reps and the first reps carry the most deals."""
    reps = [people[f"rep{i:02d}"] for i in range(1, 19)]
    owners = [people["rita"], people["ravi"], *reps, people["manager01"], people["manager02"]]
    weights = [5.0, 4.0, *[6.0 / (k + 1) ** 0.6 for k in range(len(reps))], 0.4, 0.4]
    return [*owners, people["sam"]], [*weights, 0.4]


def _load(loader: Loader, people: dict[str, User], plan: BulkPlan, outcome: BulkOutcome) -> None:
    rng, now = random.Random(2026), timezone.now()
    owners, weights = _sales(people)
    crm = CrmSeeder(loader=loader, rng=rng, now=now, owners=owners, weights=weights)
    template = ProjectTemplate.objects.filter(is_active=True).order_by("pk").first()
    won = plan.won if template is not None else 0
    first_company, names, company_owners = crm.companies(plan.companies)
    contacts = crm.contacts(plan.contacts, first_company=first_company, owners=company_owners)
    specs = crm.deals(
        count=plan.deals,
        won=won,
        first_company=first_company,
        company_names=names,
        company_owners=company_owners,
        contacts=contacts,
    )
    projects = []
    if template is not None:
        delivery = DeliverySeeder(
            loader=loader,
            rng=rng,
            now=now,
            template=TemplatePlan.load(
                template, since=(now - HISTORY - dt.timedelta(days=7)).date()
            ),
            leads=[people["dana"], *(people[f"lead{i:02d}"] for i in range(1, 4))],
            members=[people["max"], *(people[f"member{i:02d}"] for i in range(1, 8))],
        )
        # The kickoffs first: R7's promise check decides each win's override reason.
        projects = delivery.kickoffs([s for s in specs if s.won_at is not None])
        projects += delivery.internal(plan.internal_projects)
    outcome.deals_created = crm.deal_rows(specs)
    crm.stage_changes(specs)
    crm.activities(
        plan.activities,
        specs=specs,
        contacts=contacts,
        first_company=first_company,
        company_owners=company_owners,
    )
    if template is not None:
        delivery.load(projects)
    outcome.deals_won = won
    outcome.projects_created = len(projects)
    outcome.rows = dict(loader.counts)
