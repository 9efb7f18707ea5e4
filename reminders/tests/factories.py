"""Factories for reminder tests: crm has none yet, so the deals reminders read are made here."""

import datetime as dt

import factory

from accounts.tests.factories import UserFactory
from crm.models import Company, Deal, Stage


class CompanyFactory(factory.django.DjangoModelFactory[Company]):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    owner = factory.SubFactory(UserFactory)


class DealFactory(factory.django.DjangoModelFactory[Deal]):
    """An open deal whose next action is due on ``next_action_due_date`` (in the owner's zone).

    ``next_action_due_at`` is derived the way crm's services keep it, and the FSM stage is
    passed to the constructor (allowed once) rather than assigned.
    """

    class Meta:
        model = Deal
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Deal {n}")
    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(UserFactory)
    stage = Stage.LEAD
    next_action = "Call back"
    next_action_due_date = dt.date(2030, 1, 1)
    next_action_due_time = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        deal = model_class(*args, **kwargs)
        deal.next_action_due_at = deal.compute_due_at(deal.owner.zone)
        deal.save()
        return deal
