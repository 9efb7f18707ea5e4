import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import (
    DEFAULT_PROBABILITY,
    Activity,
    Company,
    Contact,
    Deal,
    ExchangeRate,
    LostReason,
    Stage,
    convert,
)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.example")
    industry = "Consulting"
    owner = factory.SubFactory(UserFactory, role=Role.SALES_REP)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = factory.Sequence(lambda n: f"Ann{n}")
    last_name = "Example"
    email = factory.Sequence(lambda n: f"contact{n}@client.example")
    company = factory.SubFactory(CompanyFactory)
    owner = factory.SelfAttribute("company.owner")


class DealFactory(factory.django.DjangoModelFactory):
    """An open lead by default; traits put it in later stages without assigning ``stage``.
    In the installation currency unless told; ``amount_base`` is converted at the given
    ``exchange_rate`` (default 1), as the services convert it."""

    class Meta:
        model = Deal

    class Params:
        qualified = factory.Trait(stage=Stage.QUALIFIED, qualification_notes="Budget confirmed.")
        proposal = factory.Trait(
            stage=Stage.PROPOSAL,
            qualification_notes="Budget confirmed.",
            amount=Decimal("10000.00"),
            expected_close_date=factory.LazyFunction(
                lambda: timezone.localdate() + dt.timedelta(days=30)
            ),
        )
        negotiation = factory.Trait(
            stage=Stage.NEGOTIATION,
            qualification_notes="Budget confirmed.",
            amount=Decimal("10000.00"),
            expected_close_date=factory.LazyFunction(
                lambda: timezone.localdate() + dt.timedelta(days=30)
            ),
        )
        lost = factory.Trait(
            stage=Stage.LOST,
            lost_reason=factory.LazyFunction(lambda: LostReason.objects.order_by("pk").first()),
            lost_at=factory.LazyFunction(timezone.now),
        )
        won = factory.Trait(
            stage=Stage.WON,
            qualification_notes="Budget confirmed.",
            amount=Decimal("10000.00"),
            expected_close_date=factory.LazyFunction(timezone.localdate),
            won_at=factory.LazyFunction(timezone.now),
        )

    title = factory.Sequence(lambda n: f"Deal {n}")
    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(UserFactory, role=Role.SALES_REP)
    created_by = factory.SelfAttribute("owner")
    amount = Decimal("0.00")
    stage = Stage.LEAD
    next_action = "Call to follow up"
    next_action_due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))
    probability = factory.LazyAttribute(lambda d: DEFAULT_PROBABILITY[Stage(d.stage)])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        deal = model_class(*args, **kwargs)
        deal.next_action_due_at = deal.compute_due_at(deal.owner.zone)
        if "amount_base" not in kwargs:
            deal.amount_base = convert(deal.amount, deal.exchange_rate)
        deal.save()
        return deal


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate

    currency = "CHF"
    rate = Decimal("1.05")
    valid_from = dt.date(2026, 1, 1)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    kind = "note"
    body = factory.Sequence(lambda n: f"Note {n}")
    author = factory.SelfAttribute("deal.owner")
    deal = factory.SubFactory(DealFactory)
    company = factory.SelfAttribute("deal.company")
