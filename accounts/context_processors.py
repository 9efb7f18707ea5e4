"""Site navigation: the top-level screens that exist, marking the current one."""

import contextlib

import rules
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# (label, URL name, the rules permission needed or None, the path prefix it is current for).
# Where a label repeats, the first entry the user may open wins.
NAVIGATION = [
    ("My work", "dashboards:my-work", None, None),
    ("Pipeline", "crm:pipeline", "crm.add_deal", None),
    ("Deals", "crm:deal-list", "crm.add_deal", None),
    ("Companies", "crm:company-list", "crm.view_company", None),
    ("Contacts", "crm:contact-list", "crm.view_contact", None),
    ("Projects", "projects:project-list", None, None),
    ("Dashboards", "dashboards:sales", "dashboards.view_sales", "/dashboards/"),
    ("Dashboards", "dashboards:delivery", "dashboards.view_delivery", "/dashboards/"),
    ("Inbox", "inbox:review-list", "inbox.review_email", None),
]


def _nav_items(request: HttpRequest) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    shown: set[str] = set()
    for label, name, perm, prefix in NAVIGATION:
        # The rules alone: no database permission lookups on every page.
        if label in shown or (perm and not rules.has_perm(perm, request.user)):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        shown.add(label)
        path = request.path
        current = path == url if url == "/" else path.startswith(prefix or url)
        items.append({"label": label, "url": url, "current": current})
    return items


def navigation(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    search_url = None
    with contextlib.suppress(NoReverseMatch):
        search_url = reverse("dashboards:search")
    return {"nav_items": _nav_items(request), "search_url": search_url}
