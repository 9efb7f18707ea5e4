"""Email into the timeline: the mailbox poll, the matching rule, and the review list's
decisions. Every path (the beat task, ``manage.py poll_inbox``, the admin's "Poll the
mailbox now", the review page and the API) goes through these functions.

The matching rule (``email_match``, the only place it is written):

1. The addresses of the message: From, To, Cc, then those of a forwarded message's own
   headers (``inbox.messages``); the capture address (``INBOX_ADDRESS``) is dropped.
2. An address of a Relay user is never a contact match: the first such user (From first) is
   who sent or forwarded the message, and the activity's author.
3. The first other address (in that order) that is a contact's email, case-insensitive, is
   the contact. No contact: the message is unmatched and waits in the review list.
4. The contact's company's open deals (``Deal.objects.open()``): exactly one, the activity
   goes on that deal; several, on the one whose contact is this contact if exactly one is,
   else on the company; none, on the company. A contact without a company: on the contact.
5. The author is the Relay user of step 2, else the owner of the deal (or the company, or
   the contact) it is logged on: every one of them has an owner, so no system user is needed.

The poll reads the folder read-only (IMAP EXAMINE and BODY.PEEK): it never marks, moves or
deletes a message on the server; the mailbox's own retention keeps it tidy.
"""

import imaplib
import logging
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError

from accounts.models import User
from crm.models import Company, Contact, Deal
from crm.services import email_activity_log
from inbox.messages import Received, read_message
from inbox.models import InboundEmail, MailboxState, Status
from records import locked_row, save_row

logger = logging.getLogger(__name__)

POLL_LIMIT = 200  # messages read per poll at most; the next poll goes on from there
FETCH_BATCH = 20
TIMEOUT = 30  # seconds, for connecting and each command


def capture_address() -> str:
    """``INBOX_ADDRESS``; when it is empty, the mailbox's user if that is an address."""
    address = (settings.INBOX_ADDRESS or "").strip().lower()
    if address or not is_configured():
        return address
    try:
        user = parse_inbox_url(settings.INBOX_URL).user.strip().lower()
    except ValidationError:
        return ""
    return user if "@" in user else ""


def is_configured() -> bool:
    return bool((settings.INBOX_URL or "").strip())


# Matching -----------------------------------------------------------------------------


@dataclass
class Match:
    author: User | None = None  # the Relay user whose address the message carries
    contact: Contact | None = None
    company: Company | None = None
    deal: Deal | None = None

    @property
    def found(self) -> bool:
        return self.contact is not None


def _addresses_of(email: InboundEmail) -> list[str]:
    ordered = [email.from_address, *email.to, *email.cc, *email.forwarded]
    own = capture_address()
    return [a for a in dict.fromkeys(a.lower() for a in ordered if a) if a != own]


def _open_deal_for(company: Company, contact: Contact) -> Deal | None:
    """Step 4: the one open deal of ``company`` the email belongs on, or None (the company)."""
    deals = Deal.objects.open().filter(company=company).select_related("owner", "company")
    first = list(deals.order_by("pk")[:2])
    if len(first) < 2:
        return first[0] if first else None
    theirs = list(deals.filter(contact=contact).order_by("pk")[:2])
    return theirs[0] if len(theirs) == 1 else None


def email_match(email: InboundEmail) -> Match:
    """The deal, company or contact ``email`` belongs on (the rule in this module's
    docstring), and the Relay user who sent or forwarded it."""
    addresses = _addresses_of(email)
    if not addresses:
        return Match()
    users = {
        u.email_lower: u
        # ``exclude(email="")``: the partial unique index on lower(email) answers it.
        for u in User.objects.exclude(email="")
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=addresses, is_active=True)
    }
    author = next((users[a] for a in addresses if a in users), None)
    candidates = [a for a in addresses if a not in users]
    contacts = {
        c.email_lower: c
        for c in Contact.objects.exclude(email="")
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=candidates)
        .select_related("company", "owner")
    }
    contact = next((contacts[a] for a in candidates if a in contacts), None)
    if contact is None:
        return Match(author=author)
    company = contact.company
    deal = _open_deal_for(company, contact) if company is not None else None
    return Match(author=author, contact=contact, company=company, deal=deal)


def activity_body(email: InboundEmail) -> str:
    """What the timeline shows of an email: its headers, then its text."""
    lines = [f"From: {email.sender or 'unknown'}"]
    if email.to:
        lines.append(f"To: {', '.join(email.to)}")
    if email.cc:
        lines.append(f"Cc: {', '.join(email.cc)}")
    lines.append(f"Subject: {email.subject or '(no subject)'}")
    return "\n".join(lines) + "\n\n" + (email.text or "(no text)")


