"""The poll against a real IMAP server (dovecot, inbox/tests/conftest.py): messages delivered
by IMAP APPEND, read by ``mailbox_poll`` as Celery beat runs it, matched and logged once."""

import datetime as dt

import pytest

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Activity, ActivityKind
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from inbox import services, tasks
from inbox.models import TEXT_LENGTH, InboundEmail, MailboxState, Status
from inbox.tests import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def rita(db):
    return UserFactory(
        username="rita", full_name="Rita Rep", email="rep@company.example", role=Role.SALES_REP
    )


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme", domain="acme.example")


@pytest.fixture
def ann(acme):
    return ContactFactory(
        first_name="Ann", last_name="Example", email="Ann@Acme.example", company=acme
    )


def test_a_message_to_a_contact_with_one_open_deal_is_logged_on_that_deal(
    dovecot, mailbox, rita, acme, ann
):
    deal = DealFactory(title="Website relaunch", company=acme)
    DealFactory(title="Old project", company=acme, won=True)
    dovecot.deliver(mailbox, mail.alternative())

    result = services.mailbox_poll()

    assert (result.read, result.new, result.matched, result.unmatched, result.error) == (
        1,
        1,
        1,
        0,
        "",
    )
    email = InboundEmail.objects.get()
    activity = Activity.objects.get()
    assert (email.status, email.deal, email.company, email.contact, email.activity) == (
        Status.MATCHED,
        deal,
        acme,
        ann,
        activity,
    )
    assert email.subject == "Angebot für Q3 \u2013 Zeitplan"
    assert email.message_id == "<CAF=q3x1@mail.acme.example>"
    assert (email.from_address, email.from_name) == ("ann@acme.example", "Ann Example")
    assert (email.to, email.cc) == (["rep@company.example"], ["crm@company.example"])
    assert email.sent_at == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert email.forwarded_by == rita
    assert (activity.kind, activity.deal, activity.company, activity.contact, activity.author) == (
        ActivityKind.EMAIL,
        deal,
        acme,
        ann,
        rita,
    )
    assert activity.occurred_at == dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    assert activity.body == (
        "From: Ann Example <ann@acme.example>\n"
        "To: rep@company.example\n"
        "Cc: crm@company.example\n"
        "Subject: Angebot für Q3 \u2013 Zeitplan\n\n"
        "Hallo Rita,\n\nanbei der Zeitplan für Q3. Können wir Donnerstag sprechen?\n\nAnn"
    )
    state = MailboxState.objects.get()
    assert (state.last_uid, state.last_error) == (1, "")
    assert state.key == f"imap://crm@127.0.0.1:{dovecot.port}/{mailbox}"


def test_a_company_with_two_open_deals_gets_the_email_itself(dovecot, mailbox, rita, acme, ann):
    DealFactory(company=acme)
    DealFactory(company=acme, qualified=True)
    dovecot.deliver(mailbox, mail.with_attachment())

    services.mailbox_poll()

    activity = Activity.objects.get()
    assert (activity.deal, activity.company, activity.contact, activity.author) == (
        None,
        acme,
        ann,
        rita,
    )
    email = InboundEmail.objects.get()
    assert (email.status, email.deal, email.company) == (Status.MATCHED, None, acme)
    # The text part only: neither the PDF nor the attached notes.txt.
    assert email.text == "The signed contract is attached."


def test_of_several_open_deals_the_one_with_this_contact_gets_it(dovecot, mailbox, rita, acme, ann):
    DealFactory(company=acme)
    theirs = DealFactory(company=acme, contact=ann)
    dovecot.deliver(mailbox, mail.alternative())

    services.mailbox_poll()

    assert Activity.objects.get().deal == theirs


def test_without_a_relay_user_the_deal_owner_is_the_author(dovecot, mailbox, acme, ann):
    deal = DealFactory(company=acme)
    dovecot.deliver(mailbox, mail.html_only())

    services.mailbox_poll()

    activity = Activity.objects.get()
    assert (activity.deal, activity.author) == (deal, deal.owner)
    email = InboundEmail.objects.get()
    assert email.forwarded_by is None
    # html only: as text, scripts and styles dropped, entities decoded.
    assert email.text == "We moved to München & Co.\n\nVisit us!"


def test_a_contact_without_company_gets_it_on_the_contact(dovecot, mailbox):
    loner = ContactFactory(email="ann@acme.example", company=None, owner=UserFactory())
    dovecot.deliver(mailbox, mail.html_only())

    services.mailbox_poll()

    activity = Activity.objects.get()
    assert (activity.deal, activity.company, activity.contact, activity.author) == (
        None,
        None,
        loner,
        loner.owner,
    )


def test_an_unmatched_message_waits_in_the_review_list(dovecot, mailbox, manager, acme, ann):
    dovecot.deliver(mailbox, mail.without_message_id())

    result = services.mailbox_poll()

    assert (result.new, result.matched, result.unmatched) == (1, 0, 1)
    email = InboundEmail.objects.get()
    assert email.status == Status.UNMATCHED
    assert email.synthesized_id is True
    assert email.message_id.endswith("@synthesized.relay.invalid>")
    assert Activity.objects.count() == 0
    from inbox.selectors import unmatched_for

    assert list(unmatched_for(user=manager)) == [email]


