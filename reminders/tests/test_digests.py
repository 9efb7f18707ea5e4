"""The planner: which digests are written to the outbox, for whom, when, and with what."""

import datetime as dt
from dataclasses import replace

import pytest

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Stage
from reminders import selectors, services
from reminders.models import Kind, OutboxEmail, ReminderPreference
from reminders.services import outbox_enqueue, reminders_plan
from reminders.tests.conftest import at
from reminders.tests.factories import CompanyFactory, DealFactory

pytestmark = pytest.mark.django_db


def keys() -> list[str]:
    return sorted(OutboxEmail.objects.values_list("idempotency_key", flat=True))


def test_next_action_digest_lists_each_overdue_open_deal_of_its_owner(rep, other_rep):
    acme = CompanyFactory.create(name="Acme")
    website = DealFactory.create(
        owner=rep, company=acme, title="Website", next_action_due_date=dt.date(2025, 3, 8)
    )
    hosting = DealFactory.create(
        owner=rep,
        company=acme,
        title="Hosting",
        next_action="Send quote",
        next_action_due_date=dt.date(2025, 3, 10),
        next_action_due_time=dt.time(7, 30),
    )
    DealFactory.create(owner=rep, title="Due today", next_action_due_date=dt.date(2025, 3, 10))
    DealFactory.create(
        owner=rep,
        title="Later today",
        next_action_due_date=dt.date(2025, 3, 10),
        next_action_due_time=dt.time(9, 0),
    )
    DealFactory.create(
        owner=rep, title="Lost", stage=Stage.LOST, next_action_due_date=dt.date(2025, 3, 1)
    )
    other = DealFactory.create(
        owner=other_rep, title="Theirs", next_action_due_date=dt.date(2025, 3, 9)
    )

    created = reminders_plan(now=at(2025, 3, 10, 8))

    assert [(e.recipient, e.kind, e.idempotency_key) for e in created] == [
        (rep, Kind.NEXT_ACTIONS, f"next_actions:{rep.pk}:2025-03-10"),
        (other_rep, Kind.NEXT_ACTIONS, f"next_actions:{other_rep.pk}:2025-03-10"),
    ]
    email = created[0]
    assert email.to_address == "rep@example.com"
    assert email.subject == "Relay: 2 overdue next actions"
    head, footer = email.body_text.split("\n--\n")
    assert head == (
        f"Hello {rep.display_name},\n\n"
        "2 of your deals have an overdue next action (10 Mar 2025):\n\n"
        "- Website (Acme): Call back, due 8 Mar 2025\n"
        f"  http://127.0.0.1:8000/deals/{website.pk}/\n"
        "- Hosting (Acme): Send quote, due 10 Mar 2025 07:30\n"
        f"  http://127.0.0.1:8000/deals/{hosting.pk}/\n"
    )
    assert footer.splitlines()[1:2] == [
        "Choose which reminders you get: http://127.0.0.1:8000/reminders/preferences/"
    ]
    assert f'<a href="http://127.0.0.1:8000/deals/{website.pk}/">Website</a>' in email.body_html
    assert f'<a href="http://127.0.0.1:8000/deals/{hosting.pk}/">Hosting</a>' in email.body_html
    assert created[1].subject == "Relay: 1 overdue next action"
    assert f"/deals/{other.pk}/" in created[1].body_text
    assert "One of your deals has an overdue next action" in created[1].body_text


def test_a_user_with_nothing_overdue_gets_no_digest(rep):
    DealFactory.create(owner=rep, next_action_due_date=dt.date(2025, 3, 10))
    assert reminders_plan(now=at(2025, 3, 10, 8)) == []
    assert OutboxEmail.objects.count() == 0


def test_running_the_planner_twice_creates_one_email(rep):
    DealFactory.create(owner=rep, next_action_due_date=dt.date(2025, 3, 1))
    first = reminders_plan(now=at(2025, 3, 10, 8))
    second = reminders_plan(now=at(2025, 3, 10, 8, 15))
    assert (len(first), second) == (1, [])
    assert keys() == [f"next_actions:{rep.pk}:2025-03-10"]