def _log(
    email: InboundEmail,
    *,
    author: User,
    deal: Deal | None,
    company: Company | None,
    contact: Contact | None,
    by: User | None,
) -> InboundEmail:
    """Log the locked ``email`` on its deal, company or contact and mark it matched."""
    activity = email_activity_log(
        author=author,
        body=activity_body(email),
        occurred_at=email.sent_at or email.received_at or timezone.now(),
        deal=deal,
        contact=contact,
        company=company or (deal.company if deal else None),
    )
    email.status = Status.MATCHED
    email.activity = activity
    email.deal = deal
    email.company = activity.company
    email.contact = contact
    fields = ["status", "activity", "deal", "company", "contact"]
    if by is not None:
        email.decided_by = by
        email.decided_at = timezone.now()
        fields += ["decided_by", "decided_at"]
    return save_row(email, fields)


# Receiving ----------------------------------------------------------------------------


@transaction.atomic
def inbound_email_receive(*, received: Received, mailbox: str = "") -> tuple[InboundEmail, bool]:
    """Keep ``received`` once (by Message-ID) and log it on what it matches; unmatched, it
    waits for review. Returns the email and whether it is new: a message already kept
    (read again, or after a new UIDVALIDITY) changes nothing."""
    email, created = InboundEmail.objects.get_or_create(
        message_id=received.message_id,
        defaults={
            "synthesized_id": received.synthesized_id,
            "from_address": received.from_address,
            "from_name": received.from_name,
            "to": received.to,
            "cc": received.cc,
            "forwarded": received.forwarded,
            "subject": received.subject,
            "text": received.text,
            "sent_at": received.sent_at,
            "mailbox": mailbox[:500],
            "uid": received.uid,
        },
    )
    if not created:
        return email, False
    match = email_match(email)
    locked = locked_row(InboundEmail, email.pk)
    if match.author is not None:
        locked.forwarded_by = match.author
        save_row(locked, ["forwarded_by"])
    if match.found:
        assert match.contact is not None
        owner = (match.deal or match.company or match.contact).owner
        locked = _log(
            locked,
            author=match.author or owner,
            deal=match.deal,
            company=match.company,
            contact=match.contact,
            by=None,
        )
    return locked, True


# The review list ----------------------------------------------------------------------


def _require_reviewer(by: User) -> None:
    if not by.has_perm("inbox.review_email"):
        raise PermissionDenied("Only sales managers and admins review the inbox.")


def _check_undecided(email: InboundEmail) -> None:
    if email.status != Status.UNMATCHED:
        raise ValidationError(
            {
                "status": [
                    ValidationError(
                        f"This email is already {email.get_status_display().lower()}.",
                        code="decided",
                    )
                ]
            }
        )


@transaction.atomic
def inbound_email_assign(
    *,
    email: InboundEmail,
    by: User,
    deal: Deal | None = None,
    company: Company | None = None,
    version: int | None = None,
) -> InboundEmail:
    """Attach an unmatched email to ``deal`` (and its company) or to ``company``: its
    activity is logged as the automatic match would, its author who forwarded it when a
    Relay user did, else the reviewer."""
    _require_reviewer(by)
    if (deal is None) == (company is None):
        message = "Choose a deal or a company (one of them)."
        raise ValidationError({"deal": [ValidationError(message, code="required")]})
    if deal is not None and not by.has_perm("crm.view_deal", deal):
        raise ValidationError({"deal": [ValidationError("No such deal.", code="invalid")]})
    locked = locked_row(InboundEmail, email.pk, version=version, related=["forwarded_by"])
    _check_undecided(locked)
    target_company = deal.company if deal is not None else company
    # The contact, when one of the addresses is a contact of that company.
    addresses = _addresses_of(locked)
    contact = (
        Contact.objects.annotate(email_lower=Lower("email"))
        .filter(company=target_company, email_lower__in=addresses)
        .order_by("pk")
        .first()
        if addresses
        else None
    )
    author = locked.forwarded_by if locked.forwarded_by and locked.forwarded_by.is_active else by
    return _log(locked, author=author, deal=deal, company=target_company, contact=contact, by=by)


@transaction.atomic
def inbound_email_discard(
    *, email: InboundEmail, by: User, version: int | None = None
) -> InboundEmail:
    """Take an unmatched email off the review list without logging it anywhere."""
    _require_reviewer(by)
    locked = locked_row(InboundEmail, email.pk, version=version)
    _check_undecided(locked)
    locked.status = Status.DISCARDED
    locked.decided_by = by
    locked.decided_at = timezone.now()
    return save_row(locked, ["status", "decided_by", "decided_at"])


# The poll -----------------------------------------------------------------------------


@dataclass
class Mailbox:
    scheme: str
    host: str
    port: int
    user: str
    password: str
    folder: str
    starttls: bool

    @property
    def key(self) -> str:
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"[:500]


