"""The handoff's panel on the CRM's deal page (registered, so the CRM imports nothing here)."""

from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from accounts.models import User
from accounts.roles import Role
from crm.models import Deal, Stage
from crm.panels import register_deal_panel, register_deal_visibility
from handoff import selectors
from handoff.models import Handoff
from projects.models import Project
from projects.panels import register_project_panel, register_visibility


def deal_handoff_panel(request: HttpRequest, deal: Deal) -> SafeString | None:
    """Open deals: the handoff draft and the win form. Won deals: the handoff and project."""
    if deal.stage == Stage.LOST:
        return None
    # A refused form posted without htmx comes back on the whole deal page, as typed.
    form = getattr(request, "handoff_form", None)
    context = selectors.handoff_panel_context(user=request.user, deal=deal, form=form)  # type: ignore[arg-type]
    return SafeString(render_to_string("handoff/_deal_panel.html", context, request=request))


def project_context_panel(request: HttpRequest, project: Project) -> SafeString | None:
    """R6: the won deal's context on its kickoff project, with a link back to the deal."""
    handoff = (
        Handoff.objects.filter(project=project)
        .select_related("deal", "deal__company", "deal__owner", "main_stakeholder", "completed_by")
        .first()
    )
    if handoff is None:
        return None
    context = {"handoff": handoff, "deal": handoff.deal, "project": project}
    return SafeString(render_to_string("handoff/_project_panel.html", context, request=request))


def sales_see_their_won_projects(user: User, prefix: str) -> Q:
    """Sales read the projects of their own won deals; sales managers those of every deal."""
    if user.has_role(Role.SALES_MANAGER):
        return Q(**{f"{prefix}handoff__isnull": False})
    if user.has_role(Role.SALES_REP):
        return Q(**{f"{prefix}handoff__deal__owner_id": user.pk})
    return Q(pk__in=[])


def members_see_the_deals_of_their_projects(user: User) -> Q:
    """A delivery member reads the won deal behind a kickoff project they work on."""
    return Q(handoff__project__members=user) | Q(handoff__project__delivery_lead=user)


def register() -> None:
    register_deal_panel(deal_handoff_panel)
    register_deal_visibility(members_see_the_deals_of_their_projects)
    register_project_panel(project_context_panel)
    register_visibility(sales_see_their_won_projects)
