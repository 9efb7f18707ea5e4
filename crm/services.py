"""Every write in the CRM. Browser forms, the board, the API, CSV import and admin call these.

R1 (owner), R2 (next action), R3 (pipeline) and R4 (transition conditions) each live in
one function here; nothing else changes a deal's owner, next action or stage.
"""

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from accounts.models import User
from accounts.roles import Role
from crm.currencies import CURRENCIES, normalize_currency
from crm.models import (
    DEFAULT_PROBABILITY,
    OPEN_STAGES,
    PIPELINE,
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    ExchangeRate,
    LostReason,
    Stage,
    StageChange,
    StageSetting,
    convert,
    installation_currency,
    lose_missing,
    path_to,
    proposal_missing,
    qualification_missing,
    transition_between,
)
from inputs.dates import check_date
from records import EditConflict, locked_row, save_row, save_rows
from records.events import emit, emit_many

# The pipeline's transitions, read off the FSM (crm.models.PIPELINE).
TRANSITIONS = tuple(PIPELINE)
DEAL_FIELDS = (
    "title",
    "company",
    "contact",
    "amount",
    "currency",
    "source",
    "expected_close_date",
    "qualification_notes",
)
NEXT_ACTION_FIELDS = ("next_action", "next_action_due_date", "next_action_due_time")


def deal_event_data(deal: Deal) -> dict[str, Any]:
    """A deal's payload in its events (``records.events``): small and stable."""
    return {
        "id": deal.pk,
        "title": deal.title,
        "stage": deal.stage,
        "amount": str(Decimal(deal.amount or 0).quantize(Decimal("0.01"))),
        "currency": deal.currency,
        "company_id": deal.company_id,
        "owner_id": deal.owner_id,
    }


def _require(user: User, perm: str, obj: Any = None, message: str | None = None) -> None:
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message or "You are not allowed to do this.")


def _validation_error(errors: Mapping[str, str | list[str]]) -> ValidationError:
    return ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


# Companies and contacts -------------------------------------------------------------


@transaction.atomic
def company_create(
    *, by: User, name: str, domain: str = "", industry: str = "", owner: User | None = None
) -> Company:
    _require(by, "crm.add_company")
    if owner is not None and owner != by:
        _require(by, "crm.reassign_deal", message="Only sales managers can create for others.")
    company = Company(
        name=name.strip(),
        domain=normalize_domain(domain),
        industry=industry.strip(),
        owner=owner or by,
    )
    _check_unique_domain(company)
    company.full_clean(validate_constraints=False)  # uniqueness: _check_unique_domain
    _save_unique(company)
    return company


@transaction.atomic
def company_update(
    *, company: Company, by: User, version: int | None = None, **fields: Any
) -> Company:
    _require(by, "crm.change_company", company)
    locked = locked_row(Company, company.pk, version=version)
    for name in ("name", "industry"):
        if name in fields:
            setattr(locked, name, (fields[name] or "").strip())
    if "domain" in fields:
        locked.domain = normalize_domain(fields["domain"])
        _check_unique_domain(locked)
    if "owner" in fields and fields["owner"] is not None and fields["owner"] != locked.owner:
        _require(by, "crm.reassign_deal", message="Only sales managers can reassign.")
        locked.owner = fields["owner"]
    locked.full_clean(validate_constraints=False)  # uniqueness: _check_unique_domain
    _save_unique(locked, ["name", "industry", "domain", "owner"])
    return locked


# A unique constraint that a concurrent request won between our check and our insert.
UNIQUE_FIELDS = {
    "crm_company_domain_unique": ("domain", "A company with this web domain already exists."),
    "crm_contact_email_unique": ("email", "A contact with this email address already exists."),
}


def _save_unique(obj: Company | Contact, fields: list[str] | None = None) -> None:
    """Insert ``obj``, or save ``fields`` of its locked row with a new version; losing a
    race for a unique domain or email is a field error, not a 500."""
    try:
        with transaction.atomic():
            if fields is None:
                obj.save()
            else:
                save_row(obj, fields)
    except IntegrityError as error:
        for constraint, (field, message) in UNIQUE_FIELDS.items():
            if constraint in str(error):
                raise ValidationError({field: [ValidationError(message, code="unique")]}) from error
        raise


def _check_unique_domain(company: Company) -> None:
    taken = company.domain and (
        Company.objects.filter(domain__iexact=company.domain).exclude(pk=company.pk).exists()
    )
    if taken:
        raise ValidationError({"domain": ["A company with this web domain already exists."]})


def _check_unique_email(contact: Contact) -> None:
    taken = contact.email and (
        Contact.objects.filter(email__iexact=contact.email).exclude(pk=contact.pk).exists()
    )
    if taken:
        raise ValidationError({"email": ["A contact with this email address already exists."]})


def normalize_domain(domain: str | None) -> str:
    value = (domain or "").strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    return value.removeprefix("www.").split("/")[0]


@transaction.atomic
def contact_create(
    *,
    by: User,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    title: str = "",
    company: Company | None = None,
    owner: User | None = None,
) -> Contact:
    _require(by, "crm.add_contact")
    if owner is not None and owner != by:
        _require(by, "crm.reassign_deal", message="Only sales managers can create for others.")
    contact = Contact(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
        title=title.strip(),
        company=company,
        owner=owner or by,
    )
    _check_unique_email(contact)
    contact.full_clean(validate_constraints=False)  # uniqueness: _check_unique_email
    _save_unique(contact)
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, by: User, version: int | None = None, **fields: Any
) -> Contact:
    _require(by, "crm.change_contact", contact)
    locked = locked_row(Contact, contact.pk, version=version)
    for name in ("first_name", "last_name", "phone", "title"):
        if name in fields:
            setattr(locked, name, (fields[name] or "").strip())
    if "email" in fields:
        locked.email = (fields["email"] or "").strip().lower()
        _check_unique_email(locked)
    if "company" in fields:
        locked.company = fields["company"]
    locked.full_clean(validate_constraints=False)  # uniqueness: _check_unique_email
    _save_unique(locked, ["first_name", "last_name", "phone", "title", "email", "company"])
    return locked


