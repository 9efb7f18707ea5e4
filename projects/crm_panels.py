"""What delivery adds to the CRM's pages through ``crm.panels`` (the CRM imports nothing
from here): the Projects section of a company page."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.models import Company
from crm.panels import register_company_panel
from projects import selectors


def company_projects_panel(request: HttpRequest, company: Company) -> SafeString | None:
    """The company's projects the user may see; nothing for a user who sees no project."""
    found = selectors.company_projects_for_user(request.user, company.pk)
    if found is None:
        return None
    projects, total = found
    context = {"company": company, "projects": projects, "total": total}
    return SafeString(render_to_string("projects/_company_projects.html", context, request=request))


def register() -> None:
    register_company_panel(company_projects_panel)
