"""The import engine on small files: every rule of the one-row services holds, one pass
finds every problem, all or nothing, a second import changes nothing, constant queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Company, Contact, Deal, LeadSource, LostReason, Stage, StageChange
from crm.tests.factories import CompanyFactory
from imports import engine
from imports.models import ExternalId, Status
from imports.tests.helpers import problems, run_file
from projects.models import Project

pytestmark = pytest.mark.django_db

COMPANY_MAP = {"Id": "external_id", "Name": "name", "Web": "domain", "Sector": "industry"}
COMPANIES = (
    "Id,Name,Web,Sector\n"
    "c1,Acme Robotics,https://www.acme.example/,Manufacturing\n"
    "c2,Globex,globex.example,Energy\n"
    "c3,Initech,,Software\n"
    "c4,ACME robotics,,Manufacturing\n"  # the file's own duplicate (by name)
)


def test_companies_import_dedupe_and_import_again_changes_nothing(rep):
    CompanyFactory(owner=rep, name="Globex Corp", domain="globex.example")
    job = run_file(rep, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})
    assert (job.status, job.created, job.updated, job.skipped, job.failed) == (
        Status.DONE,
        2,
        1,
        1,
        0,
    )
    assert sorted(Company.objects.values_list("name", "domain", "industry")) == [
        ("Acme Robotics", "acme.example", "Manufacturing"),
        ("Globex", "globex.example", "Energy"),
        ("Initech", "", "Software"),
    ]
    assert ExternalId.objects.filter(kind="companies").count() == 4
    versions = dict(Company.objects.values_list("pk", "version"))
    again = run_file(
        rep, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"}
    )
    assert (again.status, again.created, again.updated, again.skipped) == (Status.DONE, 0, 0, 4)
    assert dict(Company.objects.values_list("pk", "version")) == versions


CONTACTS = (
    "Contact ID,Name,E-mail,Company ID\n"
    'p1,"Meyer, Chloe",Chloe.Meyer@Acme.example,c1\n'
    "p2,Ben Okafor,ben@globex.example,c2\n"
    "p3,Zoë Müller,ben@globex.example,c9\n"
)
CONTACT_MAP = {
    "Contact ID": "external_id",
    "Name": "full_name",
    "E-mail": "email",
    "Company ID": "company_external_id",
}


def test_contacts_link_by_the_source_ids_and_every_problem_is_found_in_one_pass(rep):
    run_file(rep, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})
    job = run_file(rep, "contacts", CONTACTS, options={"mapping": CONTACT_MAP, "system": "other"})
    assert job.status == Status.FAILED
    assert problems(job) == [
        (4, "Company ID", "No company 'c9': import the companies first."),
    ]
    assert Contact.objects.count() == 0  # all or nothing
    fixed = CONTACTS.replace(",c9\n", ",c3\n").replace("p3,Zoë Müller,ben@", "p3,Zoë Müller,zoe@")
    job = run_file(rep, "contacts", fixed, options={"mapping": CONTACT_MAP, "system": "other"})
    assert (job.status, job.created) == (Status.DONE, 3)
    chloe = Contact.objects.get(email="chloe.meyer@acme.example")
    assert (chloe.first_name, chloe.last_name, chloe.company.name) == (
        "Chloe",
        "Meyer",
        "Acme Robotics",
    )
    assert Contact.objects.get(first_name="Zoë").company.name == "Initech"


DEALS_MAP = {
    "Deal ID": "external_id",
    "Deal": "title",
    "Company": "company",
    "Stage": "stage",
    "Value": "amount",
    "Close": "expected_close_date",
    "Created": "created_at",
    "Notes": "qualification_notes",
    "Next": "next_action",
    "Due": "next_action_due",
    "Source": "source",
    "Reason": "lost_reason",
}
DEALS = (
    "Deal ID,Deal,Company,Stage,Value,Close,Created,Notes,Next,Due,Source,Reason\n"
    'd1,Website,Acme Robotics,Appointment Scheduled,"3.200,00 €",2027-03-31,2026-05-02,,Call,2026-12-10,Webinar,\n'
    "d2,Shop,Acme Robotics,Contract Sent,12500,2027-04-30,2026-06-01,Budget agreed,Send contract,2026-12-11,,\n"
    "d3,Old win,Globex,Closed Won,8000,2026-09-15,2026-03-01,,,,,\n"
    "d4,Old loss,Globex,Closed Lost,4000,2026-08-20,2026-02-01,,,,Referral,Too expensive\n"
)


def test_deals_import_with_history_for_a_manager(manager):
    run_file(manager, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})
    job = run_file(
        manager,
        "deals",
        DEALS,
        options={"mapping": DEALS_MAP, "system": "other"},
        name="hubspot.csv",
    )
    assert (job.status, job.created, job.failed) == (Status.DONE, 4, 0), problems(job)
    site = Deal.objects.get(title="Website")
    assert (site.stage, site.amount, site.owner, site.next_action) == (
        Stage.LEAD,
        Decimal("3200.00"),
        manager,
        "Call",
    )
    assert site.source == LeadSource.objects.get(name="Webinar")  # created: the file names it
    assert site.created_at.date() == dt.date(2026, 5, 2)
    shop = Deal.objects.get(title="Shop")
    assert shop.stage == Stage.NEGOTIATION
    assert list(
        StageChange.objects.filter(deal=shop).order_by("pk").values_list("from_stage", "to_stage")
    ) == [("lead", "qualified"), ("qualified", "proposal"), ("proposal", "negotiation")]
    won = Deal.objects.get(title="Old win")
    assert (won.stage, won.won_at.date(), won.next_action) == (Stage.WON, dt.date(2026, 9, 15), "")
    assert not Project.objects.exists()  # history starts no kickoff project
    change = StageChange.objects.get(deal=won)
    assert (change.from_stage, change.to_stage, change.by) == ("lead", "won", manager)
    assert change.override_reason == f"Imported from hubspot.csv (another system, import {job.pk})"
    lost = Deal.objects.get(title="Old loss")
    assert (lost.stage, lost.lost_reason, lost.lost_at.date()) == (
        Stage.LOST,
        LostReason.objects.get(name="Too expensive"),
        dt.date(2026, 8, 20),
    )
    again = run_file(manager, "deals", DEALS, options={"mapping": DEALS_MAP, "system": "other"})
    assert (again.status, again.created, again.updated, again.skipped) == (Status.DONE, 0, 0, 4)
    assert Deal.objects.count() == 4


def test_a_rep_cannot_import_history_and_open_deals_keep_r2_and_r4(rep):
    run_file(rep, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})
    text = DEALS.replace("Call,2026-12-10", ",")  # d1 loses its next action
    job = run_file(rep, "deals", text, options={"mapping": DEALS_MAP, "system": "other"})
    assert job.status == Status.FAILED
    assert problems(job) == [
        (2, "Next", "An open deal needs a next action: what happens next."),
        (2, "Due", "An open deal needs a due date for its next action."),
        (4, "Stage", "Only sales managers and admins import won and lost deals."),
        (5, "Stage", "Only sales managers and admins import won and lost deals."),
    ]
    assert (Deal.objects.count(), StageChange.objects.count(), job.created) == (0, 0, 0)


def test_a_default_next_action_fills_open_deals_without_one(manager, monkeypatch):
    run_file(manager, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})
    text = DEALS.replace("Call,2026-12-10", ",")
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 12, 4))  # a Friday
    job = run_file(
        manager,
        "deals",
        text,
        options={
            "mapping": DEALS_MAP,
            "system": "other",
            "default_next_action": "Check the imported deal",
            "default_next_action_days": 2,
        },
    )
    assert job.status == Status.DONE, problems(job)
    site = Deal.objects.get(title="Website")
    assert (site.next_action, site.next_action_due_date) == (
        "Check the imported deal",
        dt.date(2026, 12, 8),
    )


def test_a_dry_run_counts_and_writes_nothing(manager):
    run_file(manager, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})
    job = run_file(
        manager, "deals", DEALS, options={"mapping": DEALS_MAP, "system": "other"}, dry_run=True
    )
    assert (job.status, job.created, job.failed) == (Status.DONE, 4, 0)
    assert (Deal.objects.count(), LeadSource.objects.filter(name="Webinar").exists()) == (0, False)


def test_a_cancelled_import_writes_nothing(manager, monkeypatch):
    run_file(manager, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})
    monkeypatch.setattr(engine, "_cancel_requested", lambda job: True)
    job = run_file(manager, "deals", DEALS, options={"mapping": DEALS_MAP, "system": "other"})
    assert (job.status, job.message, Deal.objects.count()) == (
        Status.CANCELLED,
        "Cancelled: nothing was imported.",
        0,
    )


def test_queries_per_batch_do_not_grow_with_the_rows(manager, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_ROWS", 10)
    run_file(manager, "companies", COMPANIES, options={"mapping": COMPANY_MAP, "system": "other"})

    runs = iter(range(100))

    def queries(rows: int) -> int:
        run = next(runs)
        lines = [
            f"n{run}-{i},Deal {i},Acme Robotics,Contract Sent,{1000 + i},2027-04-30,2026-06-01,"
            f"Notes,Call,2026-12-11,Webinar,"
            for i in range(rows)
        ]
        text = DEALS.splitlines()[0] + "\n" + "\n".join(lines) + "\n"
        with CaptureQueriesContext(connection) as ctx:
            job = run_file(
                manager, "deals", text, options={"mapping": DEALS_MAP, "system": "other"}
            )
        assert (job.status, job.created) == (Status.DONE, rows), problems(job)
        return len(ctx.captured_queries)

    queries(10)  # the first creates the lead source
    ten, twenty, forty = queries(10), queries(20), queries(40)
    assert twenty - ten == (forty - twenty) / 2, (ten, twenty, forty)  # the same for every batch
    # 11 queries a batch, whatever its rows (one reads the webhook endpoints its new deals'
    # deal.created events go to: records.events, webhooks.services.deliveries_record).
    assert twenty - ten == 11, (ten, twenty, forty)


def test_the_time_zone_option_is_checked_and_reads_the_files_times(manager):
    from django.core.exceptions import ValidationError

    from imports import services

    with pytest.raises(ValidationError) as error:
        services.clean_options({"time_zone": "Mars/Olympus"})
    assert error.value.message_dict == {"time_zone": ["A time zone such as Europe/Zurich or UTC."]}
    text = "Id,Name,Created\nc1,Acme Robotics,2026-05-02 16:30\n"
    mapping = {"Id": "external_id", "Name": "name", "Created": "created_at"}
    options = {"mapping": mapping, "system": "other", "time_zone": "America/New_York"}
    job = run_file(manager, "companies", text, options=options)
    assert job.status == Status.DONE, problems(job)
    assert Company.objects.get().created_at == dt.datetime(2026, 5, 2, 20, 30, tzinfo=dt.UTC)


def test_a_relay_file_from_another_installation_never_overwrites_what_shares_its_ids(manager):
    here = CompanyFactory(owner=manager, name="Globex", domain="globex.example")
    header = "id,name,domain,industry,owner,open_deals,created_at"  # Relay's export
    text = f"{header}\n{here.pk},Initech,initech.example,,,0,2026-11-03T14:27:00+01:00\n"
    job = run_file(manager, "companies", text, options={"system": "relay"})
    assert (job.status, job.created, job.updated) == (Status.DONE, 1, 0), problems(job)
    here.refresh_from_db()
    assert (here.name, here.domain) == ("Globex", "globex.example")
    initech = Company.objects.get(name="Initech")
    again = run_file(manager, "companies", text, options={"system": "relay"})
    assert (again.created, again.updated, again.skipped) == (0, 0, 1)
    assert ExternalId.objects.get(system="relay", source_id=str(here.pk)).object_id == initech.pk


def test_the_upload_counts_the_rows_and_values_the_setup_lists(manager):
    from imports import selectors, services
    from imports.tests.helpers import upload

    text = "Deal,Company,Stage,Owner\n" + "".join(
        f"D{n},Acme,{'Closed Won' if n % 4 == 0 else 'Qualified'},{'Mia Stone' if n else ''}\n"
        for n in range(8)
    )
    job = services.import_create(by=manager, upload=upload(text), kind="deals")
    job.refresh_from_db()
    assert job.total_rows == 8
    assert job.column_values == {
        "Deal": [[f"D{n}", 1] for n in range(8)],
        "Company": [["Acme", 8]],
        "Stage": [["Qualified", 6], ["Closed Won", 2]],
        "Owner": [["Mia Stone", 7]],
    }
    listed = selectors.file_values(job)
    assert [(v.value, v.rows, v.choice) for v in listed["stage"]] == [
        ("Qualified", 6, "qualified"),
        ("Closed Won", 2, "won"),
    ]
    # The setup reads what the upload counted; a column counted as too varied (None) is
    # read from the file again.
    job.column_values["Stage"] = [["Qualified", 99]]
    job.column_values["Owner"] = None
    listed = selectors.file_values(job)
    assert [(v.value, v.rows) for v in listed["stage"]] == [("Qualified", 99)]
    assert [(v.value, v.rows) for v in listed["owner"]] == [("Mia Stone", 7)]
