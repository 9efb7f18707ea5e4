"""The rules through the Django admin (through the import: imports/tests/test_rules.py)."""

import pytest
from django.urls import reverse

from crm.models import Company, Deal, StageChange
from crm.tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db


def test_admin_shows_the_stage_read_only(client, admin_user):
    deal = DealFactory()
    client.force_login(admin_user)
    response = client.get(reverse("admin:crm_deal_change", args=[deal.pk]))
    assert response.status_code == 200
    assert "stage" not in response.context["adminform"].form.fields
    assert b"Lead" in response.content


def test_admin_refuses_an_open_deal_without_a_next_action(client, admin_user, rep):
    company = CompanyFactory()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:crm_deal_add"),
        {
            "title": "Admin deal",
            "company": company.pk,
            "owner": rep.pk,
            "amount": "0",
            "next_action": "",
            "next_action_due_date": "",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["next_action"] == ["An open deal needs a next action: what happens next."]
    assert errors["next_action_due_date"] == ["An open deal needs a due date for its next action."]
    assert not Deal.objects.filter(title="Admin deal").exists()
    response = client.post(
        reverse("admin:crm_deal_add"),
        {
            "title": "Admin deal",
            "company": company.pk,
            "owner": rep.pk,
            "amount": "0",
            "next_action": "Call",
            "next_action_due_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    deal = Deal.objects.get(title="Admin deal")
    assert (deal.owner, deal.created_by, deal.stage) == (rep, admin_user, "lead")


def test_admin_edit_cannot_clear_the_next_action(client, admin_user):
    deal = DealFactory(title="Keep")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:crm_deal_change", args=[deal.pk]),
        {
            "title": "Keep",
            "company": deal.company_id,
            "owner": deal.owner_id,
            "amount": "0",
            "next_action": "",
            "next_action_due_date": "",
        },
    )
    assert response.status_code == 200
    assert Deal.objects.get(pk=deal.pk).next_action == "Call to follow up"


def test_admin_actions_move_through_the_services(client, admin_user):
    ready = DealFactory(title="Ready", qualification_notes="ok")
    unready = DealFactory(title="Unready", qualification_notes="")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:crm_deal_changelist"),
        {"action": "qualify", "_selected_action": [ready.pk, unready.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert (
        "“Unready” not moved: qualification_notes: Qualification notes are required to qualify a deal."
        in texts
    )
    assert "1 deal(s) moved." in texts
    assert Deal.objects.get(pk=ready.pk).stage == "qualified"
    assert Deal.objects.get(pk=unready.pk).stage == "lead"
    assert StageChange.objects.get().by == admin_user


def test_admin_company_goes_through_the_service(client, admin_user, rep):
    CompanyFactory(name="Acme", domain="acme.example")
    client.force_login(admin_user)
    url = reverse("admin:crm_company_add")
    response = client.post(
        url, {"name": "Acme again", "domain": "https://www.ACME.example/", "owner": rep.pk}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "domain": ["A company with this web domain already exists."]
    }
    assert Company.objects.count() == 1
    response = client.post(
        url, {"name": "Globex", "domain": "https://www.Globex.example/", "owner": rep.pk}
    )
    assert response.status_code == 302
    globex = Company.objects.get(name="Globex")
    assert (globex.domain, globex.owner, globex.version) == ("globex.example", rep, 1)
    response = client.post(
        reverse("admin:crm_company_change", args=[globex.pk]),
        {"name": "Globex Inc", "domain": "globex.example", "industry": "", "owner": rep.pk},
    )
    assert response.status_code == 302
    globex.refresh_from_db()
    assert (globex.name, globex.version) == ("Globex Inc", 2)


def test_admin_contact_goes_through_the_service(client, admin_user, rep):
    from crm.models import Contact
    from crm.tests.factories import ContactFactory

    ContactFactory(email="ann@client.example")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:crm_contact_add"),
        {"first_name": "Ann", "email": "ANN@client.example", "owner": rep.pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["A contact with this email address already exists."]
    }
    response = client.post(
        reverse("admin:crm_contact_add"),
        {"first_name": "Bo", "email": "Bo@Client.example", "owner": rep.pk},
    )
    assert response.status_code == 302
    assert Contact.objects.get(first_name="Bo").email == "bo@client.example"
