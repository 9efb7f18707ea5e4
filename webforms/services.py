"""Every write of web forms: setting forms up, the working hours, and accepting a submission.

``submission_accept`` is the one path from an enquiry to a lead: the hosted page, the
script-free snippet's post and the JSON endpoint all call it. It creates the company, the
contact and the deal through the CRM's services, so R1 (owner) and R2 (next action) hold.
"""

import datetime as dt
import hashlib
import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.formats import users_zone
from accounts.models import User
from accounts.roles import Role
from crm import services as crm
from crm.models import ActivityKind, Company, Contact, Deal, LeadSource
from inputs.text import has_breaking_characters, one_line
from projects.models import Holiday
from records import locked_row, save_row
from reminders.emails import deal_url
from reminders.models import Transactional
from reminders.services import outbox_enqueue_transactional, outbox_start_sender
from webforms import hours, throttle
from webforms.models import (
    NEXT_ACTION,
    Status,
    Submission,
    WebForm,
    WorkingHours,
)

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = dt.timedelta(hours=24)
HONEYPOT = "website"
# What a submission may hold: (field, max length, required, one line).
FIELDS = (
    ("company", 200, True, True),
    ("first_name", 100, True, True),
    ("last_name", 100, False, True),
    ("email", 254, True, True),
    ("phone", 50, False, True),
    ("message", 5000, False, False),
)
REQUIRED_MESSAGES = {
    "company": "Say which company you are with.",
    "first_name": "Enter your first name.",
    "email": "Enter your email address, so that we can answer.",
}
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
UTM_MAX = 100
REFERRER_MAX = 500


def _require_admin(by: User) -> None:
    if not by.has_perm("webforms.manage_forms"):
        raise PermissionDenied("Only admins set up web forms.")


# Forms --------------------------------------------------------------------------------


def _check_owners(owners: Iterable[User]) -> list[User]:
    owners = list(owners)
    if not owners:
        raise ValidationError({"owner_ids": ["Choose at least one sales rep or manager."]})
    wrong = [
        u.username
        for u in owners
        if not u.is_active or not u.has_role(Role.SALES_REP, Role.SALES_MANAGER)
    ]
    if wrong:
        raise ValidationError(
            {"owner_ids": [f"Not an active sales rep or manager: {', '.join(sorted(wrong))}."]}
        )
    return owners


def _check_source(source: LeadSource | None) -> None:
    if source is None or not source.active:
        raise ValidationError({"source_id": ["Choose one of the active lead sources."]})


@transaction.atomic
def webform_create(
    *,
    by: User,
    name: str,
    source: LeadSource | None,
    owners: Iterable[User],
    thank_you_text: str | None = None,
    redirect_url: str = "",
    is_active: bool = True,
) -> WebForm:
    """A new form with a fresh random key (admins only)."""
    _require_admin(by)
    _check_source(source)
    owner_list = _check_owners(owners)
    form = WebForm(
        name=(name or "").strip(),
        source=source,
        redirect_url=(redirect_url or "").strip(),
        is_active=is_active,
    )
    if thank_you_text is not None and thank_you_text.strip():
        form.thank_you_text = thank_you_text.strip()
    form.full_clean(exclude=["source"])
    form.save()
    form.owners.set(owner_list)
    return form


FORM_FIELDS = ("name", "source", "thank_you_text", "redirect_url", "is_active")


@transaction.atomic
def webform_update(
    *, by: User, form: WebForm, version: int | None = None, **fields: Any
) -> WebForm:
    """Change a form's settings or owners (admins only; 409 on a stale ``version``)."""
    _require_admin(by)
    locked = locked_row(WebForm, form.pk, version=version)
    for name in FORM_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if "source" in fields:
        _check_source(locked.source)
    locked.full_clean(exclude=["source"])
    saved = save_row(locked, FORM_FIELDS)
    if "owners" in fields:
        saved.owners.set(_check_owners(fields["owners"]))
    return saved


# Working hours ------------------------------------------------------------------------


def working_hours() -> WorkingHours:
    """The installation's working hours: the admin's row, or the defaults (unsaved)."""
    return WorkingHours.objects.filter(pk=1).first() or WorkingHours()


WORKING_HOURS_FIELDS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "start_time",
    "end_time",
    "time_zone",
    "response_hours",
)


@transaction.atomic
def working_hours_update(*, by: User, version: int | None = None, **fields: Any) -> WorkingHours:
    """Set the working hours that new leads are due in (admins only)."""
    _require_admin(by)
    WorkingHours.objects.get_or_create(pk=1)
    locked = locked_row(WorkingHours, 1, version=version)
    for name in WORKING_HOURS_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.full_clean(validate_constraints=False)  # clean() says it, naming the field
    return save_row(locked, WORKING_HOURS_FIELDS)


