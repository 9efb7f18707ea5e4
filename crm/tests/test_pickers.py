"""Issue 14: searchable pickers for companies, a company's contacts and salespeople, and the
forms that use them (the new-deal form listed every contact whatever company was chosen)."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm import selectors
from crm.models import Company, Contact, Deal
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

DUE = "2026-12-01"


def options(response) -> list[str]:
    """The suggestions' labels, in order."""
    return re.findall(
        r'role="option" aria-selected="false" data-value="\d+" data-label="([^"]*)"',
        response.content.decode(),
    )


def option_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-value="(\d+)"', response.content.decode())]


@pytest.fixture
def customers(rep):
    acme = CompanyFactory(name="Acme", domain="acme.example", owner=rep)
    globex = CompanyFactory(name="Globex", domain="globex.example", owner=rep)
    anna = ContactFactory(company=acme, first_name="Anna", last_name="Berg")
    hank = ContactFactory(company=globex, first_name="Hank", last_name="Scorpio")
    frank = ContactFactory(company=globex, first_name="Frank", last_name="Grimes")
    return {"acme": acme, "globex": globex, "anna": anna, "hank": hank, "frank": frank}


def test_company_lookup_matches_name_or_domain_by_name_at_most_twenty(client, rep):
    for i in range(25):
        CompanyFactory(name=f"Northwind {i:02}", owner=rep)
    CompanyFactory(name="Tailspin", domain="north-wind.example", owner=rep)
    CompanyFactory(name="Contoso", owner=rep)
    client.force_login(rep)
    response = client.get(reverse("crm:company-lookup"), {"q": " north\n"})
    assert response.status_code == 200
    assert options(response) == [f"Northwind {i:02}" for i in range(20)]
    assert options(client.get(reverse("crm:company-lookup"), {"q": "wind.exa"})) == ["Tailspin"]
    nothing = client.get(reverse("crm:company-lookup"), {"q": "zzz"})
    assert options(nothing) == []
    assert "No company matches." in nothing.content.decode()


def test_contact_lookup_offers_only_the_chosen_companys_contacts(client, rep, customers):
    client.force_login(rep)
    url = reverse("crm:contact-lookup")
    globex = customers["globex"].pk
    assert options(client.get(url, {"company": globex})) == ["Frank Grimes", "Hank Scorpio"]
    assert options(client.get(url, {"company": globex, "q": "sco"})) == ["Hank Scorpio"]
    assert options(client.get(url, {"company": globex, "q": "anna"})) == []
    assert options(client.get(url, {"company": customers["acme"].pk})) == ["Anna Berg"]
    # No company chosen: every contact matching, with their company beside.
    everyone = client.get(url, {"q": "r", "company": ""})
    assert options(everyone) == ["Anna Berg", "Frank Grimes", "Hank Scorpio"]
    assert "Globex" in everyone.content.decode()
    assert client.get(url, {"company": "abc"}).status_code == 400  # a malformed id


@pytest.mark.parametrize(
    ("name", "allowed", "refused"),
    [
        ("crm:company-lookup", ["rep", "manager", "lead", "member", "admin"], ["norole"]),
        ("crm:contact-lookup", ["rep", "manager", "lead", "member", "admin"], ["norole"]),
        ("crm:owner-lookup", ["manager", "admin"], ["rep", "lead", "member", "norole"]),
    ],
)
def test_lookup_roles(
    client, name, allowed, refused, rep, manager, lead, member, admin_user, no_role
):
    users = {u.username: u for u in (rep, manager, lead, member, admin_user, no_role)}
    got = {}
    for username in allowed + refused:
        client.force_login(users[username])
        got[username] = client.get(reverse(name)).status_code
    assert got == {**dict.fromkeys(allowed, 200), **dict.fromkeys(refused, 403)}
    client.logout()
    assert client.get(reverse(name)).status_code == 302  # to the sign-in page