# Deals -------------------------------------------------------------------------------


def _probability(stage: str) -> int:
    setting = StageSetting.objects.filter(stage=stage).values_list("probability", flat=True).first()
    return setting if setting is not None else DEFAULT_PROBABILITY[Stage(stage)]


def _probabilities() -> dict[str, int]:
    """Every stage's probability (one query, for a batch)."""
    return {
        **{str(k): v for k, v in DEFAULT_PROBABILITY.items()},
        **dict(StageSetting.objects.values_list("stage", "probability")),
    }


def _next_action_errors(deal: Deal, *, force: bool = False) -> dict[str, str]:
    """R2: an open deal has a next action (what) and a due date (when)."""
    if deal.stage not in OPEN_STAGES and not force:
        return {}
    errors = {}
    if not (deal.next_action or "").strip():
        errors["next_action"] = "An open deal needs a next action: what happens next."
    if deal.next_action_due_date is None:
        errors["next_action_due"] = "An open deal needs a due date for its next action."
    return errors


def _set_next_action(deal: Deal, fields: Mapping[str, Any]) -> None:
    if "next_action" in fields:
        deal.next_action = (fields["next_action"] or "").strip()
    if "next_action_due" in fields:
        deal.next_action_due_date, deal.next_action_due_time = split_due(
            fields["next_action_due"], deal.owner.zone
        )
    else:
        if "next_action_due_date" in fields:
            deal.next_action_due_date = fields["next_action_due_date"]
        if "next_action_due_time" in fields:
            deal.next_action_due_time = fields["next_action_due_time"]


def split_due(
    value: dt.date | dt.datetime | None, zone: dt.tzinfo
) -> tuple[dt.date | None, dt.time | None]:
    """A due value is a date, or a datetime: stored as the owner's local date and time."""
    if value is None:
        return None, None
    check_date(value, "next_action_due")
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(zone)
        return value.date(), value.time().replace(microsecond=0)
    return value, None


# Money ---------------------------------------------------------------------------------
# A deal's amount is in its currency; ``amount_base`` is that amount in the installation
# currency at ``exchange_rate``, the latest admin-kept rate valid on the deal's date of record
# (``Deal.date_of_record``: today while open, the day it was won or lost once closed). Both
# are kept on every write that changes the amount, the currency or the date of record (a
# win, a loss, a reopen); ``deals_reconvert`` brings open deals to a new rate.

# What a deal was last converted from: (amount, currency); ``NEW`` for a deal being made.
Money = tuple[Decimal | None, str]
NEW: Money = (None, "")


def no_rate_message(currency: str) -> str:
    return f"No exchange rate for {currency}; an admin adds one under Exchange rates."


def exchange_rate_for(currency: str, day: dt.date) -> Decimal:
    """The rate converting ``currency`` on ``day``: 1 for the installation currency (no
    query), else the latest rate valid on that day; refused naming ``currency`` when there
    is none."""
    if currency == installation_currency():
        return Decimal(1)
    rate = ExchangeRate.objects.valid_on(currency, day).values_list("rate", flat=True).first()
    if rate is None:
        raise ValidationError(
            {"currency": [ValidationError(no_rate_message(currency), code="no_exchange_rate")]}
        )
    return rate


def currency_errors(code: str) -> list[str]:
    """Why ``code`` (normalised) is not a currency a deal can be in, if it is not."""
    if code in CURRENCIES:
        return []
    if len(code) == 3 and code.isascii() and code.isalpha():
        return [f"{code} is not an ISO 4217 currency code."]
    return ["Use a three-letter ISO 4217 currency code, such as EUR."]


def _money_errors(deal: Deal, before: Money, *, redate: bool) -> dict[str, list[Any]]:
    """Convert ``deal`` again when its amount or currency differ from ``before`` or its date
    of record moved (``redate``). A currency it is given is checked against ISO 4217 (one
    it already has is kept, even if ISO has withdrawn it since)."""
    if not redate and (deal.amount, deal.currency) == before:
        return {}
    if before is NEW or deal.currency != before[1]:
        problems = currency_errors(deal.currency)
        if problems:
            return {"currency": [ValidationError(m, code="invalid_currency") for m in problems]}
    try:
        rate = exchange_rate_for(deal.currency, deal.date_of_record())
    except ValidationError as error:
        return dict(error.error_dict)
    deal.exchange_rate = rate
    deal.amount_base = convert(deal.amount, rate)
    return {}


def _money_of(deal: Deal) -> Money:
    return (deal.amount, deal.currency)