def response_due(moment: dt.datetime, settings: WorkingHours | None = None) -> dt.datetime:
    """When a lead that arrived at ``moment`` must be answered: ``response_hours`` working
    hours later in the admin's working hours, holidays skipped."""
    settings = settings or working_hours()
    zone = settings.time_zone
    first = moment.astimezone(zoneinfo.ZoneInfo(zone)).date()
    holidays = Holiday.objects.filter(
        date__gte=first, date__lte=first + dt.timedelta(days=400)
    ).values_list("date", flat=True)
    schedule = hours.schedule_of(
        settings.weekdays, settings.start_time, settings.end_time, zone, holidays
    )
    return hours.due_after(moment, schedule, settings.response_hours)


# Submissions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of a submission. Spam and duplicates are answered like a new lead, so
    that a bot learns nothing; ``throttled`` answers 429 after ``retry_after`` seconds."""

    status: str
    submission: Submission | None = None
    deal: Deal | None = None
    retry_after: int = 0

    @property
    def throttled(self) -> bool:
        return self.status == Status.THROTTLED


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _clean_fields(data: Mapping[str, Any]) -> dict[str, str]:
    """The submission's fields, trimmed, or a ValidationError naming every bad one."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, limit, required, line in FIELDS:
        value = _text(data, name).strip()
        if "\x00" in value:
            errors[name] = ["Remove the NUL characters."]
        elif line and has_breaking_characters(value):
            errors[name] = ["Use one line, without line breaks or control characters."]
        elif len(value) > limit:
            errors[name] = [f"Use at most {limit} characters (this has {len(value)})."]
        elif required and not value:
            errors[name] = [REQUIRED_MESSAGES[name]]
        cleaned[name] = value
    if "email" not in errors:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = ["Enter a valid email address, such as ann@example.com."]
        cleaned["email"] = cleaned["email"].lower()
    if errors:
        raise ValidationError(errors)
    return cleaned


def _utm(data: Mapping[str, Any]) -> dict[str, str]:
    """UTM values, kept rather than refused (a lead is worth more than a tidy tag): one
    line, at most 100 characters."""
    return {name: one_line(_text(data, name).replace("\x00", ""))[:UTM_MAX] for name in UTM_FIELDS}


def _log(
    form: WebForm,
    status: str,
    now: dt.datetime,
    *,
    email: str = "",
    deal: Deal | None = None,
    utm: Mapping[str, str] | None = None,
    referrer: str = "",
    client: str = "",
) -> Submission:
    return Submission.objects.create(
        form=form,
        created_at=now,
        status=status,
        email=email[:254],
        deal=deal,
        referrer=one_line(referrer.replace("\x00", ""))[:REFERRER_MAX],
        ip_hash=client,
        **(utm or {}),
    )


