"""Panels that apps above projects add to the project page (the handoff's deal context),
and extra visibility they grant, without projects importing them."""

from collections.abc import Callable

from django.db.models import Q
from django.http import HttpRequest
from django.utils.safestring import SafeString

from accounts.models import User
from projects.models import Project

ProjectPanel = Callable[[HttpRequest, Project], SafeString | None]
VisibilityExtension = Callable[[User, str], Q]
_project_panels: list[ProjectPanel] = []
_visibility: list[VisibilityExtension] = []


def register_project_panel(panel: ProjectPanel) -> None:
    if panel not in _project_panels:
        _project_panels.append(panel)


def project_panels(request: HttpRequest, project: Project) -> list[SafeString]:
    return [html for panel in _project_panels if (html := panel(request, project))]


def register_visibility(extension: VisibilityExtension) -> None:
    """``extension(user, prefix)`` returns a filter of more projects ``user`` may read."""
    if extension not in _visibility:
        _visibility.append(extension)


def extra_visibility(user: User, prefix: str = "") -> Q | None:
    result: Q | None = None
    for extension in _visibility:
        q = extension(user, prefix)
        result = q if result is None else result | q
    return result
