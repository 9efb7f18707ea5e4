import datetime as dt

import factory

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.tests.factories import ContactFactory, DealFactory
from handoff.models import Handoff
from projects.models import ProjectTemplate


class HandoffFactory(factory.django.DjangoModelFactory):
    """A complete handoff for a deal in proposal, kicking off next Monday."""

    class Meta:
        model = Handoff

    deal = factory.SubFactory(DealFactory, proposal=True)
    scope_summary = "Relaunch the website with a shop."
    promised_date = dt.date(2027, 6, 30)
    promised_timeline = "Live before the summer sale."
    key_constraints = "Brand guidelines; no downtime."
    main_stakeholder = factory.LazyAttribute(lambda h: ContactFactory(company=h.deal.company))
    kickoff_date = dt.date(2026, 11, 30)
    template = factory.LazyFunction(lambda: ProjectTemplate.objects.get(name="Standard delivery"))
    delivery_lead = factory.SubFactory(UserFactory, role=Role.DELIVERY_LEAD)
