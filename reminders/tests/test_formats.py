"""Emails say a date, a time and a moment the way the pages do, in the recipient's zone."""

import datetime as dt

import pytest
from django.urls import reverse

from projects import services as project_services
from reminders.models import Kind
from reminders.services import mentions_plan, reminders_plan
from reminders.tests.conftest import at
from reminders.tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db

# 19:15 UTC on 2 December 2026: 20:15 in Berlin.
COMMENTED = dt.datetime(2026, 12, 2, 19, 15, tzinfo=dt.UTC)


def test_a_mention_email_gives_the_comments_time_as_the_task_page_does(
    client, lead, member, time_machine
):
    member.time_zone = "Europe/Berlin"
    member.save(update_fields=["time_zone"])
    project = project_services.project_create(
        by=lead,
        name="Website",
        delivery_lead=lead,
        start_date=dt.date(2026, 11, 30),
        members=[member],
    )
    task = project_services.task_create(by=lead, project=project, title="Header", duration_days=1)
    time_machine.move_to(COMMENTED, tick=False)
    project_services.comment_create(by=lead, task=task, body="@member please check")
    [email] = mentions_plan(now=COMMENTED + dt.timedelta(minutes=1))
    assert email.kind == Kind.MENTIONS
    assert '"Header" (Website) at 2 Dec 2026, 20:15:\n' in email.body_text
    assert "(Website) at 2 Dec 2026, 20:15:</p>" in email.body_html
    client.force_login(member)
    page = client.get(reverse("projects:task-detail", args=[task.pk])).content.decode()
    assert 'title="Europe/Berlin time">2 Dec 2026, 20:15</time>' in page


def test_a_next_action_digest_gives_the_due_date_and_time_as_the_deal_page_does(client, rep):
    rep.time_zone = "Europe/Berlin"
    rep.save(update_fields=["time_zone"])
    deal = DealFactory.create(
        owner=rep,
        company=CompanyFactory.create(name="Acme"),
        title="Hosting",
        next_action="Send quote",
        next_action_due_date=dt.date(2026, 12, 1),
        next_action_due_time=dt.time(14, 30),
    )
    [email] = reminders_plan(now=at(2026, 12, 2, 7, tz="Europe/Berlin"))
    assert "an overdue next action (2 Dec 2026):\n" in email.body_text
    assert "- Hosting (Acme): Send quote, due 1 Dec 2026 14:30\n" in email.body_text
    assert ">1 Dec 2026 14:30</td>" in email.body_html
    client.force_login(rep)
    page = client.get(reverse("crm:deal-detail", args=[deal.pk])).content.decode()
    assert "due 1 Dec 2026 at 14:30" in page
