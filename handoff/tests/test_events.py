"""A win through the gate emits, in its transaction and once each: the stage change, the
win, and the kickoff project's project.created naming the deal."""

import datetime as dt

import pytest

from crm.models import Deal
from handoff import services
from handoff.models import Handoff
from handoff.tests.factories import HandoffFactory

pytestmark = pytest.mark.django_db


def test_a_win_emits_stage_changed_won_and_project_created_once(rep, events):
    today = dt.date.today()
    handoff = HandoffFactory(
        deal__owner=rep,
        kickoff_date=today + dt.timedelta(days=7),
        promised_date=today + dt.timedelta(days=400),
    )
    services.deal_win(deal=handoff.deal, by=rep)
    project = Handoff.objects.get(pk=handoff.pk).project
    deal = Deal.objects.get(pk=handoff.deal_id)
    assert [t for t, _ in events] == ["deal.stage_changed", "deal.won", "project.created"]
    assert (events[0][1]["from_stage"], events[0][1]["to_stage"]) == ("proposal", "won")
    assert events[1][1]["id"] == deal.pk
    assert (events[2][1]["id"], events[2][1]["deal_id"], events[2][1]["template_id"]) == (
        project.pk,
        deal.pk,
        handoff.template_id,
    )


def test_a_refused_win_emits_nothing(rep, events):
    handoff = HandoffFactory(deal__owner=rep, scope_summary="")
    with pytest.raises(Exception, match="Summarise the scope"):
        services.deal_win(deal=handoff.deal, by=rep)
    assert events == []
