"""The matching rule (``inbox.services.email_match``) on messages received without a server."""

import pytest

from accounts.tests.factories import UserFactory
from crm.models import Activity
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from inbox import services
from inbox.messages import read_bytes
from inbox.models import Status
from inbox.tests import mail

pytestmark = pytest.mark.django_db


def receive(**kwargs):
    return services.inbound_email_receive(received=read_bytes(mail.plain(**kwargs)))


def test_the_first_contact_in_address_order_wins(settings):
    settings.INBOX_ADDRESS = "CRM@company.example"
    first = ContactFactory(email="first@one.example")
    ContactFactory(email="second@two.example")

    email, created = receive(
        sender="nobody@two.example",
        to="crm@company.example, first@one.example",
        cc="second@two.example",
        message_id="<order@x>",
    )

    assert created is True
    assert (email.contact, email.company) == (first, first.company)


def test_three_open_deals_none_of_this_contact_go_on_the_company():
    company = CompanyFactory()
    contact = ContactFactory(company=company, email="c@acme.example")
    other = ContactFactory(company=company, email="o@acme.example")
    for _ in range(3):
        DealFactory(company=company, contact=other)

    email, _ = receive(sender="c@acme.example", message_id="<three@x>")

    assert (email.deal, email.company, email.contact) == (None, company, contact)


def test_an_inactive_user_is_neither_author_nor_contact():
    UserFactory(username="gone", email="gone@company.example", is_active=False)
    contact = ContactFactory(email="c@acme.example")

    email, _ = receive(sender="gone@company.example", cc="c@acme.example", message_id="<g@x>")

    assert email.forwarded_by is None
    assert Activity.objects.get().author == contact.company.owner


def test_a_message_of_the_capture_address_alone_waits(settings):
    settings.INBOX_ADDRESS = "crm@company.example"

    email, _ = receive(sender="crm@company.example", message_id="<self@x>")

    assert (email.status, email.forwarded_by, email.contact) == (Status.UNMATCHED, None, None)


def test_the_same_message_id_is_kept_once():
    ContactFactory(email="c@acme.example")

    first, created = receive(sender="c@acme.example", message_id="<same@x>")
    again, created_again = receive(sender="c@acme.example", message_id="<same@x>")

    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Activity.objects.count() == 1


def test_without_inbox_address_the_mailbox_user_is_the_capture_address(settings):
    settings.INBOX_URL = "imaps://crm%40company.example:pw@imap.company.example/INBOX"
    settings.INBOX_ADDRESS = ""
    ContactFactory(email="crm@company.example")

    email, _ = receive(sender="crm@company.example", message_id="<own@x>")

    assert services.capture_address() == "crm@company.example"
    assert email.status == Status.UNMATCHED
