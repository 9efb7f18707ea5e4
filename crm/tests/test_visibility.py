"""Issue 11: what delivery users may read in the CRM, and who may create for others."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from crm import services
from crm.tests.factories import ActivityFactory, CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(rep):
    company = CompanyFactory(owner=rep, name="Acme", domain="acme.example")
    open_deal = DealFactory(owner=rep, company=company, title="Secret upsell")
    won = DealFactory(owner=rep, company=company, won=True, title="Relaunch")
    ActivityFactory(deal=open_deal, body="They would pay 20% more")
    ActivityFactory(deal=won, body="Signed the contract")
    ActivityFactory(deal=None, company=company, author=rep, body="Moved offices")
    return company


def test_company_page_shows_delivery_no_open_deal_history(client, lead, rep, acme):
    client.force_login(lead)
    response = client.get(reverse("crm:company-detail", args=[acme.pk]))
    assert response.status_code == 200
    assert [a.body for a in response.context["activities"]] == [
        "Moved offices",
        "Signed the contract",
    ]
    assert [d.title for d in response.context["deals"]] == ["Relaunch"]
    assert b"Secret upsell" not in response.content
    assert b"20% more" not in response.content
    client.force_login(rep)
    sales = client.get(reverse("crm:company-detail", args=[acme.pk]))
    assert len(sales.context["activities"]) == 3


def test_open_deal_counts_are_for_sales_only(client, lead, rep, acme):
    client.force_login(lead)
    page = client.get(reverse("crm:company-list"))
    assert page.status_code == 200 and b"Open deals" not in page.content
    csv = b"".join(client.get(reverse("crm:company-list"), {"format": "csv"}).streaming_content)
    assert csv.decode("utf-8-sig").splitlines()[0] == "id,name,domain,industry,owner,created_at"
    client.force_login(rep)
    csv = b"".join(client.get(reverse("crm:company-list"), {"format": "csv"}).streaming_content)
    header, row = csv.decode("utf-8-sig").splitlines()
    assert header == "id,name,domain,industry,owner,open_deals,created_at"
    assert row.split(",")[5] == "1"


def test_a_rep_cannot_create_companies_for_someone_else(rep, other_rep, manager):
    with pytest.raises(PermissionDenied):
        services.contact_create(by=rep, first_name="Ann", owner=other_rep)
    made = services.company_create(by=manager, name="Acme", owner=other_rep)
    assert made.owner == other_rep


def test_the_deal_form_corrects_a_won_deal_with_a_reason(client, rep, manager):
    from crm.models import Activity, Deal

    won = DealFactory(owner=rep, won=True, title="Won")
    data = {
        "title": "Won",
        "company": won.company_id,
        "owner": rep.pk,
        "amount": "15000",
        "expected_close_date": won.expected_close_date.isoformat(),
        "version": won.version,
    }
    client.force_login(rep)
    form = client.get(reverse("crm:deal-edit", args=[won.pk])).context["form"]
    assert "correction_reason" not in form.fields
    response = client.post(reverse("crm:deal-edit", args=[won.pk]), data)
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "amount": ["This deal is won: only a sales manager can correct it, with a reason."]
    }
    client.force_login(manager)
    response = client.post(
        reverse("crm:deal-edit", args=[won.pk]), {**data, "correction_reason": "Order says so"}
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Deal.objects.get(pk=won.pk).amount == 15000
    assert Activity.objects.get(deal=won).body.endswith("Reason: Order says so")
