"""Demo CRM data, created through the CRM services so every rule holds for it too."""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from crm import services
from crm.models import OPEN_STAGES, Company, Deal, LeadSource, LostReason, Stage, path_to
from demo.money_seed import RateBook

INDUSTRIES = [
    "Retail",
    "Healthcare",
    "Logistics",
    "Finance",
    "Education",
    "Manufacturing",
    "Hospitality",
]
NAMES = [
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark Logistics",
    "Wayne Health",
    "Acme Retail",
    "Soylent Foods",
    "Tyrell Systems",
    "Cyberdyne Schools",
    "Wonka Hotels",
    "Pied Piper",
    "Massive Dynamic",
    "Oscorp Finance",
]
FIRST = [
    "Anna",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Luca",
]
LAST = [
    "Meyer",
    "Okafor",
    "Lindqvist",
    "Rossi",
    "Tanaka",
    "Novak",
    "Garcia",
    "Schmidt",
    "Dubois",
    "Kowalski",
]
WORK = [
    "Website relaunch",
    "CRM rollout",
    "Data platform",
    "Mobile app",
    "Cloud migration",
    "Security audit",
    "Intranet",
]
NEXT = [
    "Call about budget",
    "Send proposal",
    "Book a demo",
    "Follow up on contract",
    "Meet the CTO",
    "Share references",
]


def seed_crm(*, users: dict[str, User], deals: int) -> int:
    """Create demo companies, contacts, deals and activities unless they already exist."""
    if Company.objects.filter(domain__endswith=".demo").exists():
        return 0
    rng = random.Random(42)
    reps = [users["rita"], users["ravi"]]
    sources = list(LeadSource.objects.all())
    reasons = list(LostReason.objects.all())
    today = timezone.localdate()
    # Every fifteenth deal (open ones) in another currency, when the demo has rates.
    foreign = RateBook.load().currencies
    companies = max(3, deals // 2)
    with transaction.atomic():
        made_companies = []
        for i in range(companies):
            name = NAMES[i % len(NAMES)] + (f" {i // len(NAMES) + 1}" if i >= len(NAMES) else "")
            owner = reps[i % 2]
            company = services.company_create(
                by=owner,
                name=name,
                domain=f"{name.lower().replace(' ', '-')}.demo",
                industry=INDUSTRIES[i % len(INDUSTRIES)],
            )
            contacts = []
            for j in range(2):
                first, last = FIRST[(i + j) % len(FIRST)], LAST[(i * 3 + j) % len(LAST)]
                contacts.append(
                    services.contact_create(
                        by=owner,
                        first_name=first,
                        last_name=last,
                        email=f"{first.lower()}.{last.lower()}.{i}{j}@{company.domain}",
                        title=["CEO", "CTO", "Head of Operations", "Marketing lead"][(i + j) % 4],
                        company=company,
                    )
                )
            made_companies.append((company, contacts))
        for n in range(deals):
            company, contacts = made_companies[n % len(made_companies)]
            # The manager carries a few key accounts too, as in the bulk demo.
            owner = users["sam"] if n % 7 == 3 else reps[n % 2]
            due = today + dt.timedelta(days=rng.randint(-6, 14))
            targets = [*OPEN_STAGES, Stage.LOST]
            target = targets[n % len(targets)]
            currency = None
            if foreign and n % 15 == 7 and target != Stage.LOST:
                currency = foreign[n // 15 % len(foreign)]
            deal = services.deal_create(
                by=owner,
                title=f"{WORK[n % len(WORK)]} for {company.name}",
                company=company,
                contact=contacts[n % 2],
                amount=Decimal(rng.randrange(5, 120) * 1000),
                currency=currency,
                source=sources[n % len(sources)] if sources else None,
                expected_close_date=today + dt.timedelta(days=rng.randint(10, 170)),
                next_action=NEXT[n % len(NEXT)],
                next_action_due=due,
            )
            # Lost deals were qualified first, then lost.
            steps = [*path_to(Stage.QUALIFIED), "lose"] if target == Stage.LOST else path_to(target)
            for step in steps:
                params: dict[str, object] = (
                    {"qualification_notes": "Budget approved; decision by the CEO."}
                    if step == "qualify"
                    else {}
                )
                if step == "lose":
                    params = {
                        "lost_reason": reasons[n % len(reasons)],
                        "note": "Chose a cheaper offer.",
                    }
                deal = services.deal_transition(deal=deal, by=owner, name=step, params=params)
            # Demo history: deals were opened over the past months, not all today; most
            # moved lately, three in ten have sat in their stage past its limit (stuck).
            now = timezone.now()
            opened = now - dt.timedelta(days=rng.randint(20, 300))
            in_stage = rng.randint(1, 12) if n % 10 < 7 else rng.randint(25, 60)
            Deal.objects.filter(pk=deal.pk).update(
                created_at=opened,
                stage_entered_at=max(
                    opened + dt.timedelta(days=1), now - dt.timedelta(days=in_stage)
                ),
                lost_at=(opened + dt.timedelta(days=rng.randint(10, 60)))
                if target == Stage.LOST
                else None,
            )
            for k in range(3):
                services.activity_create(
                    by=owner,
                    deal=deal,
                    kind=["call", "email", "meeting"][k],
                    body=[
                        "Intro call, good fit.",
                        "Sent our references.",
                        "Workshop with their team.",
                    ][k],
                    occurred_at=timezone.now() - dt.timedelta(days=10 - k * 3, hours=n % 7),
                )
    return Deal.objects.count()
