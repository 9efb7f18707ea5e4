"""What apps above the CRM add to it, without the CRM importing them (the CRM's one
registry of hooks):

- deal panels: an app registers a function ``(request, deal) -> HTML or None`` in its
  ``AppConfig.ready``; the deal page renders each one in its sidebar (the handoff panel,
  the linked project);
- deal visibility: a function ``(user) -> Q`` of the won deals a delivery member may read
  (handoff: those whose kickoff project the member works on);
- company panels: a function ``(request, company) -> HTML or None``, rendered in the main
  column of the company page (projects: the company's projects the user may see).
"""

from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest
from django.utils.safestring import SafeString

from accounts.models import User
from crm.models import Company, Deal

DealPanel = Callable[[HttpRequest, Deal], SafeString | None]
_deal_panels: list[DealPanel] = []


def register_deal_panel(panel: DealPanel) -> None:
    if panel not in _deal_panels:
        _deal_panels.append(panel)


def deal_panels(request: HttpRequest, deal: Deal) -> list[SafeString]:
    return [html for panel in _deal_panels if (html := panel(request, deal))]


DealVisibility = Callable[[User], Q]
_deal_visibility: list[DealVisibility] = []


def register_deal_visibility(extension: DealVisibility) -> None:
    if extension not in _deal_visibility:
        _deal_visibility.append(extension)


def member_deal_visibility(user: User) -> Q:
    """The won deals a delivery member may read: none, unless an app grants some."""
    result = Q(pk__in=[])
    for extension in _deal_visibility:
        result |= extension(user)
    return result


CompanyPanel = Callable[[HttpRequest, Company], SafeString | None]
_company_panels: list[CompanyPanel] = []


def register_company_panel(panel: CompanyPanel) -> None:
    if panel not in _company_panels:
        _company_panels.append(panel)


def company_panels(request: HttpRequest, company: Company) -> list[SafeString]:
    return [html for panel in _company_panels if (html := panel(request, company))]