def test_a_deal_that_becomes_overdue_later_the_same_day_adds_no_second_digest(rep):
    DealFactory.create(owner=rep, title="Old", next_action_due_date=dt.date(2025, 3, 1))
    reminders_plan(now=at(2025, 3, 10, 7))
    DealFactory.create(owner=rep, title="New", next_action_due_date=dt.date(2025, 3, 5))
    assert reminders_plan(now=at(2025, 3, 10, 12)) == []
    assert OutboxEmail.objects.get().subject == "Relay: 1 overdue next action"


def test_enqueue_with_an_existing_key_returns_the_existing_row(rep):
    context = {"items": [], "total": 0, "more": 0, "day": dt.date(2025, 3, 10), "list_url": ""}
    first, created = outbox_enqueue(
        recipient=rep, kind=Kind.NEXT_ACTIONS, key="k", subject="One", context=context
    )
    second, created_again = outbox_enqueue(
        recipient=rep, kind=Kind.NEXT_ACTIONS, key="k", subject="Two", context=context
    )
    assert (created, created_again, second.pk, second.subject) == (True, False, first.pk, "One")
    assert OutboxEmail.objects.count() == 1


def test_daily_digests_wait_for_seven_in_each_users_time_zone():
    kolkata = UserFactory.create(username="priya", time_zone="Asia/Kolkata")
    new_york = UserFactory.create(username="nick", time_zone="America/New_York")
    DealFactory.create(owner=kolkata, next_action_due_date=dt.date(2025, 3, 1))
    DealFactory.create(owner=new_york, next_action_due_date=dt.date(2025, 3, 1))

    # 06:59 in Kolkata (UTC+5:30); 21:29 the day before in New York (UTC-4 since 9 March)
    # whose digest for 9 March was already made.
    OutboxEmail.objects.create(
        recipient=new_york,
        to_address=new_york.email,
        kind=Kind.NEXT_ACTIONS,
        idempotency_key=f"next_actions:{new_york.pk}:2025-03-09",
        subject="earlier",
        body_text="earlier",
    )
    assert reminders_plan(now=at(2025, 3, 10, 1, 29)) == []
    # 07:00 in Kolkata
    assert [e.idempotency_key for e in reminders_plan(now=at(2025, 3, 10, 1, 30))] == [
        f"next_actions:{kolkata.pk}:2025-03-10"
    ]
    # 06:59 in New York, 16:29 in Kolkata
    assert reminders_plan(now=at(2025, 3, 10, 10, 59)) == []
    # 07:00 in New York
    assert [e.idempotency_key for e in reminders_plan(now=at(2025, 3, 10, 11, 0))] == [
        f"next_actions:{new_york.pk}:2025-03-10"
    ]
    # 04:30 on 11 March in Kolkata: a new local day, but before 07:00
    assert reminders_plan(now=at(2025, 3, 10, 23, 0)) == []
    assert [e.idempotency_key for e in reminders_plan(now=at(2025, 3, 11, 1, 30))] == [
        f"next_actions:{kolkata.pk}:2025-03-11"
    ]


def test_overdue_follows_the_owners_time_zone():
    kolkata = UserFactory.create(username="priya", time_zone="Asia/Kolkata")
    new_york = UserFactory.create(username="nick", time_zone="America/New_York")
    # Both due on 10 March, no time: overdue from midnight at the end of that local day.
    DealFactory.create(
        owner=kolkata, title="Mumbai fit-out", next_action_due_date=dt.date(2025, 3, 10)
    )
    DealFactory.create(
        owner=new_york, title="Brooklyn office", next_action_due_date=dt.date(2025, 3, 10)
    )

    # 07:00 on 11 March in Kolkata is 21:30 on 10 March in New York.
    created = reminders_plan(now=at(2025, 3, 11, 1, 30))
    assert [(e.recipient.username, e.idempotency_key) for e in created] == [
        ("priya", f"next_actions:{kolkata.pk}:2025-03-11")
    ]
    assert "Mumbai fit-out" in created[0].body_text
    assert "(11 Mar 2025)" in created[0].body_text

    # 07:00 on 11 March in New York.
    created = reminders_plan(now=at(2025, 3, 11, 11, 0))
    assert [(e.recipient.username, e.idempotency_key) for e in created] == [
        ("nick", f"next_actions:{new_york.pk}:2025-03-11")
    ]
    assert "Brooklyn office" in created[0].body_text


