"""The handoff's panel on the CRM's deal page (registered, so the CRM imports nothing here)."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.models import Deal, Stage
from crm.panels import register_deal_panel
from handoff import selectors


def deal_handoff_panel(request: HttpRequest, deal: Deal) -> SafeString | None:
    """Open deals: the handoff draft and the win form. Won deals: the handoff and project."""
    if deal.stage == Stage.LOST:
        return None
    context = selectors.handoff_panel_context(user=request.user, deal=deal)  # type: ignore[arg-type]
    return SafeString(render_to_string("handoff/_deal_panel.html", context, request=request))


def register() -> None:
    register_deal_panel(deal_handoff_panel)
