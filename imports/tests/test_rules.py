"""The rules through the import: what the one-row services refuse, an import refuses, row by
row and naming the column, in one pass, and a failing file imports nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.models import Company, Contact, Deal, Stage, StageChange
from crm.tests.factories import CompanyFactory, ExchangeRateFactory
from imports.models import Status
from imports.tests.helpers import problems, run_file

pytestmark = pytest.mark.django_db

DEALS = (
    "title,company,amount,next_action,next_action_due,stage,qualification_notes,expected_close_date\n"
    "Site,Acme,1000,Call,2026-12-01,lead,,\n"
    "Shop,Acme,5000,Demo,2026-12-02T10:00:00+00:00,proposal,Budget ok,2027-01-31\n"
)


@pytest.fixture
def acme(rep):
    return CompanyFactory(owner=rep, name="Acme", domain="acme.example")


def test_a_relay_file_imports_through_the_services(rep, acme):
    job = run_file(rep, "deals", DEALS)
    assert (job.status, job.system, job.created, job.failed) == (Status.DONE, "relay", 2, 0)
    shop = Deal.objects.get(title="Shop")
    assert (shop.stage, shop.owner, shop.probability, shop.company) == (
        Stage.PROPOSAL,
        rep,
        50,
        acme,
    )
    assert shop.next_action_due_at == dt.datetime(2026, 12, 2, 10, tzinfo=dt.UTC)
    assert list(
        StageChange.objects.filter(deal=shop).order_by("pk").values_list("from_stage", "to_stage")
    ) == [("lead", "qualified"), ("qualified", "proposal")]


def test_every_problem_of_every_row_is_named_in_one_pass(rep, acme):
    text = (
        "title,company,amount,next_action,next_action_due,stage\n"
        "Good,Acme,100,Call,2026-12-01,lead\n"
        "No plan,Acme,100,,,lead\n"
        "Bad,Nowhere,abc,Call,2026-99-01,lead\n"
        "Skip,Acme,100,Call,2026-12-01,proposal\n"
        "Win,Acme,100,Call,2026-12-01,won\n"
        '"A\x00B",Ac\x00me,100,Call,2027-01-05,lead\n'
        '"Two\rlines",Acme,100,Call,2027-01-05,lead\n'
        "Far,Acme,100,Call,9999-12-31,lead\n"
        "Early,Acme,100,Call,0001-01-01 00:00,lead\n"
    )
    job = run_file(rep, "deals", text)
    nul = "The cell 'title' holds a NUL byte (\\x00), which cannot be stored; remove it."
    assert (job.status, job.created, job.failed) == (Status.FAILED, 0, 8)
    assert problems(job) == [
        (3, "next_action", "An open deal needs a next action: what happens next."),
        (3, "next_action_due", "An open deal needs a due date for its next action."),
        (4, "amount", "'abc' is not a number."),
        (4, "next_action_due", "'2026-99-01' is not a valid date."),
        (5, "expected_close_date", "An expected close date is required to propose."),
        (6, "stage", "Only sales managers and admins import won and lost deals."),
        (7, "title", nul),
        (8, "title", "Use one line of text without line breaks or control characters."),
        (9, "next_action_due", "'9999-12-31' is outside the years 1900 to 2999."),
        (10, "next_action_due", "'0001-01-01 00:00' is outside the years 1900 to 2999."),
    ]
    assert (Deal.objects.count(), StageChange.objects.count(), Company.objects.count()) == (0, 0, 1)


def test_a_nul_byte_in_a_column_that_is_not_imported_is_dropped(rep, acme):
    text = "title,company,next_action,next_action_due,colour\nA,Acme,Call,2027-01-05,r\x00ed\n"
    job = run_file(rep, "deals", text)
    assert (job.status, job.created, problems(job)) == (Status.DONE, 1, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("title,company\n", "The file has no rows below its header."),
        ("\n\n\n", "The file is empty."),
        ("Total,\n", "The file has no rows below its header."),
    ],
)
def test_a_file_without_rows_is_refused_at_upload(rep, text, message):
    with pytest.raises(ValidationError) as refused:
        run_file(rep, "deals", text)
    assert refused.value.message_dict == {"file": [message]}


def test_a_missing_required_column_fails_each_row_naming_the_field(rep, acme):
    job = run_file(
        rep, "deals", "company,amount,next_action,next_action_due\nAcme,1,Call,2027-01-05\n"
    )
    assert (job.status, problems(job)) == (Status.FAILED, [(2, "title", "A deal needs a title.")])


def test_a_rep_imports_nothing_owned_by_someone_else(rep, other_rep):
    job = run_file(rep, "companies", f"name,owner\nAcme,{other_rep.username}\n")
    assert problems(job) == [
        (2, "owner", "Only sales managers can import records owned by someone else.")
    ]
    assert not Company.objects.exists()


def test_companies_dedupe_by_domain_whatever_its_case_and_contacts_link_by_name(rep):
    text = "name,domain\nGlobex,globex.example\nGlobex 2,GLOBEX.example\n"
    job = run_file(rep, "companies", text)
    assert (job.status, job.created, job.skipped) == (Status.DONE, 1, 1)
    assert list(Company.objects.values_list("name", "domain")) == [("Globex", "globex.example")]
    job = run_file(rep, "contacts", "first_name,email,company\nAnn,Ann@Globex.example,Globex\n")
    assert (job.status, job.created) == (Status.DONE, 1)
    assert list(Contact.objects.values_list("first_name", "email", "company__name")) == [
        ("Ann", "ann@globex.example", "Globex")
    ]


def test_a_currency_column_needs_a_rate_for_each_currency(rep, acme):
    ExchangeRateFactory(currency="CHF", rate=Decimal("1.08"), valid_from=dt.date(2026, 1, 1))
    text = (
        "title,company,amount,currency,next_action,next_action_due\n"
        "Swiss,Acme,1000,chf,Call,2026-12-01\n"
        "Local,Acme,1000,,Call,2026-12-01\n"
    )
    job = run_file(rep, "deals", text)
    assert (job.status, job.created) == (Status.DONE, 2)
    assert sorted(Deal.objects.values_list("title", "currency", "amount_base")) == [
        ("Local", "EUR", Decimal("1000.00")),
        ("Swiss", "CHF", Decimal("1080.00")),
    ]
    job = run_file(
        rep,
        "deals",
        "title,company,currency,next_action,next_action_due\nA,Acme,USD,Call,2026-12-01\n",
    )
    assert problems(job) == [
        (2, "currency", "No exchange rate for USD; an admin adds one under Exchange rates.")
    ]
