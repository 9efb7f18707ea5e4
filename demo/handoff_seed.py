"""Demo won deals: handoffs completed and won through the gate, so their projects exist."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from crm.models import Contact, Deal, Stage
from handoff import services as handoff_services
from handoff.models import Handoff
from projects import services as project_services
from projects.models import ProjectTemplate, Task, TaskStatus


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


# After kickoff, plans move: the second project's build grows by four working days, the
# third's design is done two days sooner, so the baseline variance has both to show.
PLAN_CHANGES = {1: ("Build", 4), 2: ("Design", -2)}


def seed_won_deals(*, users: dict[str, User], count: int = 3) -> int:
    if Handoff.objects.filter(project__isnull=False).exists():
        return 0
    template = ProjectTemplate.objects.filter(is_active=True).order_by("pk").first()
    if template is None:
        return 0
    lead, member = users["dana"], users["max"]
    kickoff = next_monday(timezone.localdate())
    won = 0
    deals = (
        Deal.objects.filter(stage=Stage.NEGOTIATION).select_related("owner").order_by("pk")[:count]
    )
    with transaction.atomic():
        for i, deal in enumerate(deals):
            stakeholder = Contact.objects.filter(company_id=deal.company_id).order_by("pk").first()
            promised = kickoff + dt.timedelta(days=[60, 45, 20][i % 3])
            handoff_services.deal_win(
                deal=deal,
                by=deal.owner,
                override_reason="Customer accepted a phased go-live." if i % 3 == 2 else "",
                scope_summary=f"{deal.title}: discovery, design, build and launch.",
                promised_date=promised,
                promised_timeline=f"Live by {promised:%B %Y}, as agreed in the final call.",
                key_constraints="Brand guidelines; content freeze two weeks before go-live.",
                main_stakeholder=stakeholder,
                kickoff_date=kickoff,
                template=template,
                delivery_lead=lead,
            )
            handoff = Handoff.objects.select_related("project").get(deal=deal)
            project = handoff.project
            assert project is not None
            project_services.project_update(by=lead, project=project, members=[member])
            first = Task.objects.filter(project=project).order_by("planned_start", "pk").first()
            if first is not None and i == 0:
                project_services.task_update(by=lead, task=first, assignee=member)
                project_services.task_set_status(by=lead, task=first, status=TaskStatus.IN_PROGRESS)
            if i in PLAN_CHANGES:
                title, change = PLAN_CHANGES[i]
                task = Task.objects.get(project=project, title=title)
                project_services.task_update(
                    by=lead, task=task, duration_days=task.duration_days + change
                )
            won += 1
    return won


# Open deals with their handoff drafted, so the panel shows the promise check (with its
# probability, from the finished projects of ``projects_seed``): promised in so many days.
DRAFT_PROMISES = (33, 60)


def seed_handoff_drafts(*, users: dict[str, User]) -> int:
    """Draft the handoff of the first negotiation deals without one; how many were drafted."""
    template = ProjectTemplate.objects.filter(is_active=True).order_by("pk").first()
    if template is None:
        return 0
    if Handoff.objects.filter(project__isnull=True).exists():
        return 0
    kickoff = next_monday(timezone.localdate())
    deals = (
        Deal.objects.filter(stage=Stage.NEGOTIATION, handoff__isnull=True)
        .select_related("owner", "company")
        .order_by("pk")[: len(DRAFT_PROMISES)]
    )
    drafted = 0
    for deal, days in zip(deals, DRAFT_PROMISES, strict=False):
        promised = kickoff + dt.timedelta(days=days)
        handoff_services.handoff_save_draft(
            deal=deal,
            by=deal.owner,
            scope_summary=f"{deal.title}: discovery, design, build and launch.",
            promised_date=promised,
            promised_timeline=f"Live by {promised:%d %B %Y}, as discussed.",
            key_constraints="Content comes from the customer's team.",
            main_stakeholder=Contact.objects.filter(company_id=deal.company_id)
            .order_by("pk")
            .first(),
            kickoff_date=kickoff,
            template=template,
            delivery_lead=users["dana"],
        )
        drafted += 1
    return drafted