def test_inactive_users_and_users_without_email_get_nothing():
    gone = UserFactory.create(username="gone", is_active=False)
    silent = UserFactory.create(username="silent", email="")
    DealFactory.create(owner=gone, next_action_due_date=dt.date(2025, 3, 1))
    DealFactory.create(owner=silent, next_action_due_date=dt.date(2025, 3, 1))
    assert reminders_plan(now=at(2025, 3, 10, 8)) == []


def test_a_turned_off_digest_is_not_made(rep, other_rep):
    ReminderPreference.objects.create(user=rep, next_actions=False)
    ReminderPreference.objects.create(user=other_rep, stale_deals=False)
    DealFactory.create(owner=rep, next_action_due_date=dt.date(2025, 3, 1))
    DealFactory.create(owner=other_rep, next_action_due_date=dt.date(2025, 3, 1))
    assert keys() == []
    reminders_plan(now=at(2025, 3, 10, 8))
    assert keys() == [f"next_actions:{other_rep.pk}:2025-03-10"]


def test_a_long_digest_lists_the_first_rows_and_counts_the_rest(rep, monkeypatch):
    monkeypatch.setattr(selectors, "DIGEST_ROW_LIMIT", 2)
    for day in (1, 2, 3):
        DealFactory.create(
            owner=rep, title=f"Deal of {day} March", next_action_due_date=dt.date(2025, 3, day)
        )
    [email] = reminders_plan(now=at(2025, 3, 10, 8))
    assert email.subject == "Relay: 3 overdue next actions"
    assert "Deal of 2 March" in email.body_text
    assert "Deal of 3 March" not in email.body_text
    assert "... and 1 more: http://127.0.0.1:8000/deals/?overdue=true\n" in email.body_text


def test_one_users_failure_does_not_stop_the_others(rep, other_rep, monkeypatch, caplog):
    DealFactory.create(owner=rep, next_action_due_date=dt.date(2025, 3, 1))
    DealFactory.create(owner=other_rep, next_action_due_date=dt.date(2025, 3, 1))
    original = services.build_next_actions

    def broken_for_rep(user, now, local):
        if user == rep:
            raise RuntimeError("boom")
        return original(user, now, local)

    digests = [replace(services.DIGESTS[0], build=broken_for_rep), *services.DIGESTS[1:]]
    monkeypatch.setattr(services, "DIGESTS", digests)
    created = reminders_plan(now=at(2025, 3, 10, 8))
    assert [e.recipient for e in created] == [other_rep]
    assert f"Could not plan next_actions:{rep.pk}:2025-03-10" in caplog.text


# --- The weekly stale-deals digest -----------------------------------------------------


@pytest.fixture
def stale_pipeline(rep):
    """Limits from crm's defaults: lead 14 days, qualified 21, proposal 21, negotiation 30."""
    now = at(2025, 3, 10, 11)
    acme = CompanyFactory.create(name="Acme")
    overdue = DealFactory.create(
        owner=rep,
        company=acme,
        title="Overdue",
        next_action_due_date=dt.date(2025, 3, 3),
        stage_entered_at=now - dt.timedelta(days=2),
    )
    old = DealFactory.create(
        owner=rep,
        company=acme,
        title="Old proposal",
        stage=Stage.PROPOSAL,
        next_action_due_date=dt.date(2025, 4, 1),
        stage_entered_at=now - dt.timedelta(days=22),
    )
    both = DealFactory.create(
        owner=rep,
        company=acme,
        title="Both",
        stage=Stage.NEGOTIATION,
        next_action_due_date=dt.date(2025, 2, 1),
        stage_entered_at=now - dt.timedelta(days=40),
    )
    DealFactory.create(
        owner=rep,
        title="Fresh proposal",
        stage=Stage.PROPOSAL,
        next_action_due_date=dt.date(2025, 4, 1),
        stage_entered_at=now - dt.timedelta(days=20),
    )
    DealFactory.create(
        owner=rep,
        title="Won long ago",
        stage=Stage.WON,
        next_action_due_date=dt.date(2024, 1, 1),
        stage_entered_at=now - dt.timedelta(days=400),
    )
    ReminderPreference.objects.create(user=rep, next_actions=False)
    return overdue, old, both


def stale_emails() -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(kind=Kind.STALE_DEALS).order_by("pk"))


