"""Property tests: odd unicode, NUL bytes, huge and negative numbers and far dates fed to
the forms, the services and CSV import answer field errors, never an exception, and what
they accept can always be read back by the pages that list it.

Each example runs in a savepoint that is rolled back, so examples do not see each other.
"""

import csv
import datetime as dt
import io
import os
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm import services as crm_services
from crm.models import Deal
from crm.tests.factories import CompanyFactory, DealFactory
from handoff import services as handoff_services
from imports.models import Status
from imports.tests.helpers import problems, run_file
from projects import services as project_services
from projects.models import Task
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")),
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

odd_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["\x00", "a\x00b", "\r\n", "line\u2028sep", "²", "٣", "🙂" * 100, " " * 10]),
)
huge_ints = st.one_of(
    st.integers(), st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([0, -1])
)
any_date = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
date_text = st.one_of(
    any_date.map(dt.date.isoformat),
    st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "1e9", "²", ""]),
    st.text(max_size=12),
)
any_moment = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.timezones()
)
money = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=Decimal("-1e20"), max_value=Decimal("1e20"), places=2),
)

REFUSALS = (ValidationError, PermissionDenied)


@pytest.fixture
def rep(db):
    return UserFactory(username="fuzzrep", role=Role.SALES_REP, time_zone="Pacific/Kiritimati")


@pytest.fixture
def company(rep):
    return CompanyFactory(owner=rep, name="Acme", domain="acme.example")


def readable(client: Client) -> None:
    """Every page that lists deals still renders with what was stored."""
    for name in ("crm:deal-list", "crm:pipeline", "dashboards:my-work", "dashboards:sales"):
        assert client.get(reverse(name)).status_code == 200, name


@FUZZ
@given(
    title=odd_text,
    amount=st.one_of(odd_text, huge_ints.map(str)),
    next_action=odd_text,
    due_date=date_text,
    due_time=st.one_of(st.just(""), st.times().map(lambda t: t.strftime("%H:%M")), odd_text),
    close=date_text,
    version=st.one_of(huge_ints.map(str), odd_text),
)
def test_the_deal_form_answers_a_field_error_or_creates(
    client, rep, company, title, amount, next_action, due_date, due_time, close, version
):
    client.force_login(rep)
    with transaction.atomic():
        response = client.post(
            reverse("crm:deal-create"),
            {
                "title": title,
                "company": company.pk,
                "amount": amount,
                "next_action": next_action,
                "next_action_due_date": due_date,
                "next_action_due_time": due_time,
                "expected_close_date": close,
                "version": version,
            },
        )
        assert response.status_code in (302, 422)
        if response.status_code == 422:
            assert response.context["form"].errors
        readable(client)
        transaction.set_rollback(True)


@FUZZ
@given(
    title=odd_text,
    next_action=odd_text,
    due=st.one_of(any_date, any_moment, st.none()),
    amount=st.one_of(money, st.none()),
    close=st.one_of(any_date, st.none()),
    notes=odd_text,
)
def test_deal_services_refuse_with_field_errors(
    client, rep, company, title, next_action, due, amount, close, notes
):
    client.force_login(rep)
    with transaction.atomic():
        try:
            deal = crm_services.deal_create(
                by=rep,
                title=title,
                company=company,
                next_action=next_action,
                next_action_due=due,
                amount=amount,
                expected_close_date=close,
                qualification_notes=notes,
            )
        except REFUSALS as error:
            assert getattr(error, "message_dict", {"permission": 1})
        else:
            assert Deal.objects.get(pk=deal.pk).title == deal.title
            try:
                crm_services.activity_create(
                    by=rep,
                    kind="call",
                    body=notes,
                    deal=deal,
                    occurred_at=due if isinstance(due, dt.datetime) else None,
                )
            except ValidationError as error:
                assert error.message_dict
        readable(client)
        transaction.set_rollback(True)


@FUZZ
@given(cells=st.lists(odd_text, min_size=6, max_size=6), due=date_text)
def test_import_rows_answer_row_problems(rep, company, cells, due):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["title", "company", "amount", "next_action", "next_action_due", "stage", "owner"]
    )
    writer.writerow([cells[0], cells[4] or "Acme", cells[1], cells[2], due, cells[3], cells[5]])
    with transaction.atomic():
        try:
            job = run_file(rep, "deals", out.getvalue())
        except ValidationError as error:  # a file without a readable row is refused whole
            assert set(error.message_dict) == {"file"}
        else:
            assert (job.status, job.created + job.failed) in (
                (Status.DONE, 1),
                (Status.FAILED, 1),
            )
            assert job.failed == len({row for row, _, _ in problems(job)})
            assert Deal.objects.count() == job.created
        list(Deal.objects.all())
        transaction.set_rollback(True)


@pytest.fixture
def project(db):
    lead = UserFactory(username="fuzzlead", role=Role.DELIVERY_LEAD)
    return ProjectFactory(delivery_lead=lead, start_date=dt.date(2998, 6, 1))


@FUZZ
@given(
    title=odd_text,
    duration=huge_ints,
    start=st.one_of(any_date, st.none()),
    lag=huge_ints,
)
def test_task_services_refuse_with_field_errors(client, project, title, duration, start, lag):
    lead = project.delivery_lead
    client.force_login(lead)
    with transaction.atomic():
        try:
            first = project_services.task_create(
                by=lead,
                project=project,
                title=title,
                duration_days=duration,
                start_no_earlier_than=start,
            )
            second = project_services.task_create(by=lead, project=project, title="Next")
            project_services.dependency_create(
                by=lead, successor=second, predecessor=first, lag_days=lag
            )
        except ValidationError as error:
            assert error.message_dict
        list(Task.objects.filter(project=project))
        for name in ("projects:project-detail", "projects:project-timeline"):
            assert client.get(reverse(name, args=[project.pk])).status_code == 200
        transaction.set_rollback(True)


@FUZZ
@given(
    kickoff=st.one_of(any_date, st.none()),
    promised=st.one_of(any_date, st.none()),
    scope=odd_text,
)
def test_handoff_drafts_refuse_with_field_errors(client, rep, company, kickoff, promised, scope):
    client.force_login(rep)
    with transaction.atomic():
        deal = DealFactory(owner=rep, company=company, proposal=True)
        try:
            handoff_services.handoff_save_draft(
                deal=deal, by=rep, kickoff_date=kickoff, promised_date=promised, scope_summary=scope
            )
        except ValidationError as error:
            assert error.message_dict
        assert client.get(reverse("crm:deal-detail", args=[deal.pk])).status_code == 200
        transaction.set_rollback(True)
