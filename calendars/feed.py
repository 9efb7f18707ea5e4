"""A user's iCalendar feed (RFC 5545, made with ``icalendar``): what they have to do, dated.

- Their open deals' next actions: at the due time (30 minutes) when one is set, else all day
  on the due day.
- Their open tasks, all day from the forecast start to the forecast finish (the plan while
  no forecast is made), in open projects they can see.
- The milestones not yet approved of the open projects they lead or work in, and those
  waiting for their approval, all day on the due day.

Only what falls from ``PAST_DAYS`` ago to ``AHEAD_DAYS`` ahead, at most ``LIMIT`` of each
kind, so the feed stays small whatever the history: three queries (and the user's roles).
Each item keeps its UID when it changes, so a calendar app updates it in place.
"""

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from accounts.models import User
from crm.models import Deal
from projects.models import OPEN_PROJECT_STATUSES, Milestone, Project, Task, TaskStatus
from projects.selectors import project_visible_q

PAST_DAYS = 30
AHEAD_DAYS = 365
LIMIT = 500
TIMED_ACTION = dt.timedelta(minutes=30)
REFRESH = dt.timedelta(hours=1)  # how often calendar apps are asked to fetch it again


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "relay"


def _link(name: str, pk: int) -> str:
    return settings.SITE_URL + reverse(name, args=[pk])


def next_actions(user: User, first: dt.date, last: dt.date) -> list[Deal]:
    return list(
        Deal.objects.open()
        .filter(owner=user, next_action_due_date__range=(first, last))
        .exclude(next_action="")
        .select_related("company")
        .order_by("next_action_due_date", "pk")[:LIMIT]
    )


def open_tasks(user: User, first: dt.date, last: dt.date) -> list[Task]:
    finish = Q(forecast_finish__range=(first, last)) | Q(
        forecast_finish__isnull=True, planned_finish__range=(first, last)
    )
    return list(
        Task.objects.filter(assignee=user, project__status__in=OPEN_PROJECT_STATUSES)
        .exclude(status=TaskStatus.DONE)
        .filter(project_visible_q(user, "project__"))
        .filter(finish)
        .select_related("project")
        .order_by("planned_start", "pk")[:LIMIT]
    )


def open_milestones(user: User, first: dt.date, last: dt.date) -> list[Milestone]:
    mine = Q(project__delivery_lead=user) | Q(
        project__in=Project.members.through.objects.filter(user_id=user.pk).values("project_id")
    )
    awaiting_me = Q(approver=user, requires_approval=True)
    return list(
        Milestone.objects.filter(
            approved_at__isnull=True,
            due_date__range=(first, last),
            project__status__in=OPEN_PROJECT_STATUSES,
        )
        .filter(mine | awaiting_me)
        .filter(project_visible_q(user, "project__"))
        .select_related("project")
        .order_by("due_date", "pk")[:LIMIT]
    )


def _event(uid: str, summary: str, url: str, description: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{_domain()}")
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    event.add("url", url)
    event.add("description", f"{description}\n{url}")
    return event


def _all_day(event: Event, first: dt.date, last: dt.date) -> Event:
    event.add("dtstart", first)
    event.add("dtend", max(first, last) + dt.timedelta(days=1))  # DTEND is exclusive
    event.add("transp", "TRANSPARENT")  # a reminder, not time taken
    return event


def _action_events(deals: Iterable[Deal], stamp: dt.datetime) -> Iterable[Event]:
    for deal in deals:
        event = _event(
            f"deal-{deal.pk}-next-action",
            f"{deal.next_action} ({deal.title})",
            _link("crm:deal-detail", deal.pk),
            f"Next action on the deal “{deal.title}” with {deal.company.name}.",
            stamp,
        )
        event.add("categories", ["Next action"])
        assert deal.next_action_due_date is not None
        if deal.next_action_due_time is not None and deal.next_action_due_at is not None:
            start = deal.next_action_due_at.astimezone(dt.UTC)
            event.add("dtstart", start)
            event.add("dtend", start + TIMED_ACTION)
        else:
            _all_day(event, deal.next_action_due_date, deal.next_action_due_date)
        yield event


def _task_events(tasks: Iterable[Task], stamp: dt.datetime) -> Iterable[Event]:
    for task in tasks:
        start = task.forecast_start or task.planned_start
        finish = task.forecast_finish or task.planned_finish
        if start is None or finish is None:
            continue
        event = _event(
            f"task-{task.pk}",
            task.title,
            _link("projects:project-detail", task.project_id),
            f"Task in the project “{task.project.name}” ({task.get_status_display()}).",
            stamp,
        )
        event.add("categories", ["Task"])
        yield _all_day(event, start, finish)


def _milestone_events(milestones: Iterable[Milestone], stamp: dt.datetime) -> Iterable[Event]:
    for milestone in milestones:
        assert milestone.due_date is not None
        waiting = " It waits for approval." if milestone.requires_approval else ""
        event = _event(
            f"milestone-{milestone.pk}",
            f"Milestone: {milestone.name}",
            _link("projects:project-detail", milestone.project_id),
            f"Milestone of the project “{milestone.project.name}”.{waiting}",
            stamp,
        )
        event.add("categories", ["Milestone"])
        yield _all_day(event, milestone.due_date, milestone.due_date)


def feed(user: User, *, now: dt.datetime | None = None) -> bytes:
    """The user's feed as iCalendar bytes (three queries)."""
    now = now or timezone.now()
    today = timezone.localtime(now, user.zone).date()
    first, last = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=AHEAD_DAYS)
    calendar = Calendar()
    calendar.add("prodid", "-//Relay//Relay calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Relay: {user.display_name}")
    calendar.add("x-wr-timezone", user.time_zone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    stamp = now.astimezone(dt.UTC)
    events: list[Any] = [
        *_action_events(next_actions(user, first, last), stamp),
        *_task_events(open_tasks(user, first, last), stamp),
        *_milestone_events(open_milestones(user, first, last), stamp),
    ]
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()