def test_owner_lookup_lists_active_salespeople_only(client, manager):
    UserFactory(username="rita", full_name="Rita Rep", role=Role.SALES_REP)
    UserFactory(username="ravi", full_name="Ravi Rep", role=Role.SALES_REP, is_active=False)
    UserFactory(username="dana", full_name="Dana Lead", role=Role.DELIVERY_LEAD)
    UserFactory(username="rafa", full_name="Rafa Admin", role=Role.ADMIN)
    client.force_login(manager)
    found = options(client.get(reverse("crm:owner-lookup"), {"q": "r"}))
    assert found == sorted([manager.display_name, "Rita Rep"])
    assert options(client.get(reverse("crm:owner-lookup"), {"q": "dana"})) == []


@pytest.mark.parametrize("name", ["crm:company-lookup", "crm:contact-lookup", "crm:owner-lookup"])
def test_lookup_query_counts_do_not_grow(client, manager, name, django_assert_num_queries):
    client.force_login(manager)
    client.get(reverse(name))  # the session's first use
    company = CompanyFactory(owner=manager)
    for i in range(3):
        ContactFactory(company=company, first_name=f"Ann{i}")
        UserFactory(role=Role.SALES_REP)
    # session, user, roles, the suggestions
    with django_assert_num_queries(4):
        small = client.get(reverse(name), {"company": company.pk} if "contact" in name else {})
    for i in range(30):
        CompanyFactory(owner=manager)
        ContactFactory(company=company, first_name=f"Bea{i}")
        UserFactory(role=Role.SALES_REP)
    with django_assert_num_queries(4):
        big = client.get(reverse(name), {"company": company.pk} if "contact" in name else {})
    assert len(options(small)) < len(options(big)) == 20


def test_the_new_deal_form_lists_no_contacts_and_no_companies(
    client, rep, customers, django_assert_num_queries
):
    client.force_login(rep)
    client.get(reverse("crm:deal-create"))
    for i in range(30):
        ContactFactory(company=customers["acme"], first_name=f"Xylophonia{i}")
    # session, user, roles, Django's user and group permissions, the lead sources
    with django_assert_num_queries(6):
        page = client.get(reverse("crm:deal-create")).content.decode()
    assert "Xylophonia" not in page and "Berg" not in page and "Globex" not in page
    assert page.count('role="combobox"') == 2  # company and contact (a rep picks no owner)
    assert '<label for="id_company_search">Company' in page
    assert 'hx-include="#id_company"' in page
    assert 'role="listbox" aria-label="Contact suggestions" hidden' in page


