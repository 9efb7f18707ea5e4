"""The review list in the browser: who sees it, attaching and discarding, constant queries;
and the journey from messages delivered to the IMAP server to a deal's timeline (from the
review page) and a company's (through the API)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from crm.models import Activity, ActivityKind
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from inbox import services
from inbox.messages import read_bytes
from inbox.models import InboundEmail, Status
from inbox.tests import mail

pytestmark = pytest.mark.django_db


def unmatched(n: int = 0, **kwargs) -> InboundEmail:
    raw = mail.plain(
        sender=kwargs.pop("sender", f"stranger{n}@nowhere.example"),
        subject=kwargs.pop("subject", f"Question {n}"),
        message_id=f"<q{n}@nowhere.example>",
        **kwargs,
    )
    email, created = services.inbound_email_receive(received=read_bytes(raw))
    assert created and email.status == Status.UNMATCHED
    return email


@pytest.mark.parametrize("role", ["manager", "admin_user"])
def test_reviewers_see_the_unmatched_emails(client, request, role):
    waiting = unmatched(1, subject="Where is my quote?")
    discarded = unmatched(2)
    services.inbound_email_discard(email=discarded, by=request.getfixturevalue("manager"))
    client.force_login(request.getfixturevalue(role))

    response = client.get("/inbox/")

    assert response.status_code == 200
    assert list(response.context["object_list"]) == [waiting]
    assert "Where is my quote?" in response.content.decode()
    assert "Inbox:/inbox/" in [f"{i['label']}:{i['url']}" for i in response.context["nav_items"]]


@pytest.mark.parametrize("role", ["rep", "lead", "member", "no_role"])
def test_others_may_not_open_the_review_list(client, request, role):
    email = unmatched()
    client.force_login(request.getfixturevalue(role))

    assert client.get("/inbox/").status_code == 403
    assert client.get(f"/inbox/{email.pk}/").status_code == 403
    assert client.post(f"/inbox/{email.pk}/discard/").status_code == 403
    assert client.post(f"/inbox/{email.pk}/", {"company": email.pk}).status_code == 403
    assert client.get("/inbox/deals/lookup/?q=a").status_code == 403
    assert "Inbox" not in [i["label"] for i in client.get("/").context["nav_items"]]
    email.refresh_from_db()
    assert email.status == Status.UNMATCHED


def test_an_email_that_does_not_exist_is_404(client, manager):
    client.force_login(manager)

    assert client.get("/inbox/999999/").status_code == 404
    assert client.post("/inbox/999999/discard/").status_code == 404


def test_the_review_list_keeps_a_constant_number_of_queries(
    client, manager, django_assert_num_queries
):
    client.force_login(manager)
    for n in range(3):
        unmatched(n)
    client.get("/inbox/")  # session, caches
    with django_assert_num_queries(7) as few:
        client.get("/inbox/")
    for n in range(3, 9):
        unmatched(n, sender=f"Rita <rita{n}@company.example>")
        UserFactory(username=f"rita{n}", email=f"rita{n}@company.example")
    # Re-received with a forwarding user each, so the page shows "via" names too.
    InboundEmail.objects.filter(status=Status.UNMATCHED).update(
        forwarded_by=UserFactory(username="forwarder")
    )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/inbox/")
    assert len(response.context["object_list"]) == 9


def test_the_review_list_says_how_to_turn_capture_on(client, manager, settings):
    settings.INBOX_URL = ""
    client.force_login(manager)

    page = client.get("/inbox/").content.decode()

    assert "Email capture is off" in page
    assert "INBOX_URL" in page


def test_attaching_to_a_deal_logs_the_email_on_it(client, manager):
    deal = DealFactory(title="Renewal")
    email = unmatched(1, subject="About the renewal")
    client.force_login(manager)

    response = client.post(
        f"/inbox/{email.pk}/", {"deal": deal.pk, "company": "", "version": email.version}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:review-list")
    email.refresh_from_db()
    activity = Activity.objects.get()
    assert (email.status, email.deal, email.company, email.activity, email.decided_by) == (
        Status.MATCHED,
        deal,
        deal.company,
        activity,
        manager,
    )
    assert (activity.kind, activity.deal, activity.company, activity.author) == (
        ActivityKind.EMAIL,
        deal,
        deal.company,
        manager,
    )
    assert activity.body.startswith("From: stranger1@nowhere.example\n")
    assert "About the renewal" in client.get(f"/deals/{deal.pk}/").content.decode()


def test_attaching_to_a_company_names_its_contact_and_the_forwarder_is_the_author(client, manager):
    company = CompanyFactory()
    forwarder = UserFactory(username="fwd", email="fwd@company.example", role=Role.SALES_REP)
    email = unmatched(1, sender="fwd@company.example", cc="new.person@ACME.example")
    assert email.forwarded_by == forwarder
    # The contact did not exist when the email arrived (a new address): unmatched then.
    contact = ContactFactory(company=company, email="new.person@acme.example")
    client.force_login(manager)

    response = client.post(f"/inbox/{email.pk}/", {"company": company.pk})

    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.deal, activity.company, activity.contact, activity.author) == (
        None,
        company,
        contact,
        forwarder,
    )


def test_attaching_needs_a_deal_or_a_company(client, manager):
    email = unmatched()
    client.force_login(manager)

    response = client.post(f"/inbox/{email.pk}/", {"deal": "", "company": ""})

    assert response.status_code == 422
    assert response.context["form"].errors == {
        "company": ["Choose a company or a deal to attach the email to."]
    }
    assert Activity.objects.count() == 0


def test_a_deal_of_another_company_is_refused(client, manager):
    email = unmatched()
    deal = DealFactory()
    client.force_login(manager)

    response = client.post(f"/inbox/{email.pk}/", {"deal": deal.pk, "company": CompanyFactory().pk})

    assert response.status_code == 422
    assert response.context["form"].errors == {"deal": ["This deal belongs to another company."]}


def test_a_decided_email_cannot_be_attached_again(client, manager):
    email = unmatched()
    services.inbound_email_discard(email=email, by=manager)
    client.force_login(manager)

    response = client.post(f"/inbox/{email.pk}/", {"company": CompanyFactory().pk})

    assert response.status_code == 422
    assert response.context["form"].errors == {"__all__": ["This email is already discarded."]}
    assert Activity.objects.count() == 0


def test_a_stale_version_is_a_conflict(client, manager):
    email = unmatched()
    client.force_login(manager)

    response = client.post(
        f"/inbox/{email.pk}/", {"company": CompanyFactory().pk, "version": email.version + 5}
    )

    assert response.status_code == 422
    assert "changed by someone else" in str(response.context["form"].non_field_errors())
    email.refresh_from_db()
    assert email.status == Status.UNMATCHED


def test_discarding_takes_it_off_the_list(client, manager):
    email = unmatched(1, subject="Newsletter")
    client.force_login(manager)

    response = client.post(f"/inbox/{email.pk}/discard/", {"version": email.version}, follow=True)

    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    assert "Discarded “Newsletter”." in response.content.decode()
    email.refresh_from_db()
    assert (email.status, email.decided_by, email.activity) == (Status.DISCARDED, manager, None)


def test_the_deal_lookup_suggests_the_chosen_company_s_deals_open_first(client, manager):
    company = CompanyFactory()
    won = DealFactory(company=company, title="Alpha won", won=True)
    open_deal = DealFactory(company=company, title="Alpha open")
    DealFactory(title="Alpha elsewhere")
    client.force_login(manager)

    response = client.get(f"/inbox/deals/lookup/?q=alpha&company={company.pk}")

    assert response.status_code == 200
    assert [o["value"] for o in response.context["options"]] == [open_deal.pk, won.pk]


def test_the_detail_page_shows_the_message_and_the_form(client, manager):
    email = unmatched(1, subject="Pricing")
    client.force_login(manager)

    page = client.get(f"/inbox/{email.pk}/").content.decode()

    assert "Body of Pricing." in page
    assert 'for="id_company_search"' in page
    assert 'for="id_deal_search"' in page
    assert "Attach the email" in page


def test_from_the_imap_server_to_the_review_list_to_the_deal(dovecot, mailbox, client, manager):
    """Acceptance: a message delivered to the IMAP server waits for review (its sender is no
    contact yet) and is attached to a deal from the review page."""
    deal = DealFactory(title="Migration")
    dovecot.deliver(mailbox, mail.plain(sender="cto@newcustomer.example", message_id="<a@b.c>"))
    assert services.mailbox_poll().unmatched == 1
    email = InboundEmail.objects.get()
    client.force_login(manager)
    assert list(client.get("/inbox/").context["object_list"]) == [email]

    client.post(f"/inbox/{email.pk}/", {"deal": deal.pk})

    assert Activity.objects.get().deal == deal
    assert list(client.get("/inbox/").context["object_list"]) == []
    # Polling again changes nothing.
    services.mailbox_poll()
    assert Activity.objects.count() == 1

    # A second one, attached to a company through the API.
    company = CompanyFactory()
    dovecot.deliver(mailbox, mail.plain(sender="cfo@newcustomer.example", message_id="<a2@b.c>"))
    assert services.mailbox_poll().unmatched == 1
    second = InboundEmail.objects.get(message_id="<a2@b.c>")
    _, token = api_token_create(user=manager)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    listed = api.get("/api/v1/inbound-emails?status=unmatched").json()
    assert [item["id"] for item in listed["items"]] == [second.pk]

    answer = api.post(
        f"/api/v1/inbound-emails/{second.pk}/assign",
        {"company_id": company.pk},
        content_type="application/json",
    )

    assert answer.status_code == 200
    assert Activity.objects.get(company=company, deal=None).author == manager
    assert api.get("/api/v1/inbound-emails?status=unmatched").json()["count"] == 0


def test_admin_lists_emails_and_polls_the_mailbox_now(dovecot, mailbox, client, admin_user):
    dovecot.deliver(mailbox, mail.plain(sender="x@nowhere.example", message_id="<adm@x>"))
    client.force_login(admin_user)

    response = client.post(reverse("admin:inbox_inboundemail_poll"), follow=True)

    assert response.status_code == 200
    assert "1 read, 1 new: 0 matched, 1 waiting for review" in response.content.decode()
    assert InboundEmail.objects.get().message_id == "<adm@x>"
    assert client.get(reverse("admin:inbox_inboundemail_changelist")).status_code == 200
    detail = client.get(
        reverse("admin:inbox_inboundemail_change", args=[InboundEmail.objects.get().pk])
    )
    assert detail.status_code == 200
    assert client.get(reverse("admin:inbox_mailboxstate_changelist")).status_code == 200


def test_the_review_list_shows_when_the_mailbox_was_read_and_its_last_error(
    dovecot, mailbox, client, manager, settings
):
    services.mailbox_poll()
    client.force_login(manager)
    assert "Last read" in client.get("/inbox/").content.decode()
    settings.INBOX_URL = dovecot.url(mailbox).replace(":p%40ss", ":wrong")

    services.mailbox_poll()

    page = client.get("/inbox/").content.decode()
    assert "Last poll failed" in page
    assert "MailboxLoginError" in page
