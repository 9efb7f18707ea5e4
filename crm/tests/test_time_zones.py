"""CRM pages in the viewer's time zone and the house formats (accounts.formats)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.tests.factories import ActivityFactory, CompanyFactory, DealFactory

# 19:15 UTC on 2 December 2026: 20:15 in Berlin, 00:45 on 3 December in Kolkata.
LOGGED = dt.datetime(2026, 12, 2, 19, 15, tzinfo=dt.UTC)


@pytest.fixture
def deal(rep):
    return DealFactory(
        owner=rep,
        company=CompanyFactory(owner=rep, name="Acme"),
        title="Roll-out",
        amount=Decimal("81000.00"),
        expected_close_date=dt.date(2027, 1, 29),
        next_action="Send the quote",
        next_action_due_date=dt.date(2026, 12, 9),
        next_action_due_time=dt.time(9, 30),
    )


@pytest.mark.parametrize(
    ("zone", "shown"),
    [("Europe/Berlin", "2 Dec 2026, 20:15"), ("Asia/Kolkata", "3 Dec 2026, 00:45")],
)
def test_an_activity_reads_in_the_viewers_zone_on_every_page(client, rep, deal, zone, shown):
    ActivityFactory(deal=deal, body="Called Ann.", occurred_at=LOGGED)
    rep.time_zone = zone
    rep.save(update_fields=["time_zone"])
    client.force_login(rep)
    detail = client.get(reverse("crm:deal-detail", args=[deal.pk])).content.decode()
    iso = LOGGED.astimezone(rep.zone).isoformat()
    assert f'<time datetime="{iso}" title="{zone} time">{shown}</time>' in detail
    company = client.get(reverse("crm:company-detail", args=[deal.company_id])).content.decode()
    assert f'<span class="muted small">{shown} · {rep.display_name}' in company


def test_the_deal_page_says_dates_and_money_the_house_way(client, rep, deal):
    client.force_login(rep)
    html = client.get(reverse("crm:deal-detail", args=[deal.pk])).content.decode()
    assert '<span class="small">due 9 Dec 2026 at 09:30</span>' in html
    assert "<dt>Amount</dt><dd>81,000\u00a0EUR</dd>" in html
    assert "<dt>Probability</dt><dd>10% (weighted 8,100\u00a0EUR)</dd>" in html
    assert "<dt>Expected close</dt><dd>29 Jan 2027</dd>" in html
    listed = client.get(reverse("crm:deal-list")).content.decode()
    assert '<td data-label="Expected close">29 Jan 2027</td>' in listed
    assert '<td data-label="Amount" class="num">81,000\u00a0EUR</td>' in listed
    assert "9 Dec 09:30</span>" in listed  # the next-action badge
