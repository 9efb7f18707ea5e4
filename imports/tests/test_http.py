"""The import wizard in the browser and /api/v1/imports: steps, roles, errors by field."""

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.services import api_token_create
from crm.models import Company
from imports import engine, services
from imports.models import ImportJob, Status
from imports.tests.helpers import upload

pytestmark = pytest.mark.django_db

COMPANIES = "Company name,Company Domain Name,Industry\nAcme,acme.example,Retail\nGlobex,,Energy\n"


def bearer(user) -> Client:
    _, raw = api_token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


def run_queued(django_capture_on_commit_callbacks, monkeypatch):
    """Run what ``transaction.on_commit`` queued as the worker would: the import here."""
    from imports import tasks

    monkeypatch.setattr(tasks.run_import, "delay", lambda pk: tasks.run_import(pk))


def test_api_imports_a_file_and_reports_its_status(
    rep, monkeypatch, django_capture_on_commit_callbacks
):
    run_queued(django_capture_on_commit_callbacks, monkeypatch)
    api = bearer(rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/imports",
            {"file": upload(COMPANIES, "companies.csv"), "kind": "companies", "options": "{}"},
        )
    assert response.status_code == 202, response.content
    started = response.json()
    assert started["status"] == "queued"
    body = api.get(f"/api/v1/imports/{started['id']}").json()
    assert {
        k: body[k]
        for k in ("kind", "status", "total_rows", "processed_rows", "created", "failed", "errors")
    } == {
        "kind": "companies",
        "status": "done",
        "total_rows": 2,
        "processed_rows": 2,
        "created": 2,
        "failed": 0,
        "errors": [],
    }
    assert body["mapping"] == {
        "Company name": "name",
        "Company Domain Name": "domain",
        "Industry": "industry",
    }
    assert sorted(Company.objects.values_list("name", flat=True)) == ["Acme", "Globex"]


def test_api_refuses_bad_options_naming_them(rep):
    api = bearer(rep)
    cases = [
        ("not json", {"options": ["A JSON object."]}),
        (json.dumps({"date_order": "DDMM"}), {"date_order": ["Use one of auto, DMY, MDY, YMD."]}),
        (
            json.dumps({"mapping": {"Nope": "name"}}),
            {"mapping": ["The file has no column 'Nope'."]},
        ),
        (json.dumps({"mapping": {"Industry": "salary"}}), None),
    ]
    for options, errors in cases:
        response = api.post(
            "/api/v1/imports", {"file": upload(COMPANIES), "kind": "companies", "options": options}
        )
        assert response.status_code == 422, (options, response.content)
        if errors is not None:
            assert response.json()["errors"] == errors
    assert not ImportJob.objects.exists()


def test_api_roles(rep, other_rep, manager, lead):
    job = ImportJob.objects.create(kind="companies", created_by=rep, filename="a.csv", file="a.csv")
    assert bearer(rep).get(f"/api/v1/imports/{job.pk}").status_code == 200
    assert bearer(manager).get(f"/api/v1/imports/{job.pk}").status_code == 200
    assert bearer(other_rep).get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert bearer(lead).get(f"/api/v1/imports/{job.pk}").status_code == 404
    response = bearer(lead).post(
        "/api/v1/imports", {"file": upload(COMPANIES), "kind": "companies"}
    )
    assert response.status_code == 403, response.content
    assert bearer(rep).get("/api/v1/imports/999999").status_code == 404


