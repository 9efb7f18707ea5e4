"""Issue 10: inputs that used to answer 500, or broke pages for everyone afterwards.

Each one goes through the path that broke (form, board, CSV import, query string) and
must answer a field error or 400, change nothing, and leave the pages named 200.
"""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Activity, Company, Deal
from crm.services import activity_create
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from handoff.models import Handoff
from projects.models import Project, ProjectTemplate, Task
from projects.tests.factories import ProjectFactory

HTMX = {"HX-Request": "true"}
OUT_OF_RANGE = "Enter a date from 1900-01-01 to 2999-12-31."

PAGES = [
    reverse("crm:pipeline"),
    reverse("crm:deal-list"),
    reverse("crm:company-list"),
    reverse("crm:contact-list"),
    reverse("dashboards:sales"),
    reverse("dashboards:search") + "?q=Acme",
    reverse("dashboards:my-work"),
    reverse("crm:deal-list") + "?format=csv",
]


@pytest.fixture
def berlin_rep(db):
    return UserFactory(username="berlin", role=Role.SALES_REP, time_zone="Europe/Berlin")


@pytest.fixture
def acme(berlin_rep):
    company = CompanyFactory(owner=berlin_rep, name="Acme", domain="acme.example")
    ContactFactory(company=company, owner=berlin_rep, email="ann@acme.example")
    return company


def assert_pages_ok(client: Client) -> None:
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        if url.endswith("format=csv"):
            b"".join(response.streaming_content)  # type: ignore[attr-defined]


def deal_form(acme: Company, **fields: str) -> dict[str, object]:
    return {
        "title": "Relaunch",
        "company": acme.pk,
        "amount": "100",
        "next_action": "Call Ann",
        "next_action_due_date": "2027-01-05",
        **fields,
    }


@pytest.mark.parametrize(
    ("due_date", "due_time"), [("0001-01-01", "00:00"), ("9999-12-31", ""), ("1899-12-31", "")]
)
def test_deal_form_refuses_a_due_date_outside_the_years(
    client, berlin_rep, acme, due_date, due_time
):
    client.force_login(berlin_rep)
    response = client.post(
        reverse("crm:deal-create"),
        deal_form(acme, next_action_due_date=due_date, next_action_due_time=due_time),
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"next_action_due_date": [OUT_OF_RANGE]}
    assert Deal.objects.count() == 0
    assert_pages_ok(client)


def test_deal_form_takes_the_first_and_last_accepted_days(client, berlin_rep, acme):
    client.force_login(berlin_rep)
    for day in ("1900-01-01", "2999-12-31"):
        response = client.post(
            reverse("crm:deal-create"),
            deal_form(acme, next_action_due_date=day, next_action_due_time="00:00"),
        )
        assert response.status_code == 302
    assert sorted(str(d) for d in Deal.objects.values_list("next_action_due_date", flat=True)) == [
        "1900-01-01",
        "2999-12-31",
    ]
    assert_pages_ok(client)


def test_deal_edit_refuses_a_far_expected_close(client, berlin_rep, acme):
    deal = DealFactory(owner=berlin_rep, company=acme)
    client.force_login(berlin_rep)
    response = client.post(
        reverse("crm:deal-edit", args=[deal.pk]),
        deal_form(acme, expected_close_date="9999-12-31", version=str(deal.version)),
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"expected_close_date": [OUT_OF_RANGE]}
    deal.refresh_from_db()
    assert deal.expected_close_date is None


def test_activity_far_in_the_past_is_refused(berlin_rep, acme):
    deal = DealFactory(owner=berlin_rep, company=acme)
    moment = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14)))
    with pytest.raises(Exception) as caught:
        activity_create(by=berlin_rep, kind="note", body="Old", occurred_at=moment, deal=deal)
    assert caught.value.message_dict == {"occurred_at": [OUT_OF_RANGE]}  # type: ignore[attr-defined]
    assert Activity.objects.count() == 0


@pytest.mark.parametrize("q", ["a\x00b", "\x00", "x" * 5000])
def test_nul_bytes_and_long_terms_in_searches(client, berlin_rep, acme, q):
    client.force_login(berlin_rep)
    for name in ("crm:company-list", "crm:contact-list", "crm:deal-list", "dashboards:search"):
        assert client.get(reverse(name), {"q": q}).status_code == 200, name
    assert client.get(reverse("projects:project-list"), {"q": q}).status_code in (200, 403)