def _serialise_email(email: str) -> None:
    """Hold a transaction lock on this address (PostgreSQL), so two submissions of one
    person at once make one lead: the second waits, then finds the first."""
    if connection.vendor != "postgresql":
        return  # SQLite has one writer at a time anyway
    digest = hashlib.sha256(f"webforms:{email}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _recent_lead(email: str, now: dt.datetime) -> Deal | None:
    """The lead a web form made for ``email`` in the last 24 hours, on any form."""
    found = (
        Submission.objects.filter(
            email=email,
            status=Status.ACCEPTED,
            created_at__gt=now - DUPLICATE_WINDOW,
            deal__isnull=False,
        )
        .select_related("deal", "deal__owner", "deal__company")
        .order_by("-created_at", "-pk")
        .first()
    )
    return found.deal if found else None


def _next_owner(form: WebForm) -> tuple[WebForm, User]:
    """Lock the form's row, take the owner whose turn it is and advance the round robin.
    Owners who left sales or were deactivated are skipped."""
    locked = locked_row(WebForm, form.pk)
    owners = [
        u
        for u in locked.owners.filter(is_active=True).prefetch_related("groups").order_by("pk")
        if u.has_role(Role.SALES_REP, Role.SALES_MANAGER)
    ]
    if not owners:
        raise ValidationError(
            {"form": ["This form cannot take enquiries right now; please write to us instead."]}
        )
    owner = owners[locked.next_owner % len(owners)]
    locked.next_owner = (locked.next_owner + 1) % len(owners)
    return save_row(locked, ["next_owner"]), owner


def _source_for(form: WebForm, utm_source: str) -> LeadSource:
    """The lead source named by ``utm_source`` (an active one, any case), else the form's."""
    if utm_source:
        named = (
            LeadSource.objects.alias(key=Lower("name"))
            .filter(key=utm_source.lower(), active=True)
            .first()
        )
        if named is not None:
            return named
    return form.source


def _company_for(name: str, contact: Contact | None, owner: User) -> Company:
    """The contact's company if they have one; else the company of that name (matched as
    imports match names: case-insensitively, the oldest first); else a new one."""
    if contact is not None and contact.company is not None:
        return contact.company
    found = Company.objects.alias(key=Lower("name")).filter(key=name.lower()).order_by("pk").first()
    return found or crm.company_create(by=owner, name=name)


def _history(
    fields: Mapping[str, str], utm: Mapping[str, str], referrer: str, form: WebForm
) -> str:
    lines = [fields["message"] or "(No message.)", "", f"Sent through the web form “{form.name}”."]
    who = " ".join(p for p in (fields["first_name"], fields["last_name"]) if p)
    lines.append(f"From: {who} <{fields['email']}>, {fields['company']}")
    if fields["phone"]:
        lines.append(f"Phone: {fields['phone']}")
    for name in UTM_FIELDS:
        if utm[name]:
            lines.append(f"{name}: {utm[name]}")
    if referrer:
        lines.append(f"Referrer: {one_line(referrer)[:REFERRER_MAX]}")
    return "\n".join(lines)


def _notify(submission: Submission, deal: Deal, fields: Mapping[str, str]) -> None:
    """Email the owner at once through the outbox (sent after the commit)."""
    owner = deal.owner
    if not owner.email:
        return
    context = {
        "user": owner,
        "deal": deal,
        "fields": fields,
        "form": submission.form,
        "due": deal.next_action_due_at,
        "url": deal_url(deal.pk),
    }
    with users_zone(owner):
        text = render_to_string("webforms/email/new_lead.txt", context).strip() + "\n"
        html = render_to_string("webforms/email/new_lead.html", context)
    outbox_enqueue_transactional(
        recipient=owner,
        kind=Transactional.WEB_FORM_LEAD,
        key=f"web_form_lead:{submission.pk}",
        subject=f"New lead from the web: {deal.company.name}",
        text=text,
        html=html,
    )
    transaction.on_commit(outbox_start_sender)


def submission_accept(
    form: WebForm,
    data: Mapping[str, Any],
    *,
    ip: str | None,
    referrer: str = "",
    now: dt.datetime | None = None,
) -> Outcome:
    """Take one submission of ``form`` (an active form, found by its key).

    In order: throttling per client address and form (``throttle``); the honeypot (a
    filled ``website`` field: logged as spam, nothing created); the fields (a
    ValidationError naming each bad one); a duplicate (the same email, any case, made a
    lead in the last 24 hours: the message joins that lead's history); else a lead: the
    contact (by email) and the company (by name), a deal owned by the next of the form's
    owners with the next action "Respond to the enquiry" due within the working hours, the
    enquiry as its first activity, and an email to the owner.
    """
    now = now or timezone.now()
    client = throttle.client_hash(ip)
    utm = _utm(data)
    verdict = throttle.hit(form_key=form.key, client=client, now=now)
    if not verdict.allowed:
        if verdict.first_refusal:  # one row per window, however hard it is hammered
            _log(form, Status.THROTTLED, now, utm=utm, referrer=referrer, client=client)
        return Outcome(Status.THROTTLED, retry_after=verdict.retry_after)
    if _text(data, HONEYPOT).strip():
        email = _text(data, "email").strip().lower()
        submission = _log(
            form, Status.SPAM, now, email=email, utm=utm, referrer=referrer, client=client
        )
        return Outcome(Status.SPAM, submission)
    fields = _clean_fields(data)
    return _accept(form, fields, utm, referrer=referrer, client=client, now=now)


@transaction.atomic
def _accept(
    form: WebForm,
    fields: dict[str, str],
    utm: dict[str, str],
    *,
    referrer: str,
    client: str,
    now: dt.datetime,
) -> Outcome:
    email = fields["email"]
    _serialise_email(email)

    def log(status: str, deal: Deal) -> Submission:
        return _log(
            form, status, now, email=email, deal=deal, utm=utm, referrer=referrer, client=client
        )

    history = _history(fields, utm, referrer, form)
    existing = _recent_lead(email, now)
    if existing is not None:
        crm.activity_create(
            by=existing.owner,
            kind=ActivityKind.NOTE,
            body=f"Wrote again through the web form.\n\n{history}",
            deal=existing,
        )
        submission = log(Status.DUPLICATE, existing)
        return Outcome(Status.DUPLICATE, submission, existing)
    form, owner = _next_owner(form)
    contact = Contact.objects.select_related("company").filter(email__iexact=email).first()
    company = _company_for(fields["company"], contact, owner)
    if contact is None:
        contact = crm.contact_create(
            by=owner,
            first_name=fields["first_name"],
            last_name=fields["last_name"],
            email=email,
            phone=fields["phone"],
            company=company,
        )
    deal = crm.deal_create(
        by=owner,
        owner=owner,
        title=f"Web enquiry: {company.name}"[:200],
        company=company,
        contact=contact if contact.company_id in (None, company.pk) else None,
        source=_source_for(form, utm["utm_source"]),
        campaign=utm["utm_campaign"],
        next_action=NEXT_ACTION,
        next_action_due=response_due(now),
    )
    crm.activity_create(by=owner, kind=ActivityKind.NOTE, body=history, occurred_at=now, deal=deal)
    submission = log(Status.ACCEPTED, deal)
    _notify(submission, deal, fields)
    return Outcome(Status.ACCEPTED, submission, deal)
