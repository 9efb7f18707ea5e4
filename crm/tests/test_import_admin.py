"""The rules through CSV import and the Django admin."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.imports import csv_import
from crm.models import Company, Deal, Stage, StageChange
from crm.tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db

DEALS = (
    "title,company,amount,next_action,next_action_due,stage,qualification_notes,expected_close_date\n"
    "Site,Acme,1000,Call,2026-12-01,lead,,\n"
    "Shop,Acme,5000,Demo,2026-12-02T10:00:00+00:00,proposal,Budget ok,2027-01-31\n"
)


@pytest.fixture
def acme(rep):
    return CompanyFactory(owner=rep, name="Acme", domain="acme.example")


def test_a_clean_file_imports_through_the_services(rep, acme):
    result = csv_import(by=rep, kind="deals", text=DEALS, commit=True)
    assert (result.ok, result.rows, result.created) == (True, 2, 2)
    shop = Deal.objects.get(title="Shop")
    assert (shop.stage, shop.owner, shop.probability) == (Stage.PROPOSAL, rep, 50)
    assert list(
        StageChange.objects.filter(deal=shop).values_list("to_stage", flat=True).order_by("pk")
    ) == ["qualified", "proposal"]


def test_a_preview_changes_nothing(rep, acme):
    result = csv_import(by=rep, kind="deals", text=DEALS, commit=False)
    assert (result.ok, result.rows, len(result.preview)) == (True, 2, 2)
    assert Deal.objects.count() == 0


def test_row_errors_name_fields_and_a_failing_file_imports_nothing(rep, acme):
    text = (
        "title,company,amount,next_action,next_action_due,stage\n"
        "Good,Acme,100,Call,2026-12-01,lead\n"
        "No plan,Acme,100,,,lead\n"
        "Bad,Nowhere,abc,Call,2026-99-01,lead\n"
        "Skip,Acme,100,Call,2026-12-01,proposal\n"
        "Win,Acme,100,Call,2026-12-01,won\n"
    )
    result = csv_import(by=rep, kind="deals", text=text, commit=True)
    assert not result.ok
    assert [(e.line, sorted(e.errors)) for e in result.errors] == [
        (3, ["next_action", "next_action_due"]),
        (4, ["amount", "company", "next_action_due"]),
        (5, ["qualification_notes"]),
        (6, ["stage"]),
    ]
    assert (result.created, Deal.objects.count(), StageChange.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty; the first row must name the columns."),
        ("title,company,colour\nA,Acme,red\n", "Unknown columns: colour. Allowed:"),
        ("company,amount\nAcme,1\n", "Missing required columns: title."),
        ("title,company\n", "The file has no rows below its header."),
    ],
)
def test_malformed_files_are_refused_with_a_message(rep, acme, text, message):
    result = csv_import(by=rep, kind="deals", text=text, commit=True)
    assert not result.ok
    assert result.file_errors[0].startswith(message)
    assert Deal.objects.count() == 0


def test_companies_and_contacts_import(rep):
    result = csv_import(
        by=rep,
        kind="companies",
        text="name,domain\nGlobex,globex.example\nGlobex 2,GLOBEX.example\n",
        commit=True,
    )
    assert [(e.line, e.errors) for e in result.errors] == [
        (3, {"domain": ["A company with this web domain already exists."]})
    ]
    assert Company.objects.count() == 0
    assert (
        csv_import(
            by=rep, kind="companies", text="name,domain\nGlobex,globex.example\n", commit=True
        ).created
        == 1
    )
    result = csv_import(
        by=rep,
        kind="contacts",
        text="first_name,email,company\nAnn,ann@globex.example,Globex\n",
        commit=True,
    )
    assert (result.ok, result.created) == (True, 1)


def test_import_screen_preview_then_confirm(client, rep, acme):
    client.force_login(rep)
    upload = SimpleUploadedFile("deals.csv", DEALS.encode(), content_type="text/csv")
    response = client.post(reverse("crm:csv-import"), {"kind": "deals", "file": upload})
    assert response.status_code == 200
    assert response.context["result"].ok and Deal.objects.count() == 0
    token = response.context["token"]
    response = client.post(reverse("crm:csv-import"), {"confirm": "1", "token": token})
    assert response.status_code == 302 and response["Location"] == "/deals/"
    assert Deal.objects.count() == 2


def test_import_screen_shows_row_errors(client, rep, acme):
    client.force_login(rep)
    upload = SimpleUploadedFile("deals.csv", b"title,company\nX,Acme\n", content_type="text/csv")
    response = client.post(reverse("crm:csv-import"), {"kind": "deals", "file": upload})
    assert response.status_code == 422
    assert b"next_action_due" in response.content and "token" not in response.context


def test_import_screen_refuses_binary_garbage(client, rep):
    client.force_login(rep)
    upload = SimpleUploadedFile("x.csv", b"\xff\xfe\x00\x00" * 100, content_type="text/csv")
    response = client.post(reverse("crm:csv-import"), {"kind": "deals", "file": upload})
    assert response.status_code == 422


# Admin --------------------------------------------------------------------------------------


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
