"""Lists and pages keep a constant number of SQL queries: pinned, the same for 3 and 30 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_create
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


def make_rows(owner, n):
    company = CompanyFactory(owner=owner)
    deals = []
    for i in range(n):
        contact = ContactFactory(company=company, owner=owner)
        deal = DealFactory(owner=owner, company=company, contact=contact, proposal=bool(i % 2))
        ActivityFactory(deal=deal)
        deals.append(deal)
    for _ in range(n):
        CompanyFactory(owner=owner)
    return company, deals


def count(client, url, **kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(ctx.captured_queries)


PAGES = {
    "/pipeline/": 12,
    "/deals/": 9,
    "/deals/?stage=open&sort=next_action_due_at": 9,
    "/companies/": 7,
    "/contacts/": 7,
    "/": 11,
    "/search/?q=Company": 7,
}


@pytest.mark.parametrize("url", list(PAGES))
def test_list_pages_are_flat(client, rep, url):
    client.force_login(rep)
    make_rows(rep, 3)
    small = count(client, url)
    make_rows(rep, 27)
    assert (small, count(client, url)) == (PAGES[url], PAGES[url])


def test_detail_pages_are_flat(client, rep):
    client.force_login(rep)
    company, deals = make_rows(rep, 3)
    deal = deals[0]
    small = (
        count(client, f"/deals/{deal.pk}/"),
        count(client, f"/companies/{company.pk}/"),
        count(client, f"/contacts/{deal.contact_id}/"),
    )
    for _ in range(27):
        ActivityFactory(deal=deal)
        DealFactory(owner=rep, company=company, contact=deal.contact)
    big = (
        count(client, f"/deals/{deal.pk}/"),
        count(client, f"/companies/{company.pk}/"),
        count(client, f"/contacts/{deal.contact_id}/"),
    )
    # (the handoff panel's stakeholder and delivery lead pickers list no one: they name the
    # chosen ones only; the company page asks for its projects once; the contact page reads
    # its deals' ids before its history, so that the history query uses its indexes)
    assert small == big == (8, 8, 7)


def test_api_deal_list_and_csv_export_are_flat(client, rep):
    _, raw = api_token_create(user=rep)
    headers = {"Authorization": f"Bearer {raw}"}
    client.force_login(rep)
    client.get("/api/v1/me", headers=headers)  # the token's first use records last_used_at
    make_rows(rep, 3)
    small = (count(client, "/api/v1/deals", headers=headers), count(client, "/deals/?format=csv"))
    make_rows(rep, 27)
    big = (count(client, "/api/v1/deals", headers=headers), count(client, "/deals/?format=csv"))
    assert small == big == (6, 3)
