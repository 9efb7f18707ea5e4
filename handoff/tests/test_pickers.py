"""Issue 14: the handoff's delivery lead is picked by typing, among delivery leads only (R5)."""

import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.tests.factories import DealFactory
from handoff.models import Handoff

pytestmark = pytest.mark.django_db


def options(response) -> list[str]:
    return re.findall(r'data-label="([^"]*)"', response.content.decode())


def test_delivery_lead_lookup_lists_active_delivery_leads_only(client, rep):
    UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    UserFactory(username="dora", full_name="Dora Lead", role=Role.DELIVERY_LEAD, is_active=False)
    UserFactory(username="dave", full_name="Dave Member", role=Role.DELIVERY_MEMBER)
    UserFactory(username="dina", full_name="Dina Admin", role=Role.ADMIN)
    client.force_login(rep)
    url = reverse("handoff:delivery-lead-lookup")
    assert options(client.get(url, {"q": "d"})) == ["Dana Lead"]
    assert options(client.get(url, {"q": "dave"})) == []
    assert "No delivery lead matches." in client.get(url, {"q": "dave"}).content.decode()


def test_delivery_lead_lookup_roles(client, rep, manager, lead, member, admin_user, no_role):
    url = reverse("handoff:delivery-lead-lookup")
    got = {}
    for user in (rep, manager, lead, member, admin_user, no_role):
        client.force_login(user)
        got[user.username] = client.get(url).status_code
    assert got == {
        "rep": 200,
        "manager": 200,
        "lead": 403,
        "member": 403,
        "admin": 200,
        "norole": 403,
    }


def test_delivery_lead_lookup_queries_do_not_grow(client, rep, django_assert_num_queries):
    client.force_login(rep)
    url = reverse("handoff:delivery-lead-lookup")
    client.get(url)
    # session, user, roles, the suggestions
    with django_assert_num_queries(4):
        client.get(url)
    for _ in range(25):
        UserFactory(role=Role.DELIVERY_LEAD)
    with django_assert_num_queries(4):
        assert len(options(client.get(url))) == 20


def test_a_forged_delivery_lead_is_a_field_error_and_saves_nothing(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    member = UserFactory(role=Role.DELIVERY_MEMBER)
    dana = UserFactory(full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    client.force_login(rep)
    url = reverse("handoff:handoff-save", args=[deal.pk])
    response = client.post(url, {"scope_summary": "Shop", "delivery_lead": member.pk})
    assert response.status_code == 422
    assert response.context["form"].errors["delivery_lead"] == [
        "Choose one of the suggestions: that choice is not available."
    ]
    assert not Handoff.objects.exists()
    response = client.post(url, {"scope_summary": "Shop", "delivery_lead": dana.pk})
    assert response.status_code == 302
    assert Handoff.objects.get(deal=deal).delivery_lead == dana
    # The saved choice shows its name in the panel.
    page = client.get(reverse("crm:deal-detail", args=[deal.pk])).content.decode()
    assert 'id="id_delivery_lead_search" name="q" value="Dana Lead"' in page


def test_the_main_stakeholder_is_picked_among_the_deals_company_contacts(client, rep):
    from crm.tests.factories import CompanyFactory, ContactFactory

    deal = DealFactory(owner=rep, proposal=True)
    anna = ContactFactory(company=deal.company, first_name="Anna", last_name="Berg")
    stranger = ContactFactory(company=CompanyFactory(), first_name="Otto")
    client.force_login(rep)
    page = client.get(reverse("crm:deal-detail", args=[deal.pk])).content.decode()
    lookup = f'hx-get="{reverse("crm:contact-lookup")}?company={deal.company_id}"'
    assert lookup in page
    assert "Otto" not in page
    suggested = client.get(reverse("crm:contact-lookup"), {"company": deal.company_id})
    assert options(suggested) == ["Anna Berg"]
    url = reverse("handoff:handoff-save", args=[deal.pk])
    response = client.post(url, {"main_stakeholder": stranger.pk})
    assert response.status_code == 422
    assert response.context["form"].errors["main_stakeholder"] == [
        "Choose one of the suggestions: that choice is not available."
    ]
    assert not Handoff.objects.exists()
    assert client.post(url, {"main_stakeholder": anna.pk}).status_code == 302
    assert Handoff.objects.get(deal=deal).main_stakeholder == anna
