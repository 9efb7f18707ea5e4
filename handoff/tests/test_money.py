"""Winning fixes a deal's exchange rate: that of the day it was won."""

from decimal import Decimal

import pytest

from crm.models import Stage
from crm.tests import test_money as crm_money
from handoff import services as handoff_services
from handoff.tests.factories import HandoffFactory

pytestmark = pytest.mark.django_db

frozen, rates, money = crm_money.frozen, crm_money.rates, crm_money.money


def test_a_won_deal_is_converted_at_the_rate_of_the_day_it_was_won(rep, manager, rates):
    handoff = HandoffFactory(
        deal__owner=rep, deal__currency="CHF", deal__exchange_rate=Decimal("1.05")
    )
    assert money(handoff.deal)[2:4] == (Decimal("1.05"), Decimal("10500.00"))
    won = handoff_services.deal_win(deal=handoff.deal, by=rep)
    assert won.stage == Stage.WON
    assert money(won)[:4] == (Decimal("10000.00"), "CHF", Decimal("1.07"), Decimal("10700.00"))
