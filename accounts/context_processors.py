"""Site navigation: the top-level screens that exist, marking the current one."""

import contextlib

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

NAVIGATION = [
    ("My work", "dashboards:my-work"),
    ("Pipeline", "crm:pipeline"),
    ("Deals", "crm:deal-list"),
    ("Companies", "crm:company-list"),
    ("Contacts", "crm:contact-list"),
    ("Projects", "projects:project-list"),
    ("Dashboards", "dashboards:sales"),
]


def _nav_items(path: str) -> list[dict[str, object]]:
    items = []
    for label, name in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        current = path == url if url == "/" else path.startswith(url)
        items.append({"label": label, "url": url, "current": current})
    return items


def navigation(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    search_url = None
    with contextlib.suppress(NoReverseMatch):
        search_url = reverse("dashboards:search")
    return {"nav_items": _nav_items(request.path), "search_url": search_url}