def test_a_refused_deal_form_shows_the_chosen_names_again(client, manager, customers):
    client.force_login(manager)
    response = client.post(
        reverse("crm:deal-create"),
        {
            "title": "Rollout",
            "company": customers["globex"].pk,
            "contact": customers["hank"].pk,
            "owner": manager.pk,
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert f'name="company" id="id_company" value="{customers["globex"].pk}"' in page
    assert 'id="id_company_search" name="q" value="Globex"' in page
    assert 'id="id_contact_search" name="q" value="Hank Scorpio"' in page
    assert f'id="id_owner_search" name="q" value="{manager.display_name}"' in page


def test_forged_ids_are_field_errors_and_change_nothing(client, manager, customers):
    client.force_login(manager)
    lead = UserFactory(role=Role.DELIVERY_LEAD)
    response = client.post(
        reverse("crm:deal-create"),
        {
            "title": "Forged",
            "company": 10**9,
            "contact": "x",
            "owner": lead.pk,  # not a salesperson
            "next_action": "Call",
            "next_action_due_date": DUE,
        },
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    message = "Choose one of the suggestions: that choice is not available."
    assert (errors["company"], errors["contact"], errors["owner"]) == ([message],) * 3
    assert 'id="id_company_search" name="q" value=""' in response.content.decode()
    # A contact of another company: the service names the field.
    response = client.post(
        reverse("crm:deal-create"),
        {
            "title": "Mismatch",
            "company": customers["acme"].pk,
            "contact": customers["hank"].pk,
            "next_action": "Call",
            "next_action_due_date": DUE,
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["contact"] == [
        "This contact belongs to another company."
    ]
    assert not Deal.objects.filter(title__in=["Forged", "Mismatch"]).exists()


def test_the_contact_form_picks_its_company(client, rep, customers):
    client.force_login(rep)
    page = client.get(reverse("crm:contact-create")).content.decode()
    assert '<input type="hidden" name="company" id="id_company" value="">' in page
    response = client.post(
        reverse("crm:contact-create"), {"first_name": "Ida", "company": customers["acme"].pk}
    )
    assert response.status_code == 302
    assert Contact.objects.get(first_name="Ida").company == customers["acme"]
    response = client.post(reverse("crm:contact-create"), {"first_name": "Ivo", "company": "0"})
    assert response.status_code == 422
    assert response.context["form"].errors["company"] == [
        "Choose one of the suggestions: that choice is not available."
    ]


def test_bulk_reassign_picks_the_new_owner(client, manager, rep, customers):
    from crm.tests.factories import DealFactory

    deal = DealFactory(owner=rep, company=customers["acme"])
    client.force_login(manager)
    page = client.get(reverse("crm:deal-list")).content.decode()
    assert '<label for="bulk-owner_search">Reassign the selected deals to</label>' in page
    assert 'name="owner" id="bulk-owner" value="" form="bulk-reassign"' in page
    response = client.post(
        reverse("crm:deal-bulk-reassign"), {"deal": [deal.pk], "owner": manager.pk}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.owner == manager


# Scale: 5,000 contacts across 250 companies. The lookups stop at twenty rows in an index's
# order; a company's contacts are read through the index on contact.company_id, and a term
# through the trigram GIN indexes on UPPER(column) (crm migration 0004).


@pytest.fixture
def many_contacts(rep):
    companies = Company.objects.bulk_create(
        Company(name=f"Firm {i:03}", owner=rep) for i in range(250)
    )
    Contact.objects.bulk_create(
        Contact(
            first_name=f"Person{i:04}",
            last_name=f"Family{i % 97:02}",
            company=companies[i % 250],
            owner=rep,
        )
        for i in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_contact" if connection.vendor == "postgresql" else "SELECT 1")
    return companies


def test_contact_lookup_at_scale(client, rep, many_contacts, django_assert_num_queries):
    firm = many_contacts[7]
    client.force_login(rep)
    client.get(reverse("crm:contact-lookup"))
    with django_assert_num_queries(4):
        response = client.get(reverse("crm:contact-lookup"), {"company": firm.pk})
    ids = option_ids(response)
    assert len(ids) == 20
    assert set(Contact.objects.filter(pk__in=ids).values_list("company", flat=True)) == {firm.pk}
    broad = selectors.contact_choices(user=rep, q="person")
    assert len(broad) == 20
    narrow = selectors.contact_choices(user=rep, q="person0007", company_id=firm.pk)
    assert [c.first_name for c in narrow] == ["Person0007"]
    assert len(option_ids(client.get(reverse("crm:company-lookup"), {"q": "firm"}))) == 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_companys_contacts_are_found_through_an_index(rep, many_contacts):
    firm = many_contacts[7]
    qs = Contact.objects.filter(company_id=firm.pk).order_by("last_name", "first_name", "pk")
    sql, params = qs[:20].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "crm_contact_company_id" in plan
    assert "Seq Scan" not in plan


@pytest.mark.parametrize("value", ["abc", "9" * 30, "-1", "1\x00", " ", "1.5"])
def test_a_bad_picker_value_is_never_a_500(client, manager, value):
    client.force_login(manager)
    assert client.get(reverse("crm:deal-create"), {"company": value}).status_code == 200
    response = client.post(
        reverse("crm:deal-create"),
        {"title": "Bad", "company": value, "contact": value, "owner": value},
    )
    assert response.status_code == 422
    assert "company" in response.context["form"].errors
    assert client.get(reverse("crm:contact-lookup"), {"q": value}).status_code == 200
    assert not Deal.objects.exists()