def parse_inbox_url(url: str) -> Mailbox:
    """``imap://user:password@host:143/INBOX`` (``imaps://`` for TLS, port 993 by default;
    ``?starttls=true`` to upgrade a plain connection); the folder defaults to INBOX. User
    and password are URL-encoded (``@`` as ``%40``)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ValidationError({"INBOX_URL": [f"Not a mailbox URL: {error}."]}) from None
    if parts.scheme not in ("imap", "imaps"):
        raise ValidationError({"INBOX_URL": ["Use imap:// or imaps://."]})
    if not parts.hostname or not parts.username:
        raise ValidationError({"INBOX_URL": ["Give the user and the host: imap://user:pw@host/."]})
    starttls = parse_qs(parts.query).get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
    return Mailbox(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port or (993 if parts.scheme == "imaps" else 143),
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        starttls=starttls,
    )


def _connect(box: Mailbox) -> BaseMailBox:
    context = ssl.create_default_context()
    client: BaseMailBox
    if box.scheme == "imaps":
        client = MailBox(box.host, box.port, timeout=TIMEOUT, ssl_context=context)
    elif box.starttls:
        client = MailBoxStartTls(box.host, box.port, timeout=TIMEOUT, ssl_context=context)
    else:
        client = MailBoxUnencrypted(box.host, box.port, timeout=TIMEOUT)
    return client.login(box.user, box.password, initial_folder=None)


@dataclass
class PollResult:
    configured: bool = True
    busy: bool = False
    error: str = ""
    read: int = 0  # messages fetched
    new: int = 0  # of which kept for the first time
    matched: int = 0
    unmatched: int = 0
    emails: list[InboundEmail] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.configured:
            return "The inbox is off: INBOX_URL is not set."
        if self.busy:
            return "Another poll of the mailbox is running."
        summary = (
            f"{self.read} read, {self.new} new: {self.matched} matched, "
            f"{self.unmatched} waiting for review"
        )
        return f"{summary}; stopped: {self.error}" if self.error else summary


CONNECTION_ERRORS = (OSError, socket.timeout, ssl.SSLError, imaplib.IMAP4.error, ImapToolsError)


def mailbox_poll(*, limit: int = POLL_LIMIT) -> PollResult:
    """Read the capture mailbox's messages newer than the last UID seen (at most ``limit``)
    and receive each (``inbound_email_receive``). A new UIDVALIDITY reads the folder again
    from the start; the Message-ID keeps each message once. A connection or server error is
    logged and stored on the mailbox's state (shown in the admin), never raised: the next
    poll tries again. Two polls at once: the second returns at once (``busy``)."""
    if not is_configured():
        return PollResult(configured=False)
    try:
        box = parse_inbox_url(settings.INBOX_URL)
    except ValidationError as error:
        message = " ".join(error.messages)
        logger.error("INBOX_URL is not usable: %s", message)
        return PollResult(error=message)
    MailboxState.objects.get_or_create(key=box.key)
    with transaction.atomic():
        state = MailboxState.objects.select_for_update(skip_locked=True).filter(key=box.key).first()
        if state is None:
            return PollResult(busy=True)
        result = PollResult()
        try:
            _read(box, state, result, limit)
        except CONNECTION_ERRORS as error:
            result.error = f"{type(error).__name__}: {error}"[:500]
            logger.warning("Polling the mailbox %s failed: %s", box.key, result.error)
        state.last_polled_at = timezone.now()
        state.last_error = result.error
        save_row(state, ["uidvalidity", "last_uid", "last_polled_at", "last_error"])
    return result


def _read(box: Mailbox, state: MailboxState, result: PollResult, limit: int) -> None:
    with _connect(box) as client:
        client.folder.set(box.folder, readonly=True)
        status = client.folder.status(box.folder, ["UIDVALIDITY"])
        uidvalidity = int(status["UIDVALIDITY"])
        if uidvalidity != state.uidvalidity:
            if state.uidvalidity is not None:
                logger.info("Mailbox %s has a new UIDVALIDITY: reading it again", box.key)
            state.uidvalidity = uidvalidity
            state.last_uid = 0
        # "UID n:*" always names the last message, even below n: keep only the newer ones.
        found = sorted(
            uid
            for uid in (int(u) for u in client.uids(f"UID {state.last_uid + 1}:*"))
            if uid > state.last_uid
        )[:limit]
        if not found:
            return
        uids = [str(uid) for uid in found]
        for message in client.fetch(uid_list=uids, mark_seen=False, bulk=FETCH_BATCH):
            result.read += 1
            uid = int(message.uid or 0)
            try:
                with transaction.atomic():
                    email, new = inbound_email_receive(
                        received=read_message(message), mailbox=box.key
                    )
            except (
                ValidationError,
                ValueError,
                LookupError,
                UnicodeError,
                DataError,
                IntegrityError,
            ) as error:
                # A message Relay cannot keep (it should not happen): logged, then passed,
                # so one bad message never stops the mailbox.
                logger.exception("Message UID %s of %s could not be kept: %s", uid, box.key, error)
            else:
                if new:
                    result.new += 1
                    result.emails.append(email)
                    if email.status == Status.MATCHED:
                        result.matched += 1
                    else:
                        result.unmatched += 1
            state.last_uid = max(state.last_uid, uid)