@pytest.mark.parametrize("bad", ["²", "1e3", "-", "9" * 40, " "])
def test_malformed_numbers_in_query_strings_answer_400(client, berlin_rep, acme, bad):
    deal = DealFactory(owner=berlin_rep, company=acme, proposal=True)
    client.force_login(berlin_rep)
    expected = 200 if bad == " " else 400
    assert (
        client.get(reverse("crm:company-check-domain"), {"domain": "x.example", "exclude": bad})
    ).status_code == expected
    assert (
        client.get(reverse("crm:contact-check-email"), {"email": "a@b.example", "exclude": bad})
    ).status_code == expected
    # The live promise check reads what was typed so far: a bad template is "not chosen".
    response = client.get(
        reverse("handoff:promise-check", args=[deal.pk]), {"template": bad}, headers=HTMX
    )
    assert response.status_code == 200
    assert b"Choose a template and a kickoff date" in response.content
    move = client.post(
        reverse("crm:pipeline-move"), {"deal": deal.pk, "stage": "negotiation", "version": bad}
    )
    assert move.status_code == (302 if bad == " " else 400)
    deal.refresh_from_db()
    assert deal.stage == ("negotiation" if bad == " " else "proposal")


@pytest.mark.parametrize("bad", ["²", "9" * 40])
def test_malformed_ids_in_the_reassign_form_answer_400(client, manager, rep, bad):
    deal = DealFactory(owner=rep)
    client.force_login(manager)
    assert (
        client.post(
            reverse("crm:deal-bulk-reassign"), {"deal": bad, "owner": manager.pk}
        ).status_code
        == 400
    )
    assert (
        client.post(reverse("crm:deal-bulk-reassign"), {"deal": deal.pk, "owner": bad}).status_code
        == 400
    )
    deal.refresh_from_db()
    assert deal.owner == rep


@pytest.mark.parametrize("page_no", ["1" + "0" * 30, "²", "999999", "-3"])
def test_board_page_far_beyond_the_last(client, berlin_rep, acme, page_no):
    DealFactory.create_batch(3, owner=berlin_rep, company=acme)
    client.force_login(berlin_rep)
    response = client.get(reverse("crm:pipeline"), {"column": "lead", "page": page_no})
    assert response.status_code == 200
    lead = next(c for c in response.context["columns"] if c.stage == "lead")
    assert (lead.page, len(lead.deals), lead.has_more) == (1, 3, False)


