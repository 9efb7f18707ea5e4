"""Delivery reminders: overdue tasks, milestones awaiting approval, @mentions."""

import datetime as dt

import pytest

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from projects.models import Comment, Mention, ProjectStatus, TaskStatus
from projects.tests.factories import MilestoneFactory, ProjectFactory, TaskFactory
from reminders.models import Kind, OutboxEmail, ReminderPreference
from reminders.services import MENTION_WINDOW, mentions_plan, outbox_send_due, reminders_plan
from reminders.tasks import plan_mentions
from reminders.tests.conftest import at

pytestmark = pytest.mark.django_db


def user(username: str, role: str = Role.DELIVERY_MEMBER, zone: str = "UTC") -> User:
    made = UserFactory.create(username=username, role=role, time_zone=zone)
    assert isinstance(made, User)
    return made


@pytest.fixture
def website(lead):
    return ProjectFactory.create(name="Website", delivery_lead=lead, status=ProjectStatus.ACTIVE)


def test_overdue_task_digest_lists_open_tasks_past_their_finish_in_the_assignees_zone(
    website, lead
):
    priya = user("priya", zone="Asia/Kolkata")
    other = user("other")
    late = TaskFactory.create(
        project=website, title="Wireframes", assignee=priya, planned_finish=dt.date(2025, 3, 10)
    )
    started = TaskFactory.create(
        project=website,
        title="Copy",
        assignee=priya,
        status=TaskStatus.IN_PROGRESS,
        planned_finish=dt.date(2025, 3, 7),
    )
    TaskFactory.create(project=website, assignee=priya, planned_finish=dt.date(2025, 3, 11))
    TaskFactory.create(
        project=website,
        assignee=priya,
        status=TaskStatus.DONE,
        planned_finish=dt.date(2025, 3, 1),
    )
    paused = ProjectFactory.create(delivery_lead=lead, status=ProjectStatus.ON_HOLD)
    TaskFactory.create(project=paused, assignee=priya, planned_finish=dt.date(2025, 3, 1))
    TaskFactory.create(project=website, assignee=other, planned_finish=dt.date(2025, 3, 12))

    # 07:00 on 11 March in Kolkata.
    created = reminders_plan(now=at(2025, 3, 11, 1, 30))

    [email] = created
    assert (email.recipient, email.kind, email.idempotency_key) == (
        priya,
        Kind.TASKS,
        f"tasks:{priya.pk}:2025-03-11",
    )
    assert email.subject == "Relay: 2 overdue tasks"
    assert email.body_text.split("\n--\n")[0] == (
        f"Hello {priya.display_name},\n\n"
        "2 of your tasks are past their planned finish (11 Mar 2025):\n\n"
        "- Copy (Website): In progress, planned to finish 7 Mar 2025\n"
        f"  http://127.0.0.1:8000/projects/tasks/{started.pk}/\n"
        "- Wireframes (Website): To do, planned to finish 10 Mar 2025\n"
        f"  http://127.0.0.1:8000/projects/tasks/{late.pk}/\n"
    )
    assert (
        f'<a href="http://127.0.0.1:8000/projects/tasks/{late.pk}/">Wireframes</a>'
        in email.body_html
    )
    assert reminders_plan(now=at(2025, 3, 11, 5)) == []


def test_a_task_finishing_today_is_not_overdue_until_the_assignees_day_ends(website):
    nick = user("nick", zone="America/New_York")
    TaskFactory.create(project=website, assignee=nick, planned_finish=dt.date(2025, 3, 10))
    # 21:30 on 10 March in New York.
    assert reminders_plan(now=at(2025, 3, 11, 1, 30)) == []
    # 07:00 on 11 March in New York.
    assert [e.idempotency_key for e in reminders_plan(now=at(2025, 3, 11, 11))] == [
        f"tasks:{nick.pk}:2025-03-11"
    ]


def test_approvals_digest_lists_milestones_ready_for_the_approver(website, lead):
    other = user("other_lead", Role.DELIVERY_LEAD)
    ready = MilestoneFactory.create(
        project=website,
        name="Design sign-off",
        requires_approval=True,
        approver=lead,
        due_date=dt.date(2025, 3, 14),
    )
    TaskFactory.create(project=website, milestone=ready, status=TaskStatus.DONE)
    empty = MilestoneFactory.create(
        project=website, name="Kickoff", requires_approval=True, approver=lead
    )
    blocked = MilestoneFactory.create(project=website, requires_approval=True, approver=lead)
    TaskFactory.create(project=website, milestone=blocked, status=TaskStatus.IN_PROGRESS)
    MilestoneFactory.create(
        project=website, requires_approval=True, approver=lead, approved_at=at(2025, 3, 1)
    )
    MilestoneFactory.create(project=website, requires_approval=False)
    MilestoneFactory.create(project=website, requires_approval=True, approver=other)
    done = ProjectFactory.create(delivery_lead=lead, status=ProjectStatus.DONE)
    MilestoneFactory.create(project=done, requires_approval=True, approver=lead)

    created = [e for e in reminders_plan(now=at(2025, 3, 10, 8)) if e.recipient == lead]

    [email] = created
    assert (email.kind, email.idempotency_key) == (
        Kind.APPROVALS,
        f"approvals:{lead.pk}:2025-03-10",
    )
    assert email.subject == "Relay: 2 milestones await your approval"
    assert email.body_text.split("\n--\n")[0] == (
        f"Hello {lead.display_name},\n\n"
        "2 milestones are ready for your approval: every task is done.\n\n"
        f"- Design sign-off (Website), due 14 Mar 2025\n"
        f"  http://127.0.0.1:8000/projects/{website.pk}/\n"
        f"- Kickoff (Website)\n"
        f"  http://127.0.0.1:8000/projects/{website.pk}/\n"
    )
    assert empty.approved_at is None