def test_the_same_message_polled_twice_is_logged_once(dovecot, mailbox, rita, acme, ann):
    DealFactory(company=acme)
    dovecot.deliver(mailbox, mail.alternative(), mail.without_message_id())

    first = services.mailbox_poll()
    again = services.mailbox_poll()
    # Read again from the start (as after a lost state): the Message-ID keeps each once,
    # the synthesized one too.
    MailboxState.objects.update(last_uid=0)
    reread = services.mailbox_poll()

    assert (first.read, first.new) == (2, 2)
    assert (again.read, again.new) == (0, 0)
    assert (reread.read, reread.new) == (2, 0)
    assert InboundEmail.objects.count() == 2
    assert Activity.objects.count() == 1


def test_a_new_uidvalidity_reads_the_folder_again_and_keeps_each_message_once(
    dovecot, mailbox, rita, acme, ann
):
    DealFactory(company=acme)
    dovecot.deliver(mailbox, mail.alternative(), mail.html_only())
    services.mailbox_poll()
    before = MailboxState.objects.get()

    dovecot.recreate(mailbox)
    dovecot.deliver(
        mailbox,
        mail.alternative(),
        mail.html_only(),
        mail.plain(sender="ann@acme.example", message_id="<third@acme.example>"),
    )
    result = services.mailbox_poll()

    after = MailboxState.objects.get()
    assert after.uidvalidity != before.uidvalidity
    assert (before.last_uid, after.last_uid) == (2, 3)
    assert (result.read, result.new, result.matched) == (3, 1, 1)
    assert Activity.objects.count() == 3
    assert InboundEmail.objects.count() == 3


def test_a_forwarded_message_matches_the_customer_in_its_forwarded_headers(
    dovecot, mailbox, rita, acme, ann
):
    deal = DealFactory(company=acme)
    dovecot.deliver(mailbox, mail.forwarded())

    services.mailbox_poll()

    email = InboundEmail.objects.get()
    assert email.forwarded == ["ann@acme.example", "rep@company.example"]
    activity = Activity.objects.get()
    assert (activity.deal, activity.contact, activity.author) == (deal, ann, rita)


def test_a_long_thread_reply_keeps_its_text_bounded(dovecot, mailbox, rita, acme, ann):
    dovecot.deliver(mailbox, mail.long_reply(paragraphs=1200))

    services.mailbox_poll()

    email = InboundEmail.objects.get()
    assert len(email.text) == TEXT_LENGTH
    assert email.text.startswith("Agreed, let us keep the date.\n\n> On day 0, Rita wrote:")
    assert email.sent_at == dt.datetime(2026, 12, 3, 13, 15, tzinfo=dt.UTC)
    assert Activity.objects.get().company == acme


def test_the_capture_address_and_users_are_never_contacts(dovecot, mailbox, rita):
    # Contacts that happen to carry the capture address and a user's address.
    ContactFactory(email="crm@company.example")
    ContactFactory(email="rep@company.example")
    dovecot.deliver(
        mailbox,
        mail.plain(sender="rep@company.example", cc="crm@company.example", message_id="<x@y>"),
    )

    services.mailbox_poll()

    email = InboundEmail.objects.get()
    assert (email.status, email.forwarded_by) == (Status.UNMATCHED, rita)
    assert Activity.objects.count() == 0


def test_a_poll_reads_at_most_its_limit_and_the_next_goes_on(dovecot, mailbox, acme, ann):
    dovecot.deliver(
        mailbox,
        *[
            mail.plain(sender="ann@acme.example", message_id=f"<n{i}@acme.example>")
            for i in range(3)
        ],
    )

    first = services.mailbox_poll(limit=2)
    second = services.mailbox_poll(limit=2)

    assert (first.read, second.read) == (2, 1)
    assert MailboxState.objects.get().last_uid == 3
    assert InboundEmail.objects.count() == 3


def test_nothing_is_marked_or_deleted_on_the_server(dovecot, mailbox, acme, ann):
    dovecot.deliver(mailbox, mail.alternative(), mail.html_only())

    services.mailbox_poll()

    # Still both there, neither \Seen nor \Deleted (\Recent is the server's own).
    assert [set(flags) - {"\\Recent"} for flags in dovecot.flags(mailbox)] == [set(), set()]


def test_the_beat_task_polls(dovecot, mailbox, acme, ann):
    dovecot.deliver(mailbox, mail.html_only())

    assert tasks.poll_mailbox() == "1 read, 1 new: 1 matched, 0 waiting for review"


def test_an_unreachable_server_is_logged_not_raised(dovecot, settings, caplog):
    settings.INBOX_URL = f"imap://crm:x@127.0.0.1:{_closed_port()}/INBOX"

    result = services.mailbox_poll()

    assert result.error.startswith("ConnectionRefusedError")
    assert MailboxState.objects.get().last_error == result.error
    assert "Polling the mailbox" in caplog.text


def test_a_wrong_password_is_logged_not_raised(dovecot, settings):
    settings.INBOX_URL = f"imap://crm:wrong@127.0.0.1:{dovecot.port}/INBOX"

    result = services.mailbox_poll()

    assert result.error.startswith("MailboxLoginError")
    assert InboundEmail.objects.count() == 0


def test_without_inbox_url_the_poll_does_nothing(settings):
    settings.INBOX_URL = ""

    assert tasks.poll_mailbox() == "The inbox is off: INBOX_URL is not set."
    assert MailboxState.objects.count() == 0


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