def test_handoff_kickoff_in_year_9999_is_a_field_error(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    client.force_login(rep)
    response = client.post(
        reverse("handoff:handoff-save", args=[deal.pk]), {"kickoff_date": "9999-12-31"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"kickoff_date": [OUT_OF_RANGE]}
    assert not Handoff.objects.filter(deal=deal).exists()
    assert client.get(reverse("crm:deal-detail", args=[deal.pk])).status_code == 200


def test_promise_check_whose_plan_runs_past_2999(client, rep):
    deal = DealFactory(owner=rep, proposal=True)
    template = ProjectTemplate.objects.get()
    client.force_login(rep)
    response = client.get(
        reverse("handoff:promise-check", args=[deal.pk]),
        {"template": template.pk, "kickoff_date": "2999-12-20", "promised_date": "2999-12-31"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert b"The plan would run outside 1900-01-01 to 2999-12-31." in response.content
    far = client.get(
        reverse("handoff:promise-check", args=[deal.pk]),
        {"template": template.pk, "kickoff_date": "9999-12-31"},
        headers=HTMX,
    )
    assert far.status_code == 200
    assert b"Choose a template and a kickoff date" in far.content


def test_project_form_refuses_year_9999(client, lead):
    client.force_login(lead)
    response = client.post(
        reverse("projects:project-create"),
        {"name": "Far", "start_date": "9999-12-31", "delivery_lead": lead.pk},
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"start_date": [OUT_OF_RANGE]}
    assert Project.objects.count() == 0


def test_task_whose_plan_runs_past_2999_is_refused(client, lead):
    project = ProjectFactory(delivery_lead=lead, start_date=dt.date(2999, 12, 1))
    client.force_login(lead)
    response = client.post(
        reverse("projects:task-create", args=[project.pk]),
        {"title": "Long", "duration_days": "1000"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "duration_days": ["The plan would run outside 1900-01-01 to 2999-12-31."]
    }
    assert Task.objects.count() == 0
    assert client.get(reverse("projects:project-timeline", args=[project.pk])).status_code == 200


def test_task_title_with_a_line_break_is_refused(client, lead):
    project = ProjectFactory(delivery_lead=lead)
    client.force_login(lead)
    response = client.post(
        reverse("projects:task-create", args=[project.pk]),
        {"title": "Bcc: everyone\r\nSubject: spam", "duration_days": "1"},
    )
    assert response.context["form"].errors == {
        "title": ["Use one line of text without line breaks or control characters."]
    }
    assert Task.objects.count() == 0


def test_double_submitted_deal_form_makes_one_deal(client, berlin_rep, acme):
    client.force_login(berlin_rep)
    form = client.get(reverse("crm:deal-create")).context["form"]
    key = form["submission_key"].value()
    assert len(key) == 32
    data = deal_form(acme, submission_key=key)
    first = client.post(reverse("crm:deal-create"), data)
    second = client.post(reverse("crm:deal-create"), data)
    deal = Deal.objects.get()
    assert first["Location"] == second["Location"] == reverse("crm:deal-detail", args=[deal.pk])
    # A new form (a new key) is a new deal.
    client.post(reverse("crm:deal-create"), deal_form(acme, submission_key="another"))
    assert Deal.objects.count() == 2


def test_a_refused_submission_can_be_corrected_and_sent_again(client, berlin_rep, acme):
    client.force_login(berlin_rep)
    data = deal_form(acme, submission_key="k1", next_action="")
    assert client.post(reverse("crm:deal-create"), data).status_code == 422
    data["next_action"] = "Call Ann"
    assert client.post(reverse("crm:deal-create"), data).status_code == 302
    assert Deal.objects.count() == 1


def _at_once(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads started together; their results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_ten_identical_deal_forms_at_once_make_one_deal(berlin_rep, acme):
    data = deal_form(acme, submission_key="same-form")

    def submit(_: int) -> tuple[int, str]:
        client = Client()
        client.force_login(berlin_rep)
        response = client.post(reverse("crm:deal-create"), data)
        return response.status_code, response["Location"]

    results = _at_once(10, submit)
    deal = Deal.objects.get()
    assert results == [(302, reverse("crm:deal-detail", args=[deal.pk]))] * 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_companies_with_one_domain(rep):
    def submit(i: int) -> tuple[int, dict]:
        client = Client()
        client.force_login(rep)
        response = client.post(
            reverse("crm:company-create"), {"name": f"Acme {i}", "domain": "acme.example"}
        )
        errors = response.context["form"].errors if response.status_code == 422 else {}
        return response.status_code, dict(errors)

    results = _at_once(10, submit)
    assert Company.objects.filter(domain="acme.example").count() == 1
    assert sorted(status for status, _ in results) == [302] + [422] * 9
    assert {str(e) for status, e in results if status == 422} == {
        str({"domain": ["A company with this web domain already exists."]})
    }


def test_the_repair_migration_makes_rows_saved_before_the_policy_readable(client, berlin_rep, acme):
    from django.db import connection as db

    from inputs.dates import clamp_stored

    deal = DealFactory(owner=berlin_rep, company=acme)
    with db.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_deal SET next_action_due_date = '0001-01-01 BC',"
            " next_action_due_at = '0001-12-31 23:00:00+00 BC', expected_close_date = '9999-12-31'"
            " WHERE id = %s",
            [deal.pk],
        )
    assert (
        clamp_stored(Deal, ["expected_close_date", "next_action_due_date"], ["next_action_due_at"])
        == 3
    )
    deal.refresh_from_db()
    assert (deal.next_action_due_date, deal.expected_close_date) == (
        dt.date(1900, 1, 1),
        dt.date(2999, 12, 31),
    )
    assert deal.next_action_due_at == dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    client.force_login(berlin_rep)
    assert_pages_ok(client)