def _finalize(deal: Deal, *, by: User, before: Money | None = None, redate: bool = False) -> None:
    """Check every rule that holds on save, then compute derived fields: the due moment,
    and the base amount when the money changed since ``before`` or the date of record moved
    (``redate``)."""
    errors: dict[str, list[Any]] = {}
    for field, message in _next_action_errors(deal).items():
        errors.setdefault(field, []).append(message)
    try:
        deal.full_clean(exclude=["stage", "owner", "created_by"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field in ("next_action_due_date", "next_action_due_time"):
                field = "next_action_due"
            errors.setdefault(field, []).extend(messages)
    if deal.contact_id and deal.contact and deal.contact.company_id not in (None, deal.company_id):
        errors.setdefault("contact_id", []).append("This contact belongs to another company.")
    if (before is not None or redate) and "amount" not in errors:
        # (said once: the currency's own message stands for the column's length or blank)
        errors.update(_money_errors(deal, before or _money_of(deal), redate=redate))
    if errors:
        raise ValidationError(errors)
    deal.next_action_due_at = deal.compute_due_at(deal.owner.zone)


@transaction.atomic
def deal_create(
    *,
    by: User,
    title: str,
    company: Company,
    next_action: str,
    next_action_due: dt.date | dt.datetime | None,
    owner: User | None = None,
    contact: Contact | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    source: Any = None,
    campaign: str = "",
    expected_close_date: dt.date | None = None,
    qualification_notes: str = "",
) -> Deal:
    """Create an open deal (stage lead). R1: the owner defaults to its creator. R2. The
    amount is in ``currency`` (default: the installation's), converted at today's rate.
    ``campaign`` is the marketing campaign the lead came from (a web form's utm_campaign)."""
    _require(by, "crm.add_deal")
    owner = owner or by
    if owner != by:
        _require(
            by, "crm.reassign_deal", message="Only sales managers can create deals for others."
        )
    _check_owner(owner)
    deal = Deal(
        title=(title or "").strip(),
        company=company,
        contact=contact,
        owner=owner,
        created_by=by,
        amount=amount if amount is not None else Decimal("0.00"),
        currency=installation_currency() if currency is None else normalize_currency(currency),
        source=source,
        campaign=(campaign or "").strip(),
        expected_close_date=expected_close_date,
        qualification_notes=(qualification_notes or "").strip(),
        probability=_probability(Stage.LEAD),
    )
    _set_next_action(deal, {"next_action": next_action, "next_action_due": next_action_due})
    _finalize(deal, by=by, before=NEW)
    deal.save()
    emit("deal.created", deal_event_data(deal))
    return deal


def _check_owner(owner: User) -> None:
    if not owner.is_active or not owner.has_role(Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN):
        raise ValidationError({"owner_id": ["The owner must be an active sales user."]})


def _lock(deal: Deal, version: int | None = None) -> Deal:
    """Lock the deal's row; refuse if someone changed it since the caller loaded it."""
    locked = locked_row(Deal, deal.pk, version=version, related=["owner"])
    if locked.stage != deal.stage:
        raise EditConflict(
            f"Someone else moved this deal to {locked.get_stage_display()} meanwhile; "
            "reload and try again."
        )
    return locked


# What a deal's services write (everything but who created it, and when).
DEAL_WRITTEN = [
    f.name
    for f in Deal._meta.concrete_fields
    if f.name not in ("id", "created_at", "created_by", "updated_at", "version")
]


def _save(deal: Deal) -> Deal:
    """Save the locked ``deal`` with a new version (FSM: refused if its stage moved)."""
    try:
        return save_row(deal, DEAL_WRITTEN)
    except ConcurrentTransition as error:
        raise EditConflict(
            "Someone else moved this deal meanwhile; reload and try again."
        ) from error


# What a win fixes: the project, its stakeholder and won revenue hang off these. The
# company never changes after the win; the others only by a sales manager's recorded
# correction (``correction_reason``).
FROZEN_AFTER_WIN = ("company", "contact", "amount", "currency", "owner")


def _frozen_changes(locked: Deal, fields: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    changes = {}
    for name in FROZEN_AFTER_WIN:
        if name not in fields or (name == "owner" and fields[name] is None):
            continue
        new = fields[name]
        if name == "amount":
            new = Decimal(new if new is not None else 0).quantize(Decimal("0.01"))
        if name == "currency":
            new = normalize_currency(new)
        old = getattr(locked, name)
        if old != new:
            changes[name] = (old, new)
    return changes


def _check_correction(
    locked: Deal, by: User, changes: Mapping[str, tuple[Any, Any]], reason: str
) -> None:
    if "company" in changes:
        raise ValidationError(
            {"company_id": ["A won deal's company cannot change: its project belongs to it."]}
        )
    if not by.has_perm("crm.reassign_deal"):
        raise ValidationError(
            {
                f"{name}_id" if name in ("contact", "owner") else name: [
                    "This deal is won: only a sales manager can correct it, with a reason."
                ]
                for name in changes
            }
        )
    if not reason.strip():
        raise ValidationError(
            {
                "correction_reason": [
                    "Say why this won deal is corrected; it is kept in its history."
                ]
            }
        )


def _record_correction(
    deal: Deal, by: User, changes: Mapping[str, tuple[Any, Any]], reason: str
) -> None:
    said = "; ".join(f"{name}: {old or '—'} → {new or '—'}" for name, (old, new) in changes.items())
    Activity.objects.create(
        deal=deal,
        company_id=deal.company_id,
        kind=ActivityKind.NOTE,
        body=f"Corrected after the win. {said}. Reason: {reason.strip()}",
        author=by,
    )


@transaction.atomic
def deal_update(
    *,
    deal: Deal,
    by: User,
    version: int | None = None,
    correction_reason: str = "",
    **fields: Any,
) -> Deal:
    """Edit a deal's fields (never its stage). Changing the owner is a reassignment. A won
    deal's contact, amount, currency and owner change only by a sales manager's recorded
    correction; its company never. A new amount or currency is converted again."""
    _require(by, "crm.change_deal", deal, "Only the deal's owner or a sales manager can edit it.")
    if "stage" in fields:
        raise ValidationError({"stage": ["The stage changes only through transitions."]})
    locked = _lock(deal, version)
    before = _money_of(locked)
    corrections = _frozen_changes(locked, fields) if locked.stage == Stage.WON else {}
    if corrections:
        _check_correction(locked, by, corrections, correction_reason or "")
    for name in DEAL_FIELDS:
        if name in fields:
            value = fields[name]
            if name == "currency":
                value = normalize_currency(value)
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if locked.amount is None:
        locked.amount = Decimal("0.00")
    if "owner" in fields and fields["owner"] is not None and fields["owner"] != locked.owner:
        _require(by, "crm.reassign_deal", message="Only sales managers can reassign deals.")
        _check_owner(fields["owner"])
        locked.owner = fields["owner"]
    _set_next_action(locked, fields)
    _finalize(locked, by=by, before=before)
    if locked.stage in (Stage.PROPOSAL, Stage.NEGOTIATION, Stage.WON):
        # R4 keeps holding after the move: a proposed deal keeps its amount and date.
        missing = proposal_missing(locked)
        if missing:
            raise _validation_error(missing)
    saved = _save(locked)
    if corrections:
        _record_correction(saved, by, corrections, correction_reason)
    return saved


def transition_errors(deal: Deal, name: str) -> dict[str, str]:
    """R4: which conditions of transition ``name`` fail for this deal, field by field."""
    if name not in TRANSITIONS:
        return {"transition": f"Unknown transition {name!r}; use one of {', '.join(TRANSITIONS)}."}
    if deal.stage not in PIPELINE[name].sources:
        return {
            "stage": f"A deal in {deal.get_stage_display()} cannot {name}"
            + ("; deals move forward one stage at a time." if name != "reopen" else ".")
        }
    if name == "qualify":
        return qualification_missing(deal)
    if name == "propose":
        return proposal_missing(deal)
    if name == "lose":
        return lose_missing(deal)
    if name == "reopen":
        # The reopened deal is open again, so R2 applies to it at once.
        reopened = {
            "next_action": "A reopened deal needs a next action.",
            "next_action_due": "A reopened deal needs a due date for its next action.",
        }
        return {k: v for k, v in reopened.items() if k in _next_action_errors(deal, force=True)}
    return {}


def _apply_params(deal: Deal, name: str, params: Mapping[str, Any]) -> None:
    """Fields a transition form may fill in the same step (the refusal form's fields)."""
    if name == "qualify" and params.get("qualification_notes") is not None:
        deal.qualification_notes = str(params["qualification_notes"]).strip()
    if name == "propose":
        if params.get("amount") is not None:
            deal.amount = params["amount"]
        if params.get("expected_close_date") is not None:
            deal.expected_close_date = params["expected_close_date"]
    if name == "lose":
        reason = params.get("lost_reason")
        if reason is None and params.get("lost_reason_id"):
            reason = LostReason.objects.filter(pk=params["lost_reason_id"], active=True).first()
            if reason is None:
                raise ValidationError(
                    {"lost_reason_id": ["Choose one of the listed lost reasons."]}
                )
        deal.lost_reason = reason
        deal.lost_note = str(params.get("note") or "").strip()
    if name == "reopen":
        _set_next_action(deal, params)


@transaction.atomic
def deal_transition(
    *,
    deal: Deal,
    by: User,
    name: str,
    params: Mapping[str, Any] | None = None,
    version: int | None = None,
) -> Deal:
    """R3 + R4: move a deal along the pipeline, recording who, when and from where.

    ``params`` may carry the fields a transition needs (qualification notes, amount and
    expected close date, lost reason and note, a new next action on reopen); they are
    saved in the same step. A refusal names each failing field and changes nothing.
    """
    params = params or {}
    if name == "win":
        raise ValidationError(
            {"handoff": ["Winning a deal goes through the handoff: complete it to win."]}
        )
    if name == "reopen":
        _require(by, "crm.reopen_deal", deal, "Only sales managers can reopen lost deals.")
    else:
        _require(
            by, "crm.change_deal", deal, "Only the deal's owner or a sales manager can move it."
        )
    locked = _lock(deal, version)
    before = _money_of(locked)
    _apply_params(locked, name, params)
    errors = transition_errors(locked, name)
    if errors:
        raise _validation_error(errors)
    return _fire(locked, by=by, name=name, before=before)


# The transitions that move a deal's date of record (``Deal.date_of_record``).
REDATING = frozenset({"win", "lose", "reopen"})


def _fire(
    deal: Deal,
    *,
    by: User,
    name: str,
    override_reason: str = "",
    before: Money | None = None,
) -> Deal:
    from_stage = deal.stage
    method = getattr(deal, name)
    if not can_proceed(method):
        raise ValidationError({"stage": [f"A deal in {deal.get_stage_display()} cannot {name}."]})
    method()
    deal.probability = _probability(deal.stage)
    deal.stage_entered_at = timezone.now()
    _finalize(deal, by=by, before=before, redate=name in REDATING)
    deal = _save(deal)
    StageChange.objects.create(
        deal=deal,
        from_stage=from_stage,
        to_stage=deal.stage,
        by=by,
        override_reason=override_reason,
    )
    data = deal_event_data(deal)
    emit("deal.stage_changed", {**data, "from_stage": from_stage, "to_stage": deal.stage})
    if deal.stage == Stage.WON:
        emit("deal.won", data)
    elif deal.stage == Stage.LOST:
        emit("deal.lost", data)
    return deal


@transaction.atomic
def deal_move(
    *,
    deal: Deal,
    by: User,
    to_stage: str,
    params: Mapping[str, Any] | None = None,
    version: int | None = None,
) -> Deal:
    """The board's drag and drop: the transition from the deal's stage to ``to_stage``."""
    if to_stage not in Stage.values:
        raise ValidationError({"stage": [f"Unknown stage {to_stage!r}."]})
    name = transition_between(deal.stage, to_stage)
    if name is None:
        raise ValidationError(
            {
                "stage": [
                    f"A deal cannot move from {deal.get_stage_display()} to "
                    f"{Stage(to_stage).label}: deals move forward one stage at a time."
                ]
            }
        )
    return deal_transition(deal=deal, by=by, name=name, params=params, version=version)


@dataclass(frozen=True)
class WinPermit:
    """The handoff gate's proof that R5-R7 passed for this win (see ``deal_win``)."""

    handoff_id: int


@transaction.atomic
def deal_win(*, deal: Deal, by: User, override_reason: str = "", permit: WinPermit | None) -> Deal:
    """Fire the ``win`` transition. Only the handoff gate calls this, with its permit.

    The permit is the handoff's proof that R5-R7 passed; without it the model's own
    ``win`` condition refuses, so no path reaches "won" around the gate.
    """
    _require(by, "crm.change_deal", deal, "Only the deal's owner or a sales manager can win it.")
    if not isinstance(permit, WinPermit):
        raise ValidationError({"handoff": ["Winning a deal goes through the handoff."]})
    locked = _lock(deal)
    locked._win_permit = permit  # type: ignore[attr-defined]
    try:
        return _fire(locked, by=by, name="win", override_reason=override_reason)
    finally:
        locked.__dict__.pop("_win_permit", None)


@transaction.atomic
def deal_bulk_reassign(*, deals: list[Deal], owner: User, by: User) -> int:
    """Reassign several deals in one transaction: every one through ``deal_update``, so a
    refusal of any leaves all of them as they were."""
    for deal in deals:
        deal_update(deal=deal, by=by, owner=owner)
    return len(deals)


@transaction.atomic
def deal_complete_next_action(
    *,
    deal: Deal,
    by: User,
    outcome: str,
    next_action: str,
    next_action_due: dt.date | dt.datetime | None,
    kind: str = ActivityKind.NOTE,
    version: int | None = None,
) -> Deal:
    """R2: completing the next action records it in the history and sets the next one."""
    _require(by, "crm.change_deal", deal, "Only the deal's owner or a sales manager can do this.")
    locked = _lock(deal, version)
    if locked.stage not in OPEN_STAGES:
        raise ValidationError({"stage": ["Only an open deal has a next action to complete."]})
    errors: dict[str, list[str]] = {}
    if not (outcome or "").strip():
        errors["outcome"] = ["Say what happened."]
    if kind not in ActivityKind.values:
        errors["kind"] = [f"Choose one of {', '.join(ActivityKind.values)}."]
    done = locked.next_action
    _set_next_action(locked, {"next_action": next_action, "next_action_due": next_action_due})
    for field, message in _next_action_errors(locked).items():
        errors[field] = [message]
    if errors:
        raise ValidationError(errors)
    _finalize(locked, by=by)
    locked = _save(locked)
    Activity.objects.create(
        deal=locked,
        company_id=locked.company_id,
        kind=kind,
        body=f"Done: {done}\n{outcome.strip()}" if done else outcome.strip(),
        author=by,
    )
    return locked


@transaction.atomic
def activity_create(
    *,
    by: User,
    kind: str,
    body: str,
    occurred_at: dt.datetime | None = None,
    deal: Deal | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
) -> Activity:
    if deal is not None:
        _require(by, "crm.view_deal", deal)
        _require(by, "crm.add_deal", message="Only sales can log activities.")
    else:
        _require(by, "crm.add_contact", message="Only sales can log activities.")
    return _activity_save(
        kind=kind,
        body=body,
        occurred_at=occurred_at,
        author=by,
        deal=deal,
        contact=contact,
        company=company,
    )


def _activity_save(
    *,
    kind: str,
    body: str,
    occurred_at: dt.datetime | None,
    author: User,
    deal: Deal | None,
    contact: Contact | None,
    company: Company | None,
) -> Activity:
    activity = Activity(
        kind=kind,
        body=(body or "").strip(),
        occurred_at=occurred_at or timezone.now(),
        author=author,
        deal=deal,
        contact=contact,
        company=company or (deal.company if deal else None),
    )
    activity.full_clean()
    activity.save()
    return activity


@transaction.atomic
def email_activity_log(
    *,
    author: User,
    body: str,
    occurred_at: dt.datetime | None = None,
    deal: Deal | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
) -> Activity:
    """An email Relay received (the inbox app's mailbox), logged as an email activity on
    ``deal``, ``contact`` or ``company`` in ``author``'s name. A job writes it, not the
    author, so no permission of the author's is asked here; the inbox checks who may attach
    an email by hand before it calls this."""
    return _activity_save(
        kind=ActivityKind.EMAIL,
        body=body,
        occurred_at=occurred_at,
        author=author,
        deal=deal,
        contact=contact,
        company=company,
    )


@transaction.atomic
def deals_recompute_due(owner: User) -> int:
    """After the owner's time zone changed: when each of their open deals becomes overdue.
    A recomputed due moment is a change: each deal it moves gets a new version."""
    deals = list(
        Deal.objects.open()
        .filter(owner=owner)
        .exclude(next_action_due_date=None)
        .select_for_update()
        .only("pk", "next_action_due_date", "next_action_due_time", "next_action_due_at")
    )
    changed = []
    for deal in deals:
        due_at = deal.compute_due_at(owner.zone)
        if due_at != deal.next_action_due_at:
            deal.next_action_due_at = due_at
            deal.version = F("version") + 1
            changed.append(deal)
    Deal.objects.bulk_update(changed, ["next_action_due_at", "version"], batch_size=500)
    return len(changed)


# Imports -----------------------------------------------------------------------------
# The import wizard (the ``imports`` app) writes a file's rows in batches through these. Each
# row passes the checks of its one-row service above (permissions, R1, R2, R4, unique
# domains and emails); a refused row comes back as its ValidationError instead of raising,
# so one pass finds every error; the accepted rows of a batch are written in a fixed number
# of statements. Rows whose ``existing`` record is given update it (locked, version bumped)
# when a value differs, and are returned unchanged otherwise (``ImportOutcome.changed``).


@dataclass
class ImportOutcome[M]:
    record: M | None = None
    error: ValidationError | None = None
    created: bool = False
    changed: bool = False


@dataclass
class CompanyRow:
    name: str
    domain: str = ""
    industry: str = ""
    owner: User | None = None
    created_at: dt.datetime | None = None
    existing: Company | None = None


@dataclass
class ContactRow:
    first_name: str
    last_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    company: Company | None = None
    owner: User | None = None
    created_at: dt.datetime | None = None
    existing: Contact | None = None


@dataclass
class DealRow:
    """One imported deal. ``stage`` won or lost makes it closed history (``closed_at`` the
    day it closed): only sales managers and admins import history; it starts no project."""

    title: str
    company: Company
    owner: User | None = None
    contact: Contact | None = None
    amount: Decimal | None = None
    source: Any = None
    expected_close_date: dt.date | None = None
    qualification_notes: str = ""
    next_action: str = ""
    next_action_due: dt.date | dt.datetime | None = None
    stage: str = Stage.LEAD
    created_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    lost_reason: LostReason | None = None
    lost_note: str = ""
    currency: str = ""  # the installation's when blank
    existing: Deal | None = None


@dataclass
class ActivityRow:
    kind: str
    body: str
    occurred_at: dt.datetime
    author: User
    deal: Deal | None = None
    contact: Contact | None = None
    company: Company | None = None


def _owner_for(by: User, owner: User | None, current: User | None = None) -> User:
    """R1 on an imported row: the importer unless another owner is named, which takes a
    sales manager (as creating or reassigning for others does)."""
    owner = owner or current or by
    if owner != (current or by) and not by.has_perm("crm.reassign_deal"):
        raise ValidationError(
            {"owner": ["Only sales managers can import records owned by someone else."]}
        )
    return owner


def _locked_rows[M: (Company, Contact, Deal)](model: type[M], existing: list[Any]) -> dict[int, M]:
    pks = [row.pk for row in existing if row is not None]
    if not pks:
        return {}
    return model._default_manager.select_for_update(of=("self",)).in_bulk(pks)


def _assign(record: Any, values: Mapping[str, Any], *, update: bool) -> bool:
    """Set ``values`` on ``record``; an update keeps what a blank value would erase."""
    changed = False
    for name, value in values.items():
        if not update:
            setattr(record, name, value)
            continue
        if value in (None, ""):
            continue
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _clean(record: Any, exclude: list[str]) -> None:
    # Foreign keys were found by the importer and uniqueness is checked here per batch:
    # full_clean would ask the database for each of them, row by row.
    record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _write_imported[M: (Company, Contact, Deal)](
    model: type[M],
    outcomes: list[ImportOutcome[M]],
    fields: list[str],
    created_at: list[dt.datetime | None],
) -> None:
    for outcome, when in zip(outcomes, created_at, strict=True):
        if outcome.created and outcome.record is not None and when is not None:
            outcome.record.created_at = when  # the source's creation time
    new = [o.record for o in outcomes if o.created and o.record is not None]
    model._default_manager.bulk_create(new)
    changed = [o.record for o in outcomes if o.changed and not o.created]
    save_rows(model, changed, fields, bump=[True] * len(changed))


def _unique_in_batch(
    value: str, key: int | None, field: str, taken: dict[str, int | None], message: str
) -> None:
    if not value:
        return
    holder = taken.get(value, key)
    if (holder is not None and holder != key) or (holder is None and value in taken):
        raise ValidationError({field: [ValidationError(message, code="unique")]})
    taken[value] = key


@transaction.atomic
def companies_import(*, by: User, rows: list[CompanyRow]) -> list[ImportOutcome[Company]]:
    _require(by, "crm.add_company")
    locked = _locked_rows(Company, [row.existing for row in rows])
    domains = {normalize_domain(row.domain) for row in rows} - {""}
    taken: dict[str, int | None] = dict(
        Company.objects.filter(domain__in=domains).values_list("domain", "pk")
    )
    outcomes: list[ImportOutcome[Company]] = []
    for row in rows:
        update = row.existing is not None
        company = locked[row.existing.pk] if row.existing is not None else Company()
        try:
            changed = _assign(
                company,
                {
                    "name": row.name.strip(),
                    "domain": normalize_domain(row.domain),
                    "industry": row.industry.strip(),
                },
                update=update,
            )
            owner = _owner_for(by, row.owner, company.owner if update else None)
            if not update or owner != company.owner:
                changed = changed or update
                company.owner = owner
            _clean(company, ["owner"])
            _unique_in_batch(
                company.domain,
                company.pk,
                "domain",
                taken,
                "A company with this web domain already exists.",
            )
        except ValidationError as error:
            outcomes.append(ImportOutcome(error=error))
            continue
        outcomes.append(ImportOutcome(company, created=not update, changed=changed or not update))
    _write_imported(
        Company, outcomes, ["name", "domain", "industry", "owner"], [r.created_at for r in rows]
    )
    return outcomes


@transaction.atomic
def contacts_import(*, by: User, rows: list[ContactRow]) -> list[ImportOutcome[Contact]]:
    _require(by, "crm.add_contact")
    locked = _locked_rows(Contact, [row.existing for row in rows])
    emails = {row.email.strip().lower() for row in rows} - {""}
    taken: dict[str, int | None] = dict(
        Contact.objects.filter(email__in=emails).values_list("email", "pk")
    )
    outcomes: list[ImportOutcome[Contact]] = []
    for row in rows:
        update = row.existing is not None
        contact = locked[row.existing.pk] if row.existing is not None else Contact()
        try:
            changed = _assign(
                contact,
                {
                    "first_name": row.first_name.strip(),
                    "last_name": row.last_name.strip(),
                    "email": row.email.strip().lower(),
                    "phone": row.phone.strip(),
                    "title": row.title.strip(),
                    "company": row.company,
                },
                update=update,
            )
            owner = _owner_for(by, row.owner, contact.owner if update else None)
            if not update or owner != contact.owner:
                changed = changed or update
                contact.owner = owner
            _clean(contact, ["owner", "company"])
            _unique_in_batch(
                contact.email,
                contact.pk,
                "email",
                taken,
                "A contact with this email address already exists.",
            )
        except ValidationError as error:
            outcomes.append(ImportOutcome(error=error))
            continue
        outcomes.append(ImportOutcome(contact, created=not update, changed=changed or not update))
    _write_imported(
        Contact,
        outcomes,
        ["first_name", "last_name", "email", "phone", "title", "company", "owner"],
        [r.created_at for r in rows],
    )
    return outcomes


def _set_imported_stage(deal: Deal, stage: str) -> None:
    """The one place a stage is set without its transition: an imported deal arrives at the
    stage its old system had (each step recorded as a StageChange; an open stage's R4
    conditions checked by ``_imported_deal``, history only by sales managers and admins).
    The stage field is protected against assignment, so this writes the instance's value."""
    deal.__dict__["stage"] = stage


def _path(start: str, stage: str) -> list[str] | None:
    try:
        return path_to(stage, start=start)
    except KeyError:
        return None


def _imported_deal(
    by: User, row: DealRow, deal: Deal, update: bool, probabilities: dict[str, int]
) -> tuple[Deal, bool, str]:
    """Apply ``row`` to ``deal`` and check it as the one-row services would; the changed
    flag and the stage the deal had before."""
    before = deal.stage if update else Stage.LEAD
    money = _money_of(deal) if update else NEW
    target = row.stage or Stage.LEAD
    if target not in Stage.values:
        raise ValidationError({"stage": [f"Unknown stage {target!r}."]})
    history = target in (Stage.WON, Stage.LOST)
    if update and before != target:
        forward = _path(before, target) if before in OPEN_STAGES else None
        if not forward and not (history and before in OPEN_STAGES):
            raise ValidationError(
                {
                    "stage": [
                        f"This deal is {Stage(before).label} in Relay; an import moves deals "
                        f"forward only, not to {Stage(target).label}."
                    ]
                }
            )
    if history and before != target and not by.has_perm("crm.import_history"):
        raise ValidationError(
            {"stage": ["Only sales managers and admins import won and lost deals."]}
        )
    changed = _assign(
        deal,
        {
            "title": row.title.strip(),
            "company": row.company,
            "contact": row.contact,
            "amount": row.amount,
            "source": row.source,
            "expected_close_date": row.expected_close_date,
            "qualification_notes": row.qualification_notes.strip(),
            "currency": normalize_currency(row.currency)
            if row.currency
            else ("" if update else installation_currency()),
        },
        update=update,
    )
    owner = _owner_for(by, row.owner, deal.owner if update else None)
    if not update or (owner != deal.owner_id and owner != deal.owner):
        changed = changed or update
        deal.owner = owner
    if deal.amount is None:
        deal.amount = Decimal("0.00")
    if not history and (row.next_action or row.next_action_due or not update):
        old = (deal.next_action, deal.next_action_due_date, deal.next_action_due_time)
        _set_next_action(
            deal, {"next_action": row.next_action, "next_action_due": row.next_action_due}
        )
        changed = changed or old != (
            deal.next_action,
            deal.next_action_due_date,
            deal.next_action_due_time,
        )
    if before != target:
        changed = True
        if history:
            closed = row.closed_at or row.created_at
            if closed is None:
                raise ValidationError(
                    {"closed_at": ["A won or lost deal needs the date it closed."]}
                )
            deal.won_at = closed if target == Stage.WON else None
            deal.lost_at = closed if target == Stage.LOST else None
            deal.lost_reason = row.lost_reason if target == Stage.LOST else None
            deal.lost_note = row.lost_note.strip() if target == Stage.LOST else ""
            deal.stage_entered_at = closed
            deal.next_action, deal.next_action_due_date, deal.next_action_due_time = "", None, None
        else:
            deal.stage_entered_at = (
                row.created_at if not update and row.created_at else timezone.now()
            )
        _set_imported_stage(deal, target)
        deal.probability = probabilities[target]
    errors: dict[str, list[str]] = {}
    if not history:
        for field, message in _next_action_errors(deal, force=True).items():
            errors.setdefault(field, []).append(message)
        # R4 holds on an imported open deal: what its stage's transitions require.
        if target != Stage.LEAD:
            for field, message in qualification_missing(deal).items():
                errors.setdefault(field, []).append(message)
        if target in (Stage.PROPOSAL, Stage.NEGOTIATION):
            for field, message in proposal_missing(deal).items():
                errors.setdefault(field, []).append(message)
    try:
        _clean(
            deal, ["stage", "owner", "created_by", "company", "contact", "source", "lost_reason"]
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field in ("next_action_due_date", "next_action_due_time"):
                field = "next_action_due"
            errors.setdefault(field, []).extend(messages)
    if deal.contact is not None and deal.contact.company_id not in (None, deal.company.pk):
        errors.setdefault("contact", []).append("This contact belongs to another company.")
    for field, messages in _money_errors(deal, money, redate=before != target).items():
        errors.setdefault(field, []).extend(
            str(m.message if hasattr(m, "message") else m) for m in messages
        )
    if errors:
        raise ValidationError(errors)
    deal.next_action_due_at = deal.compute_due_at(deal.owner.zone)
    return deal, changed, before


@transaction.atomic
def deals_import(
    *, by: User, rows: list[DealRow], note: str = "Imported"
) -> list[ImportOutcome[Deal]]:
    """Import deals: open ones with their next action (R2) and what their stage required
    (R4); won and lost ones as closed history. Every stage a deal enters is recorded as a
    StageChange carrying ``note`` (who imported it from where), so the history says how."""
    _require(by, "crm.add_deal")
    existing = [row.existing for row in rows]
    locked = _locked_rows(Deal, existing)
    outcomes: list[ImportOutcome[Deal]] = []
    moves: list[StageChange] = []
    moved: list[tuple[Deal, str]] = []
    probabilities = _probabilities()
    for row in rows:
        update = row.existing is not None
        deal = locked[row.existing.pk] if row.existing is not None else Deal(created_by=by)
        try:
            deal, changed, before = _imported_deal(by, row, deal, update, probabilities)
        except ValidationError as error:
            outcomes.append(ImportOutcome(error=error))
            continue
        outcomes.append(ImportOutcome(deal, created=not update, changed=changed or not update))
        if update and deal.stage != before:
            moved.append((deal, before))
        # R3: each stage entered is a row (history closes in one step, outside Relay).
        stages = [before]
        if deal.stage in OPEN_STAGES:
            stages += [PIPELINE[name].target for name in _path(before, deal.stage) or []]
        elif deal.stage != before:
            stages.append(deal.stage)
        for from_stage, to_stage in itertools.pairwise(stages):
            moves.append(
                StageChange(
                    deal=deal,
                    from_stage=from_stage,
                    to_stage=to_stage,
                    by=by,
                    at=deal.stage_entered_at,
                    override_reason=note,
                )
            )
    _write_imported(Deal, outcomes, DEAL_WRITTEN, [r.created_at for r in rows])
    StageChange.objects.bulk_create([m for m in moves if m.deal.pk is not None])
    # Events: each new deal is created; an existing deal the import moved changed stage.
    # Won and lost history closed in the old system: no deal.won or deal.lost for it.
    emit_many(
        "deal.created", [deal_event_data(o.record) for o in outcomes if o.created and o.record]
    )
    emit_many(
        "deal.stage_changed",
        [
            {**deal_event_data(deal), "from_stage": before, "to_stage": deal.stage}
            for deal, before in moved
        ],
    )
    return outcomes


@transaction.atomic
def activities_import(*, by: User, rows: list[ActivityRow]) -> list[ImportOutcome[Activity]]:
    """Import past activities (notes, calls, emails, meetings) onto deals, contacts or
    companies; their author is the user the file names (a sales manager imports others')."""
    _require(by, "crm.add_deal", message="Only sales can log activities.")
    outcomes: list[ImportOutcome[Activity]] = []
    for row in rows:
        activity = Activity(
            kind=row.kind,
            body=(row.body or "").strip(),
            occurred_at=row.occurred_at,
            author=row.author,
            deal=row.deal,
            contact=row.contact,
            company=row.company or (row.deal.company if row.deal else None),
        )
        try:
            if row.author != by and not by.has_perm("crm.reassign_deal"):
                raise ValidationError(
                    {"author": ["Only sales managers can import other people's activities."]}
                )
            if not (row.deal or row.contact or activity.company):
                raise ValidationError(
                    {"deal": ["An activity belongs to a deal, a contact or a company."]}
                )
            _clean(activity, ["author", "deal", "contact", "company"])
        except ValidationError as error:
            outcomes.append(ImportOutcome(error=error))
            continue
        outcomes.append(ImportOutcome(activity, created=True, changed=True))
    Activity.objects.bulk_create([o.record for o in outcomes if o.record is not None])
    return outcomes


@transaction.atomic
def deals_reconvert(*, by: User, currencies: Iterable[str] | None = None) -> int:
    """After a rate changed: convert the open deals in ``currencies`` (every currency but
    the installation's when None) at today's rates. Each deal whose rate or base amount
    changes gets a new version (a derived write, like a recomputed due moment); closed deals
    keep the rate of the day they closed. A currency with open deals and no rate valid today
    is refused naming ``currency``, and nothing changes. Returns how many deals changed."""
    _require(by, "crm.reconvert_deals", message="Only admins re-convert deals.")
    deals = Deal.objects.open().exclude(currency=installation_currency())
    if currencies is not None:
        deals = deals.filter(currency__in=sorted({normalize_currency(c) for c in currencies}))
    locked = list(
        deals.select_for_update()
        .order_by("pk")
        .only("pk", "version", "currency", "amount", "amount_base", "exchange_rate")
    )
    today = timezone.localdate(None, timezone.get_default_timezone())  # as date_of_record
    rates = {code: exchange_rate_for(code, today) for code in sorted({d.currency for d in locked})}
    changed = []
    for deal in locked:
        rate = rates[deal.currency]
        base = convert(deal.amount, rate)
        if (deal.exchange_rate, deal.amount_base) != (rate, base):
            deal.exchange_rate, deal.amount_base = rate, base
            changed.append(deal)
    save_rows(Deal, changed, ["exchange_rate", "amount_base"])
    return len(changed)
