"""Reads for the handoff: the panel's context, a project's progress for sales."""

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_matching
from crm.models import Deal, Stage
from handoff.forms import HandoffForm, WinForm
from handoff.models import Handoff
from handoff.services import (
    REFUSAL_LABELS,
    REQUIRED_LABELS,
    REQUIRED_MESSAGES,
    PromiseCheck,
    handoff_for,
    handoff_missing,
    promise_check,
    win_refusals,
)
from inputs.picker import PickerField
from inputs.text import clean_query_text
from projects.models import Task, TaskStatus
from projects.selectors import delivery_leads, project_visible_q

EDITABLE = (
    "scope_summary",
    "promised_timeline",
    "key_constraints",
    "promised_date",
    "kickoff_date",
    "main_stakeholder",
    "template",
    "delivery_lead",
)


def project_progress(project_id: int) -> dict[str, int]:
    counts = Task.objects.filter(project_id=project_id).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE))
    )
    total, done = counts["total"], counts["done"]
    return {"total": total, "done": done, "percent": round(100 * done / total) if total else 0}


def deal_project_ids(*, user: User, deal_ids: list[int]) -> dict[int, int]:
    """The kickoff project of each won deal among ``deal_ids`` that ``user`` may open (one
    query for a page of deals): a deal never points at a project its reader cannot see."""
    return dict(
        Handoff.objects.filter(
            project_visible_q(user, "project__"), deal_id__in=deal_ids
        ).values_list("deal_id", "project_id")
    )


def handoff_initial(handoff: Handoff) -> dict[str, Any]:
    return {
        "version": handoff.version if handoff.pk else None,
        "scope_summary": handoff.scope_summary,
        "promised_date": handoff.promised_date,
        "promised_timeline": handoff.promised_timeline,
        "key_constraints": handoff.key_constraints,
        "main_stakeholder": handoff.main_stakeholder_id,
        "kickoff_date": handoff.kickoff_date,
        "template": handoff.template_id,
        "delivery_lead": handoff.delivery_lead_id,
    }


def handoff_panel_context(
    *, user: User, deal: Deal, form: HandoffForm | None = None
) -> dict[str, Any]:
    handoff = handoff_for(deal)
    # The kickoff project, when the reader may open it (a rep reads another rep's won deal,
    # not its project).
    project_id = (
        deal_project_ids(user=user, deal_ids=[deal.pk]).get(deal.pk) if handoff.project_id else None
    )
    can_edit = deal.is_open and user.has_perm("crm.change_deal", deal)
    can_win = can_edit and deal.stage in (Stage.PROPOSAL, Stage.NEGOTIATION)
    if form is None and can_edit:
        form_class = WinForm if can_win else HandoffForm
        form = form_class(initial=handoff_initial(handoff), deal=deal)
        # The pickers label the saved choices from the objects read with the handoff.
        for name in ("main_stakeholder", "delivery_lead"):
            picker = form.fields[name]
            if isinstance(picker, PickerField):
                picker.remember(getattr(handoff, name))
    shown = handoff
    if form is not None and form.is_bound and hasattr(form, "cleaned_data"):
        # A refused form: check what the user entered, not what was saved before.
        shown = Handoff(deal=deal)
        for name in EDITABLE:
            setattr(shown, name, form.cleaned_data.get(name, getattr(handoff, name)))
    check = promise_check(
        template=shown.template, kickoff_date=shown.kickoff_date, promised_date=shown.promised_date
    )
    missing = handoff_missing(shown)
    override = (
        form["override_reason"] if form is not None and "override_reason" in form.fields else None
    )
    override_value = (override.value() if override is not None else "") or ""
    return {
        **win_status(
            user=user,
            deal=deal,
            handoff=shown,
            missing=missing,
            override=override_value,
            check=check,
        ),
        "deal": deal,
        "handoff": handoff,
        "missing": missing,
        "missing_labels": [REQUIRED_LABELS[name] for name in missing],
        "override_value": override_value,
        "override_errors": override.errors if override is not None else [],
        "check": check,
        "form": form,
        "can_edit": can_edit,
        "can_win": can_win,
        "show_project": project_id is not None,
        "progress": project_progress(project_id) if project_id is not None else None,
    }


def win_status(
    *,
    user: User,
    deal: Deal,
    handoff: Handoff,
    missing: list[str],
    override: str,
    check: PromiseCheck | None = None,
) -> dict[str, Any]:
    """The panel's badge and reasons: what the win check (``win_refusals``, the gate's own)
    says of this handoff now, never more."""
    if handoff.project_id or deal.stage == Stage.WON:
        return {"win_badge": "Won", "win_ready": True, "win_blockers": []}
    today = timezone.localdate(timezone.now(), user.zone)
    refusals = win_refusals(
        deal=deal, handoff=handoff, today=today, override_reason=override, check=check
    )
    if not refusals:
        return {"win_badge": "Ready to win", "win_ready": True, "win_blockers": []}
    blockers = [message for messages in refusals.values() for message in messages]
    if "stage" in refusals:
        badge = "Blocked: propose first"
    elif missing:
        badge = f"Blocked: {len(missing)} missing"
        missing_messages = {REQUIRED_MESSAGES[name] for name in missing}
        blockers = [
            "Still needed to win: " + ", ".join(REQUIRED_LABELS[n] for n in missing) + ".",
            *(m for m in blockers if m not in missing_messages),
        ]
    else:
        badge = "Blocked: " + ", ".join(REFUSAL_LABELS.get(name, name) for name in refusals)
    if "stage" in refusals and missing:
        blockers.append(
            "Still needed to win: " + ", ".join(REQUIRED_LABELS[n] for n in missing) + "."
        )
    return {"win_badge": badge, "win_ready": False, "win_blockers": blockers}


def delivery_lead_choices(*, q: str | None = None, limit: int = 20) -> list[User]:
    """The handoff's delivery lead picker's suggestions for ``q``: delivery leads only."""
    return list(users_matching(delivery_leads(admins=False), clean_query_text(q))[:limit])