def test_one_ready_milestone_reads_in_the_singular(website, lead):
    MilestoneFactory.create(project=website, requires_approval=True, approver=lead)
    [email] = reminders_plan(now=at(2025, 3, 10, 8))
    assert email.subject == "Relay: 1 milestone awaits your approval"


def test_turned_off_task_and_approval_digests_are_not_made(website, lead, member):
    ReminderPreference.objects.create(user=member, tasks=False)
    ReminderPreference.objects.create(user=lead, approvals=False)
    TaskFactory.create(project=website, assignee=member, planned_finish=dt.date(2025, 3, 1))
    MilestoneFactory.create(project=website, requires_approval=True, approver=lead)
    assert reminders_plan(now=at(2025, 3, 10, 8)) == []


# --- Mentions ---------------------------------------------------------------------------


@pytest.fixture
def mention(website, lead, member, time_machine):
    time_machine.move_to(at(2025, 3, 10, 2, 5), tick=False)  # 07:35 in Kolkata
    member.time_zone = "Asia/Kolkata"
    member.save()
    task = TaskFactory.create(project=website, title="Wireframes")
    comment = Comment.objects.create(
        task=task, author=lead, body="@member can you check\nthe header?"
    )
    return Mention.objects.create(comment=comment, user=member)


def test_a_mention_is_emailed_at_once_whatever_the_hour(mention, lead, member):
    # 03:00 in New York: the 07:00 rule is for digests only.
    member.time_zone = "America/New_York"
    member.save()
    [email] = mentions_plan(now=at(2025, 3, 10, 7))
    task = mention.comment.task
    assert (email.recipient, email.kind, email.idempotency_key) == (
        member,
        Kind.MENTIONS,
        f"mention:{mention.pk}",
    )
    assert email.subject == f"Relay: {lead.display_name} mentioned you on “Wireframes”"
    assert email.body_text.split("\n--\n")[0] == (
        f"Hello {member.display_name},\n\n"
        f'{lead.display_name} mentioned you in a comment on "Wireframes" (Website) '
        "at 9 Mar 2025, 22:05:\n\n"
        "@member can you check\nthe header?\n\n"
        f"Open the task: http://127.0.0.1:8000/projects/tasks/{task.pk}/\n"
    )
    assert "@member can you check<br>the header?" in email.body_html


def test_each_mention_is_emailed_once(mention, no_broker):
    assert (plan_mentions(), plan_mentions()) == (1, 0)
    assert no_broker == ["send_outbox"]
    assert reminders_plan(now=at(2025, 3, 10, 9)) == []
    assert OutboxEmail.objects.filter(kind=Kind.MENTIONS).count() == 1


def test_mentions_older_than_the_window_are_not_emailed(mention):
    assert mentions_plan(now=mention.created_at + MENTION_WINDOW + dt.timedelta(seconds=1)) == []
    assert len(mentions_plan(now=mention.created_at + MENTION_WINDOW)) == 1


def test_mentions_honour_the_preference_and_skip_inactive_users(mention, member):
    ReminderPreference.objects.create(user=member, mentions=False)
    assert mentions_plan(now=at(2025, 3, 10, 3)) == []
    ReminderPreference.objects.filter(user=member).update(mentions=True)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert mentions_plan(now=at(2025, 3, 10, 3)) == []


def test_a_stored_title_with_line_breaks_still_makes_a_sendable_subject(mention, lead, mailoutbox):
    # Titles are refused with line breaks now; one stored before must not lose the reminder.
    task = mention.comment.task
    type(task).objects.filter(pk=task.pk).update(title="Wire\r\nBcc: all@example.com " + "x" * 170)
    lead.full_name = "Lead " + "L" * 95
    lead.save()
    [email] = mentions_plan(now=at(2025, 3, 10, 7))
    assert "\r" not in email.subject and "\n" not in email.subject
    assert len(email.subject) == 255
    assert email.subject.startswith(
        f"Relay: {lead.display_name} mentioned you on “Wire Bcc: all@example.com xxx"
    )
    assert email.subject.endswith("x…")
    report = outbox_send_due()
    assert ([e.pk for e in report.sent], report.failed) == ([email.pk], [])
    assert mailoutbox[0].subject == email.subject
