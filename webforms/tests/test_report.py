"""Web-form leads by lead source and campaign: the selector, the API and the dashboard."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from accounts.services import api_token_create
from crm.models import LeadSource
from crm.tests.factories import DealFactory
from dashboards.selectors import Period
from webforms import selectors, services
from webforms.tests.conftest import enquiry

pytestmark = pytest.mark.django_db
ALL_TIME = Period(None, None)


@pytest.fixture
def leads(webform, website):
    """Five web-form leads (one a duplicate, one spam), and deals from elsewhere."""
    event = LeadSource.objects.get(name="Event")
    sent = [
        enquiry(email="a@x.example", utm_campaign="spring"),
        enquiry(email="b@x.example", utm_campaign="spring"),
        enquiry(email="c@x.example", utm_campaign="autumn"),
        enquiry(email="d@x.example"),
        enquiry(email="e@x.example", utm_source="event", utm_campaign="fair"),
        enquiry(email="a@x.example", utm_campaign="spring"),  # a duplicate: no new lead
        enquiry(email="f@x.example", utm_campaign="spring", website="x"),  # spam
    ]
    for i, data in enumerate(sent):
        services.submission_accept(webform, data, ip=f"198.51.100.{i}")
    # Not from a web form: not counted, whatever its source and campaign.
    DealFactory(source=website, campaign="spring")
    DealFactory(source=event, campaign="fair")
    return website, event


def test_leads_by_source_and_campaign(leads, django_assert_num_queries):
    website, event = leads
    with django_assert_num_queries(1):
        rows = selectors.leads_by_campaign(period=ALL_TIME, zone=dt.UTC)
    zero = Decimal("0.00")
    assert rows == [
        {
            "source_id": event.pk,
            "source": "Event",
            "campaign": "fair",
            "leads": 1,
            "won": 0,
            "won_amount": zero,
        },
        {
            "source_id": website.pk,
            "source": "Website",
            "campaign": "autumn",
            "leads": 1,
            "won": 0,
            "won_amount": zero,
        },
        {
            "source_id": website.pk,
            "source": "Website",
            "campaign": "spring",
            "leads": 2,
            "won": 0,
            "won_amount": zero,
        },
        {
            "source_id": website.pk,
            "source": "Website",
            "campaign": "",
            "leads": 1,
            "won": 0,
            "won_amount": zero,
        },
    ]


def test_the_period_and_the_owner_narrow_it(leads, owners):
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    assert selectors.leads_by_campaign(period=Period(tomorrow, None), zone=dt.UTC) == []
    rows = selectors.leads_by_campaign(period=ALL_TIME, zone=dt.UTC, owner_id=owners[0].pk)
    # Round robin: the first and the fourth lead went to the first owner.
    assert [(r["campaign"], r["leads"]) for r in rows] == [("spring", 1), ("", 1)]


def api_get(user, path, **params):
    _, raw = api_token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"}).get(f"/api/v1/{path}", params)


def test_the_api_report(leads, manager):
    response = api_get(manager, "reports/campaigns")
    assert response.status_code == 200
    assert response.json()[2] == {
        "source": "Website",
        "source_id": leads[0].pk,
        "campaign": "spring",
        "leads": 2,
        "won": 0,
        "won_amount": "0.00",
        "currency": "EUR",
    }
    assert len(response.json()) == 4


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("rep", 200),
        ("manager", 200),
        ("admin_user", 200),
        ("lead", 403),
        ("member", 403),
        ("no_role", 403),
    ],
)
def test_the_api_report_roles(request, who, status):
    assert api_get(request.getfixturevalue(who), "reports/campaigns").status_code == status


def test_the_api_report_checks_its_dates(manager):
    response = api_get(manager, "reports/campaigns", since="2026-05-02", until="2026-05-01")
    assert response.status_code == 422
    assert response.json()["errors"] == {"until": ["Must be on or after since."]}
    assert Client().get("/api/v1/reports/campaigns").status_code == 401


def test_the_sales_dashboard_shows_them_and_exports_csv(leads, manager):
    client = Client()
    client.force_login(manager)
    page = client.get("/dashboards/sales/", {"period": "12m"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Web-form leads by source and campaign" in html
    csv = client.get("/dashboards/sales/", {"format": "csv", "widget": "campaigns"})
    assert csv.status_code == 200
    lines = b"".join(csv.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lines == [
        "source,campaign,leads,won,won_amount,currency",
        "Event,fair,1,0,0.00,EUR",
        "Website,autumn,1,0,0.00,EUR",
        "Website,spring,2,0,0.00,EUR",
        "Website,No campaign,1,0,0.00,EUR",
        "All web-form leads,,5,0,0.00,EUR",
    ]