def test_stale_digest_goes_to_each_sales_manager_with_every_stale_open_deal(
    stale_pipeline, manager, rep, lead, admin_user
):
    overdue, old, both = stale_pipeline
    second = UserFactory.create(username="manager2", role=Role.SALES_MANAGER)

    reminders_plan(now=at(2025, 3, 10, 11))

    emails = stale_emails()
    assert [(e.recipient, e.idempotency_key) for e in emails] == [
        (manager, f"stale_deals:{manager.pk}:2025-W11"),
        (second, f"stale_deals:{second.pk}:2025-W11"),
    ]
    assert emails[0].subject == "Relay: 3 stale deals, week 2025-W11"
    head = emails[0].body_text.split("\n--\n")[0]
    owner = rep.display_name
    assert head == (
        f"Hello {manager.display_name},\n\n"
        "3 open deals are stale this week (2025-W11): an overdue next action, or longer in a "
        "stage than its limit.\n\n"
        f"- Both (Acme), Negotiation, owner {owner}: next action overdue since 1 Feb 2025; "
        "40 days in Negotiation (limit 30)\n"
        f"  http://127.0.0.1:8000/deals/{both.pk}/\n"
        f"- Old proposal (Acme), Proposal, owner {owner}: 22 days in Proposal (limit 21)\n"
        f"  http://127.0.0.1:8000/deals/{old.pk}/\n"
        f"- Overdue (Acme), Lead, owner {owner}: next action overdue since 3 Mar 2025\n"
        f"  http://127.0.0.1:8000/deals/{overdue.pk}/\n"
    )


def test_stale_digest_waits_for_monday_seven_local_and_goes_once_per_iso_week(stale_pipeline):
    manager = UserFactory.create(
        username="mia", role=Role.SALES_MANAGER, time_zone="America/New_York"
    )
    OutboxEmail.objects.create(
        recipient=manager,
        to_address=manager.email,
        kind=Kind.STALE_DEALS,
        idempotency_key=f"stale_deals:{manager.pk}:2025-W10",
        subject="last week",
        body_text="last week",
    )
    # Sunday evening (last week's digest went out) and Monday 06:59 in New York: not yet.
    assert reminders_plan(now=at(2025, 3, 9, 23, 0)) == []
    assert reminders_plan(now=at(2025, 3, 10, 10, 59)) == []
    # Monday 07:00 in New York.
    assert [e.idempotency_key for e in reminders_plan(now=at(2025, 3, 10, 11, 0))] == [
        f"stale_deals:{manager.pk}:2025-W11"
    ]
    # Later that Monday, and on Wednesday and Sunday: nothing new.
    for moment in (at(2025, 3, 10, 18), at(2025, 3, 12, 12), at(2025, 3, 17, 3, 59)):
        assert reminders_plan(now=moment) == []
    # The next Monday 07:00 in New York (UTC-4).
    assert [e.idempotency_key for e in reminders_plan(now=at(2025, 3, 17, 11, 0))] == [
        f"stale_deals:{manager.pk}:2025-W12"
    ]


def test_a_missed_monday_is_made_up_later_that_week(stale_pipeline, manager):
    assert [e.idempotency_key for e in reminders_plan(now=at(2025, 3, 12, 9))] == [
        f"stale_deals:{manager.pk}:2025-W11"
    ]


def test_stale_limits_come_from_stage_settings(stale_pipeline, manager):
    from crm.models import StageSetting

    StageSetting.objects.filter(stage=Stage.PROPOSAL).update(stale_after_days=25)
    reminders_plan(now=at(2025, 3, 10, 11))
    [email] = stale_emails()
    assert email.subject == "Relay: 2 stale deals, week 2025-W11"
    assert "Old proposal" not in email.body_text


def test_no_stale_deals_no_weekly_digest(manager):
    DealFactory.create(next_action_due_date=dt.date(2025, 4, 1), stage_entered_at=at(2025, 3, 9))
    assert reminders_plan(now=at(2025, 3, 10, 11)) == []


def test_a_manager_who_turned_the_weekly_digest_off_gets_none(stale_pipeline, manager):
    ReminderPreference.objects.create(user=manager, stale_deals=False)
    reminders_plan(now=at(2025, 3, 10, 11))
    assert stale_emails() == []
