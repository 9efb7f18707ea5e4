"""The calendar feed, read back with the icalendar parser as a calendar app would: what each
user sees, on which days and times, under a secret address that a new one ends."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from accounts.roles import Role
from accounts.services import api_token_create, calendar_token, calendar_token_renew
from accounts.tests.factories import UserFactory
from calendars import feed
from crm.models import Stage
from crm.tests.factories import DealFactory
from projects.models import ProjectStatus, TaskStatus
from projects.tests.factories import MilestoneFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)  # a Thursday
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def read(client: Client, user) -> Calendar:
    response = client.get(reverse("calendars:feed", args=[calendar_token(user=user)]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, tuple]:
    """UID (without the domain) -> (summary, start, end, category)."""
    return {
        str(event["uid"]).split("@")[0]: (
            str(event["summary"]),
            event.decoded("dtstart"),
            event.decoded("dtend"),
            event.get("categories").cats[0],
        )
        for event in calendar.walk("VEVENT")
    }


def test_a_reps_next_actions_all_day_or_at_their_time_in_the_reps_zone(client, settings):
    settings.SITE_URL = "https://relay.example.com"
    rep = UserFactory(username="rita", role=Role.SALES_REP, time_zone="Europe/Berlin")
    other = UserFactory(username="sam", role=Role.SALES_REP)
    call = DealFactory(
        owner=rep,
        title="Acme site",
        next_action="Call Ann",
        next_action_due_date=dt.date(2026, 12, 4),
    )
    demo = DealFactory(
        owner=rep,
        title="Beta app",
        next_action="Demo",
        next_action_due_date=dt.date(2026, 12, 7),
        next_action_due_time=dt.time(9, 0),
    )
    DealFactory(owner=rep, title="Gone", stage=Stage.LOST)  # closed: no next action
    DealFactory(owner=rep, title="Long ago", next_action_due_date=dt.date(2026, 10, 1))
    DealFactory(owner=other, title="Not mine", next_action_due_date=dt.date(2026, 12, 4))

    calendar = read(client, rep)

    assert str(calendar["x-wr-calname"]) == f"Relay: {rep.display_name}"
    assert str(calendar["x-wr-timezone"]) == "Europe/Berlin"
    assert events(calendar) == {
        f"deal-{call.pk}-next-action": (
            "Call Ann (Acme site)",
            dt.date(2026, 12, 4),
            dt.date(2026, 12, 5),
            "Next action",
        ),
        f"deal-{demo.pk}-next-action": (
            "Demo (Beta app)",
            dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC),  # 09:00 in Berlin
            dt.datetime(2026, 12, 7, 8, 30, tzinfo=dt.UTC),
            "Next action",
        ),
    }
    (event,) = [e for e in calendar.walk("VEVENT") if str(e["summary"]) == "Demo (Beta app)"]
    assert str(event["url"]) == f"https://relay.example.com/deals/{demo.pk}/"


def test_a_members_open_tasks_and_the_milestones_of_their_projects(client):
    member = UserFactory(username="mia", role=Role.DELIVERY_MEMBER)
    lead = UserFactory(username="leo", role=Role.DELIVERY_LEAD)
    project = ProjectFactory(name="Acme rollout", delivery_lead=lead, members=[member])
    closed = ProjectFactory(name="Old", delivery_lead=lead, members=[member])
    closed.status = ProjectStatus.DONE
    closed.save()
    build = TaskFactory(
        project=project,
        assignee=member,
        title="Build",
        status=TaskStatus.IN_PROGRESS,
        planned_start=dt.date(2026, 12, 1),
        planned_finish=dt.date(2026, 12, 4),
        forecast_start=dt.date(2026, 12, 1),
        forecast_finish=dt.date(2026, 12, 8),
    )
    test = TaskFactory(
        project=project,
        assignee=member,
        title="Test",
        planned_start=dt.date(2026, 12, 9),
        planned_finish=dt.date(2026, 12, 9),
    )
    TaskFactory(
        project=project,
        assignee=member,
        title="Done already",
        status=TaskStatus.DONE,
        planned_start=dt.date(2026, 12, 2),
        planned_finish=dt.date(2026, 12, 2),
    )
    TaskFactory(
        project=closed,
        assignee=member,
        title="Of a closed project",
        planned_start=dt.date(2026, 12, 2),
        planned_finish=dt.date(2026, 12, 2),
    )
    TaskFactory(
        project=project,
        assignee=lead,
        title="The lead's",
        planned_start=dt.date(2026, 12, 2),
        planned_finish=dt.date(2026, 12, 2),
    )
    launch = MilestoneFactory(project=project, name="Launch", due_date=dt.date(2026, 12, 18))
    MilestoneFactory(
        project=project,
        name="Approved",
        due_date=dt.date(2026, 12, 10),
        requires_approval=True,
        approver=lead,
        approved_at=NOW,
    )

    assert events(read(client, member)) == {
        f"task-{build.pk}": ("Build", dt.date(2026, 12, 1), dt.date(2026, 12, 9), "Task"),
        f"task-{test.pk}": ("Test", dt.date(2026, 12, 9), dt.date(2026, 12, 10), "Task"),
        f"milestone-{launch.pk}": (
            "Milestone: Launch",
            dt.date(2026, 12, 18),
            dt.date(2026, 12, 19),
            "Milestone",
        ),
    }


def test_a_lead_sees_the_milestones_they_lead_and_those_waiting_for_their_approval(client):
    lead = UserFactory(username="leo", role=Role.DELIVERY_LEAD)
    other_lead = UserFactory(username="lou", role=Role.DELIVERY_LEAD)
    mine = ProjectFactory(name="Mine", delivery_lead=lead)
    theirs = ProjectFactory(name="Theirs", delivery_lead=other_lead)
    kickoff = MilestoneFactory(project=mine, name="Kickoff", due_date=dt.date(2026, 12, 7))
    sign_off = MilestoneFactory(
        project=theirs,
        name="Sign-off",
        due_date=dt.date(2026, 12, 11),
        requires_approval=True,
        approver=lead,
    )
    MilestoneFactory(project=theirs, name="Not mine", due_date=dt.date(2026, 12, 8))
    MilestoneFactory(project=mine, name="Undated")

    assert events(read(client, lead)) == {
        f"milestone-{kickoff.pk}": (
            "Milestone: Kickoff",
            dt.date(2026, 12, 7),
            dt.date(2026, 12, 8),
            "Milestone",
        ),
        f"milestone-{sign_off.pk}": (
            "Milestone: Sign-off",
            dt.date(2026, 12, 11),
            dt.date(2026, 12, 12),
            "Milestone",
        ),
    }


def test_the_feed_reads_five_queries_however_much_it_holds(client, django_assert_num_queries):
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    DealFactory(owner=rep, amount=Decimal("100.00"))
    token = calendar_token(user=rep)
    url = reverse("calendars:feed", args=[token])
    with django_assert_num_queries(5):  # the user by token, their roles, the three kinds
        assert client.get(url).status_code == 200
    DealFactory.create_batch(20, owner=rep)
    with django_assert_num_queries(5):
        response = client.get(url)
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 21


def test_each_kind_is_bounded(client, monkeypatch):
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    DealFactory.create_batch(4, owner=rep)
    monkeypatch.setattr(feed, "LIMIT", 3)
    assert len(read(client, rep).walk("VEVENT")) == 3


def test_an_unknown_address_or_an_inactive_user_is_not_found(client):
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    url = reverse("calendars:feed", args=[calendar_token(user=rep)])
    assert client.get(reverse("calendars:feed", args=["not-a-token"])).status_code == 404
    rep.is_active = False
    rep.save()
    assert client.get(url).status_code == 404


def test_a_new_address_ends_the_old_one(client, settings):
    settings.SITE_URL = "https://relay.example.com"
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    old = reverse("calendars:feed", args=[calendar_token(user=rep)])
    client.force_login(rep)
    profile = client.get(reverse("accounts:profile"))
    assert f'value="https://relay.example.com{old}"'.encode() in profile.content

    response = client.post(reverse("accounts:calendar-renew"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile") + "#calendar"
    rep.refresh_from_db()
    new = reverse("calendars:feed", args=[rep.calendar_token])
    assert new != old
    anonymous = Client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    page = client.get(reverse("accounts:profile")).content
    assert f'value="https://relay.example.com{new}"'.encode() in page
    assert old.encode() not in page


def test_the_profile_page_shows_the_address_and_a_subscribe_link(client, settings):
    settings.SITE_URL = "https://relay.example.com"
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    client.force_login(rep)
    page = client.get(reverse("accounts:profile")).content.decode()
    rep.refresh_from_db()
    path = reverse("calendars:feed", args=[rep.calendar_token])
    assert f'value="https://relay.example.com{path}"' in page
    assert f'href="webcal://relay.example.com{path}"' in page
    assert '<label for="calendar-url">Calendar address</label>' in page


def test_renewing_needs_a_post_and_a_sign_in(client):
    assert client.get(reverse("accounts:calendar-renew")).status_code == 302  # to sign in
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    client.force_login(rep)
    assert client.get(reverse("accounts:calendar-renew")).status_code == 405


def api(user) -> Client:
    _, raw = api_token_create(user=user)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.mark.parametrize(
    "role",
    [Role.SALES_REP, Role.SALES_MANAGER, Role.DELIVERY_LEAD, Role.DELIVERY_MEMBER, Role.ADMIN],
)
def test_api_every_role_has_its_own_address(settings, role):
    settings.SITE_URL = "https://relay.example.com"
    user = UserFactory(username="someone", role=role)
    client = api(user)
    first = client.get("/api/v1/me/calendar")
    assert first.status_code == 200
    user.refresh_from_db()
    url = f"https://relay.example.com/calendar/{user.calendar_token}.ics"
    assert first.json() == {"url": url}
    assert client.get("/api/v1/me/calendar").json() == {"url": url}  # the same, asked again

    renewed = client.post("/api/v1/me/calendar/renew")

    assert renewed.status_code == 200
    user.refresh_from_db()
    assert renewed.json() == {
        "url": f"https://relay.example.com/calendar/{user.calendar_token}.ics"
    }
    assert renewed.json() != first.json()


def test_api_without_a_token_is_refused(client):
    assert client.get("/api/v1/me/calendar").status_code == 401
    assert client.post("/api/v1/me/calendar/renew").status_code == 401


def test_an_admin_gives_users_a_new_address_from_the_user_admin(client):
    admin_user = UserFactory(username="ada", role=Role.ADMIN)
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    old = calendar_token(user=rep)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "new_calendar_address", "_selected_action": [rep.pk]},
        follow=True,
    )

    assert response.status_code == 200
    rep.refresh_from_db()
    assert rep.calendar_token not in (None, old)
    assert "1 user(s) have a new calendar address" in response.content.decode()
    assert client.get(reverse("calendars:feed", args=[old])).status_code == 404


def test_only_an_admin_renews_someone_elses_address():
    rep = UserFactory(username="rita", role=Role.SALES_REP)
    other = UserFactory(username="sam", role=Role.SALES_REP)
    old = calendar_token(user=rep)
    with pytest.raises(PermissionDenied):
        calendar_token_renew(user=rep, by=other)
    rep.refresh_from_db()
    assert rep.calendar_token == old
