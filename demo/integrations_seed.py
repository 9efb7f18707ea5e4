"""The demo's tools around Relay (issue 16): a web form ready to embed, and two emails as if
the capture mailbox had been read: one logged on its deal, one waiting in the review list.

Idempotent: the form is made once (by name), the emails are kept once (by Message-ID).
"""

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from crm.models import OPEN_STAGES, Deal, LeadSource
from inbox.messages import read_bytes
from inbox.models import InboundEmail
from inbox.services import inbound_email_receive
from webforms.models import WebForm
from webforms.services import webform_create

FORM_NAME = "Website enquiry"
MATCHED_ID = "<demo-reply-1@mail.example.org>"
UNMATCHED_ID = "<demo-question-1@newcorp.example>"


def seed_web_form(*, users: dict[str, User]) -> WebForm:
    form = WebForm.objects.filter(name=FORM_NAME).first()
    if form is not None:
        return form
    return webform_create(
        by=users["admin"],
        name=FORM_NAME,
        source=LeadSource.objects.filter(name="Website").first(),
        owners=[users["rita"], users["ravi"]],
        thank_you_text="Thank you! One of our consultants will answer within a working hour.",
    )


def _message(
    *, message_id: str, sender: str, to: str, subject: str, text: str, at: dt.datetime
) -> bytes:
    message = EmailMessage()
    message["Message-ID"] = message_id or make_msgid()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    message.set_content(text)
    return message.as_bytes()


def seed_emails(*, users: dict[str, User]) -> int:
    """Two emails received an hour and a day ago; how many were new."""
    now = timezone.now()
    made = 0
    # A deal of Rita's whose company has no other open deal: the reply lands on it.
    open_deals = Count("company__deals", filter=Q(company__deals__stage__in=OPEN_STAGES))
    deal = (
        Deal.objects.open()
        .filter(owner=users["rita"], contact__isnull=False)
        .annotate(company_open=open_deals)
        .filter(company_open=1)
        .exclude(contact__email="")
        .select_related("contact")
        .order_by("pk")
        .first()
    )
    contact = deal.contact if deal is not None else None
    if contact is not None and not InboundEmail.objects.filter(message_id=MATCHED_ID).exists():
        raw = _message(
            message_id=MATCHED_ID,
            sender=f"{contact.first_name} {contact.last_name} <{contact.email}>",
            to=f"Rita Rep <{users['rita'].email}>, crm@company.example",
            subject="Re: Your proposal",
            text=(
                "Hi Rita,\n\nthanks for the proposal. We went through it with our CFO: the "
                "scope looks right, and we would like to start in the second half of next "
                "month. Could you send the contract draft?\n\nBest regards,\n"
                f"{contact.first_name}"
            ),
            at=now - dt.timedelta(hours=1),
        )
        made += inbound_email_receive(received=read_bytes(raw))[1]
    if not InboundEmail.objects.filter(message_id=UNMATCHED_ID).exists():
        raw = _message(
            message_id=UNMATCHED_ID,
            sender="Nora Quinn <nora.quinn@newcorp.example>",
            to=f"Sam Manager <{users['sam'].email}>, crm@company.example",
            subject="Question about a support retainer",
            text=(
                "Hello,\n\nwe met at the trade fair last week. Do you also offer a monthly "
                "support retainer after a launch? We have about 40 users.\n\nKind regards,\n"
                "Nora Quinn, NewCorp"
            ),
            at=now - dt.timedelta(days=1),
        )
        made += inbound_email_receive(received=read_bytes(raw))[1]
    return made


def seed_integrations(*, users: dict[str, User]) -> None:
    seed_web_form(users=users)
    seed_emails(users=users)