def test_wizard_upload_setup_check_then_import(
    client, rep, monkeypatch, django_capture_on_commit_callbacks
):
    run_queued(django_capture_on_commit_callbacks, monkeypatch)
    client.force_login(rep)
    page = client.get(reverse("imports:import-list"))
    assert page.status_code == 200
    response = client.post(
        reverse("imports:import-list"),
        {"kind": "companies", "file": upload(COMPANIES, "hubspot.csv")},
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "imports:import-detail", args=[job.pk]
    )
    setup = client.get(response["Location"]).content.decode()
    assert '<label for="id_column_0">Company name</label>' in setup
    assert "acme.example" in setup  # a sample value
    form = {
        "column_0": "name",
        "column_1": "domain",
        "column_2": "",  # ignore the industry
        "date_order": "auto",
        "decimal": "auto",
        "on_duplicate": "update",
        "action": "check",
    }
    with django_capture_on_commit_callbacks(execute=True):
        checked = client.post(reverse("imports:import-detail", args=[job.pk]), form)
    assert checked.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.created, Company.objects.count()) == (
        Status.DONE,
        True,
        2,
        0,
    )
    summary = client.get(reverse("imports:import-detail", args=[job.pk])).content.decode()
    assert "Would create" in summary
    again = client.post(reverse("imports:import-again", args=[job.pk]))
    copy = ImportJob.objects.exclude(pk=job.pk).get()
    assert again["Location"] == reverse("imports:import-detail", args=[copy.pk])
    assert copy.mapping == {
        "Company name": "name",
        "Company Domain Name": "domain",
        "Industry": None,
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import-detail", args=[copy.pk]), {**form, "action": "import"})
    copy.refresh_from_db()
    assert (copy.status, copy.created) == (Status.DONE, 2)
    assert sorted(Company.objects.values_list("name", "industry")) == [("Acme", ""), ("Globex", "")]


def test_progress_partial_polls_until_the_import_ends(client, rep):
    job = ImportJob.objects.create(
        kind="companies",
        created_by=rep,
        filename="a.csv",
        file="a.csv",
        status=Status.RUNNING,
        total_rows=200,
        processed_rows=50,
        layout={
            "encoding": "utf-8",
            "delimiter": ",",
            "header_line": 1,
            "header": ["a"],
            "footer_rows": 0,
        },
    )
    client.force_login(rep)
    partial = client.get(
        reverse("imports:import-detail", args=[job.pk]), headers={"HX-Request": "true"}
    )
    html = partial.content.decode()
    assert html.strip().startswith('<section id="import-progress"')
    assert 'hx-trigger="every 1s"' in html and 'value="25"' in html and "50 of 200 rows" in html
    engine.report(job, status=Status.DONE, created=200)
    done = client.get(
        reverse("imports:import-detail", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert "hx-trigger" not in done.content.decode()


def test_wizard_roles(client, rep, other_rep, lead):
    job = ImportJob.objects.create(kind="companies", created_by=rep, filename="a.csv", file="a.csv")
    client.force_login(lead)
    assert client.get(reverse("imports:import-list")).status_code == 403
    client.force_login(other_rep)
    assert client.get(reverse("imports:import-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("imports:import-errors", args=[job.pk])).status_code == 404


DEALS = (
    "Deal name,Company,Owner,Stage,Next step,Next step due\n"
    "Robots,Acme,manager,lead,Call Anna,2027-01-11\n"
    "Spares,Acme,manager,lead,,\n"
)


def test_problems_name_the_files_column_and_the_fields_label(client, manager):
    job = services.import_create(by=manager, upload=upload(DEALS, "deals.csv"), kind="deals")
    services.import_configure(
        job=job,
        by=manager,
        mapping={
            "Deal name": "title",
            "Company": "company",
            "Owner": "owner",
            "Stage": "stage",
            "Next step": "next_action",
            "Next step due": "next_action_due",
        },
    )
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    job.refresh_from_db()
    engine.run(job)
    job.refresh_from_db()
    assert (job.status, job.failed) == (Status.FAILED, 1)
    client.force_login(manager)
    page = client.get(reverse("imports:import-detail", args=[job.pk])).content.decode()
    rows = re.findall(r'<tr><td data-label="Row".*?</tr>', page)
    assert [re.findall(r'data-label="([^"]+)"[^>]*>([^<]*)<', row) for row in rows] == [
        [
            ("Row", "3"),
            ("Column in the file", "Next step"),
            ("Relay field", "Next action"),
            ("Value", "—"),
            ("Problem", "An open deal needs a next action: what happens next."),
        ],
        [
            ("Row", "3"),
            ("Column in the file", "Next step due"),
            ("Relay field", "Next action due"),
            ("Value", "—"),
            ("Problem", "An open deal needs a due date for its next action."),
        ],
    ]
    response = client.get(reverse("imports:import-errors", args=[job.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["row", "column", "field", "value", "message"],
        [
            "3",
            "Next step",
            "Next action",
            "",
            "An open deal needs a next action: what happens next.",
        ],
        [
            "3",
            "Next step due",
            "Next action due",
            "",
            "An open deal needs a due date for its next action.",
        ],
    ]


def test_two_columns_for_one_field_are_refused_at_the_second(client, rep):
    client.force_login(rep)
    client.post(
        reverse("imports:import-list"),
        {"kind": "companies", "file": upload(COMPANIES, "hubspot.csv")},
    )
    job = ImportJob.objects.get()
    form = {
        "column_0": "name",
        "column_1": "name",
        "column_2": "industry",
        "date_order": "auto",
        "decimal": "auto",
        "on_duplicate": "update",
        "action": "import",
    }
    response = client.post(reverse("imports:import-detail", args=[job.pk]), form)
    assert response.status_code == 422
    html = response.content.decode()
    # The error is at the second column's select, which names it (aria-describedby).
    assert re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html) == [
        "<li>Nothing is imported yet: correct the choices marked below.</li>",
        "<li>“Company name” fills Name already: choose another field or ignore this column.</li>",
    ]
    assert (
        '<select name="column_1" aria-invalid="true" aria-describedby="id_column_1_error"' in html
    )
    assert '<ul class="errorlist" id="id_column_1_error">' in html
    job.refresh_from_db()
    assert (job.status, job.mapping["Company Domain Name"]) == (Status.DRAFT, "domain")
