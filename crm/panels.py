"""Panels that apps above the CRM add to its deal page, without the CRM importing them.

An app registers a function ``(request, deal) -> HTML or None`` in its ``AppConfig.ready``;
the deal page renders each one in its sidebar (the handoff panel, the linked project).
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from crm.models import Deal

DealPanel = Callable[[HttpRequest, Deal], SafeString | None]
_deal_panels: list[DealPanel] = []


def register_deal_panel(panel: DealPanel) -> None:
    if panel not in _deal_panels:
        _deal_panels.append(panel)


def deal_panels(request: HttpRequest, deal: Deal) -> list[SafeString]:
    return [html for panel in _deal_panels if (html := panel(request, deal))]
