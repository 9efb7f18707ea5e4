"""The closed-won gate (R5), the promise check (R7) and the kickoff project (R6).

``deal_win`` here is the only way a deal becomes won: the board's Won column, the deal
page, the API's ``transitions/win`` and the admin all call it. It hands the CRM a
``WinPermit`` that the CRM's own ``win`` transition requires.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.formats import format_date, format_month_day
from accounts.models import User
from accounts.roles import Role
from crm import services as crm_services
from crm.models import Deal, Stage
from crm.services import WinPermit
from handoff.models import DEFAULT_MIN_PROBABILITY, Handoff, PromiseSettings
from projects import selectors as project_selectors
from projects import services as project_services
from projects.models import ProjectTemplate
from projects.scheduling import BeyondCalendarError
from records import EditConflict, check_version, save_row

# Every field R5 requires at win, in the order forms and errors list them.
REQUIRED = (
    "scope_summary",
    "promised_date",
    "promised_timeline",
    "key_constraints",
    "main_stakeholder_id",
    "kickoff_date",
    "template_id",
    "delivery_lead_id",
)
REQUIRED_MESSAGES = {
    "scope_summary": "Summarise the scope that was sold.",
    "promised_date": "Give the promised delivery date.",
    "promised_timeline": "Describe the promised timeline.",
    "key_constraints": "List the key constraints (or write “none”).",
    "main_stakeholder_id": "Choose the customer's main stakeholder.",
    "kickoff_date": "Choose the kickoff date.",
    "template_id": "Choose the project template to start from.",
    "delivery_lead_id": "Choose the delivery lead.",
}
REQUIRED_LABELS = {
    "scope_summary": "scope summary",
    "promised_date": "promised delivery date",
    "promised_timeline": "promised timeline",
    "key_constraints": "key constraints",
    "main_stakeholder_id": "main stakeholder",
    "kickoff_date": "kickoff date",
    "template_id": "project template",
    "delivery_lead_id": "delivery lead",
}
# What blocks a win, by the field ``win_refusals`` names (the panel's badge says these).
REFUSAL_LABELS = {**REQUIRED_LABELS, "override_reason": "promise override", "stage": "stage"}
TEXT_FIELDS = ("scope_summary", "promised_timeline", "key_constraints")


@dataclass(frozen=True)
class PromiseCheck:
    """R7's answer. With too little history (``history_count`` None), ``ok`` says whether
    the plan finishes by the promise; with enough, whether the chance of finishing by it
    (``probability``, from a Monte Carlo schedule of the template's actual durations)
    reaches ``min_probability`` percent."""

    planned_finish: dt.date | None
    promised_date: dt.date | None
    ok: bool | None  # None: not enough to check yet (no template, kickoff or promise)
    error: str = ""  # why the plan cannot be computed (it would leave the accepted years)
    probability: float | None = None  # of finishing by the promised date, 0 to 1
    p50_finish: dt.date | None = None
    p80_finish: dt.date | None = None
    history_count: int | None = None  # the finished projects the forecast learned from
    min_probability: int | None = None  # percent; the threshold this check applied
    chance_percent: int | None = None  # the probability in whole percent, rounded down

    @property
    def late_by_days(self) -> int | None:
        if self.planned_finish and self.promised_date and self.planned_finish > self.promised_date:
            return (self.planned_finish - self.promised_date).days
        return None

    @property
    def forecast_text(self) -> str:
        """ "Chance of finishing by 30 Jan 2027: 64% · P50 26 Jan · P80 3 Feb, from 7 finished
        projects" (the year of a P date only when it differs from the promise's)."""
        if self.history_count is None or self.p50_finish is None or self.p80_finish is None:
            return ""
        year = self.promised_date.year if self.promised_date else None

        def day(value: dt.date) -> str:
            return format_month_day(value) if value.year == year else format_date(value)

        chance = (
            f"Chance of finishing by {format_date(self.promised_date)}: {self.chance_percent}% · "
            if self.promised_date
            else ""
        )
        return (
            f"{chance}P50 {day(self.p50_finish)} · P80 {day(self.p80_finish)}, "
            f"from {self.history_count} finished projects"
        )


def promise_min_probability() -> int:
    """The admin's threshold, in percent (``PromiseSettings``; absent: the default)."""
    value = PromiseSettings.objects.filter(pk=1).values_list("min_probability", flat=True).first()
    return DEFAULT_MIN_PROBABILITY if value is None else value


@transaction.atomic
def promise_settings_update(*, by: User, min_probability: int) -> PromiseSettings:
    """Set the promise check's threshold (admins only)."""
    if not by.has_role(Role.ADMIN):
        raise PermissionDenied("Only admins set the promise check's threshold.")
    settings, _ = PromiseSettings.objects.select_for_update().get_or_create(pk=1)
    settings.min_probability = min_probability
    settings.full_clean()
    settings.save()
    return settings


def handoff_for(deal: Deal) -> Handoff:
    """The deal's handoff, or an unsaved empty one."""
    existing = (
        Handoff.objects.filter(deal=deal)
        .select_related("main_stakeholder", "template", "delivery_lead", "project")
        .first()
    )
    return existing or Handoff(deal=deal)


def handoff_missing(handoff: Handoff) -> list[str]:
    """R5: the required fields this handoff does not have yet (API names)."""
    missing = []
    for name in REQUIRED:
        value = getattr(handoff, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


def promise_check(
    *, template: ProjectTemplate | None, kickoff_date: dt.date | None, promised_date: dt.date | None
) -> PromiseCheck:
    """R7: schedule the template from the kickoff date and compare with the promise; where
    the template has enough finished projects (``MIN_FINISHED_PROJECTS``), the chance of
    finishing by the promise, from a Monte Carlo schedule of their actual durations,
    against the admin's threshold."""
    if template is None or kickoff_date is None:
        return PromiseCheck(None, promised_date, None)
    try:
        finish, forecast = project_selectors.template_promise(template, kickoff_date, promised_date)
    except BeyondCalendarError as error:
        return PromiseCheck(None, promised_date, None, error=str(error))
    if forecast is None:
        ok = None if promised_date is None or finish is None else finish <= promised_date
        return PromiseCheck(finish, promised_date, ok)
    threshold = promise_min_probability()
    on_time = forecast.runs_on_time
    return PromiseCheck(
        finish,
        promised_date,
        None if on_time is None else on_time * 100 >= threshold * forecast.runs,
        probability=forecast.probability,
        p50_finish=forecast.p50_finish,
        p80_finish=forecast.p80_finish,
        history_count=forecast.history_count,
        min_probability=threshold,
        chance_percent=None if on_time is None else on_time * 100 // forecast.runs,
    )


def _validate_fields(handoff: Handoff, deal: Deal) -> dict[str, list[str]]:
    """The checks each field gets whenever it is set, draft or not."""
    errors: dict[str, list[str]] = {}
    stakeholder = handoff.main_stakeholder
    if stakeholder is not None and stakeholder.company_id != deal.company_id:
        errors["main_stakeholder_id"] = [
            f"{stakeholder.full_name} is not a contact of {deal.company.name}."
        ]
    lead = handoff.delivery_lead
    if lead is not None and not (lead.is_active and lead.has_role(Role.DELIVERY_LEAD)):
        errors["delivery_lead_id"] = [f"{lead.display_name} is not a delivery lead."]
    template = handoff.template
    if template is not None and not template.is_active:
        errors["template_id"] = ["This template is no longer in use."]
    try:
        # The field policy (accepted years, no NUL bytes) of every value, set or not.
        handoff.full_clean(
            exclude=["deal", "main_stakeholder", "template", "delivery_lead", "project"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if (
        handoff.promised_date
        and handoff.kickoff_date
        and handoff.promised_date < handoff.kickoff_date
    ):
        errors["promised_date"] = ["The promised date is before the kickoff date."]
    return errors


def _require_edit(by: User, deal: Deal) -> None:
    if not by.has_perm("crm.change_deal", deal):
        raise PermissionDenied("Only the deal's owner or a sales manager can edit its handoff.")


# The handoff's other fields a draft may set (TEXT_FIELDS are trimmed text).
DRAFT_FIELDS = ("promised_date", "kickoff_date", "main_stakeholder", "template", "delivery_lead")


@transaction.atomic
def handoff_save_draft(
    *, deal: Deal, by: User, version: int | None = None, **fields: Any
) -> Handoff:
    """Save what is known so far, at any stage; each given field is checked."""
    _require_edit(by, deal)
    # The deal's row lock serialises a deal's handoff writes (the first one creates the row).
    Deal.objects.select_for_update().filter(pk=deal.pk).first()
    handoff = handoff_for(deal)
    if handoff.project_id:
        raise ValidationError({"handoff": ["This deal is won; its handoff is final."]})
    if handoff.pk:
        check_version(
            handoff, version, "Someone else changed this handoff meanwhile; reload and try again."
        )
    changed = [name for name in (*TEXT_FIELDS, *DRAFT_FIELDS) if name in fields]
    for name in TEXT_FIELDS:
        if name in fields:
            setattr(handoff, name, (fields[name] or "").strip())
    for name in DRAFT_FIELDS:
        if name in fields:
            setattr(handoff, name, fields[name])
    errors = _validate_fields(handoff, deal)
    if errors:
        raise ValidationError(errors)
    if handoff.pk:
        return save_row(handoff, changed)
    handoff.save()
    return handoff


def _check_complete(handoff: Handoff, deal: Deal, today: dt.date) -> dict[str, list[str]]:
    errors = {name: [REQUIRED_MESSAGES[name]] for name in handoff_missing(handoff)}
    for name, messages in _validate_fields(handoff, deal).items():
        errors.setdefault(name, []).extend(messages)
    if handoff.kickoff_date and handoff.kickoff_date < today:
        errors.setdefault("kickoff_date", []).append("The kickoff date cannot be in the past.")
    return errors


def win_refusals(
    *,
    deal: Deal,
    handoff: Handoff,
    today: dt.date,
    override_reason: str = "",
    check: PromiseCheck | None = None,
) -> dict[str, list[str]]:
    """Why ``deal_win`` would refuse to win this deal with this handoff now, field by field
    (empty: the win goes through). The one win check: the gate asks it, and so does the
    handoff panel's badge, so the badge never says more than the gate allows. ``check``:
    this handoff's ``promise_check`` when the caller has it already (it is not redone)."""
    if deal.stage not in (Stage.PROPOSAL, Stage.NEGOTIATION):
        return {
            "stage": [f"A deal in {deal.get_stage_display()} cannot be won yet: propose first."]
        }
    errors = _check_complete(handoff, deal, today)
    if errors:
        return errors
    if check is None:
        check = promise_check(
            template=handoff.template,
            kickoff_date=handoff.kickoff_date,
            promised_date=handoff.promised_date,
        )
    if check.error:
        return {"kickoff_date": [check.error]}
    if check.ok is False and not (override_reason or "").strip() and check.history_count:
        return {
            "override_reason": [
                f"The chance of finishing by the promised {format_date(check.promised_date)} "
                f"is {check.chance_percent}%, under the {check.min_probability}% required "
                f"(from {check.history_count} finished projects). Record why you win anyway, "
                "or change the promise, kickoff or template."
            ]
        }
    if check.ok is False and not (override_reason or "").strip():
        return {
            "override_reason": [
                f"The plan finishes on {format_date(check.planned_finish)}, after the promised "
                f"{format_date(check.promised_date)}. Record why you win anyway, or change "
                "the promise, kickoff or template."
            ]
        }
    return {}


@transaction.atomic
def deal_win(
    *,
    deal: Deal,
    by: User,
    override_reason: str = "",
    version: int | None = None,
    **fields: Any,
) -> Deal:
    """Win a deal: R5 gate, R7 promise check, the ``win`` transition and R6's kickoff project,
    all in one transaction on the locked deal row. ``fields`` may complete the handoff in
    the same step; ``version``, the deal version the caller read, refuses a stale win."""
    _require_edit(by, deal)
    today = timezone.localdate(timezone.now(), by.zone)
    try:
        locked = Deal.objects.select_for_update().select_related("company").get(pk=deal.pk)
    except Deal.DoesNotExist as error:
        raise EditConflict("This deal no longer exists.") from error
    if locked.stage == Stage.WON:
        raise EditConflict("This deal has already been won; its project exists.")
    if locked.stage != deal.stage or (version is not None and int(version) != locked.version):
        raise EditConflict("Someone else changed this deal meanwhile; reload and try again.")
    if locked.stage not in (Stage.PROPOSAL, Stage.NEGOTIATION):
        raise ValidationError(win_refusals(deal=locked, handoff=Handoff(deal=locked), today=today))
    if fields:
        handoff_save_draft(deal=locked, by=by, **fields)
    handoff = handoff_for(locked)
    override_reason = (override_reason or "").strip()
    check = promise_check(
        template=handoff.template,
        kickoff_date=handoff.kickoff_date,
        promised_date=handoff.promised_date,
    )
    errors = win_refusals(
        deal=locked, handoff=handoff, today=today, override_reason=override_reason, check=check
    )
    if errors:
        raise ValidationError(errors)
    if check.ok:
        override_reason = ""
    permit = WinPermit(handoff_id=handoff.pk)
    won = crm_services.deal_win(deal=locked, by=by, override_reason=override_reason, permit=permit)
    assert handoff.template and handoff.kickoff_date and handoff.delivery_lead
    project = project_services.project_create_from_template(
        by=by,
        template=handoff.template,
        name=won.title,
        start_date=handoff.kickoff_date,
        delivery_lead=handoff.delivery_lead,
        company=won.company,
        description=handoff.scope_summary,
        promised_date=handoff.promised_date,
        permit=permit,  # the rep who wins may not create projects; the gate vouches
    )
    handoff.project = project
    handoff.override_reason = override_reason
    handoff.completed_at = timezone.now()
    handoff.completed_by = by
    try:
        with transaction.atomic():
            handoff.save(
                update_fields=["project", "override_reason", "completed_at", "completed_by"]
            )
    except IntegrityError as error:
        raise EditConflict("This deal's project was created meanwhile.") from error
    project_services.project_announce(project=project, permit=permit, deal_id=won.pk)
    return won
