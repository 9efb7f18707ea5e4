"""My work, search and the dashboards: HTTP only; selectors and widgets do the reading."""

import rules
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from crm import selectors as crm_selectors
from crm.http import csv_response, wants_csv
from crm.models import stale_limits
from dashboards import hooks, selectors
from dashboards.forms import SalesFilterForm
from dashboards.widgets import (
    DEFAULT_PERIOD,
    DELIVERY_WIDGETS,
    SALES_WIDGETS,
    DeliveryQuery,
    SalesQuery,
    Widget,
    delivery_load,
    delivery_widget_names,
)
from inputs.text import clean_query_text
from projects import selectors as project_selectors


@require_GET
def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The home of each role: a rep's day, a manager's team, a delivery lead's projects and
    team load, a member's tasks (several at once for someone with several roles)."""
    user, now = request.user, timezone.now()
    # The rules alone (as the navigation): no database permission lookups.
    can_sell = rules.has_perm("crm.add_deal", user)
    context: dict[str, object] = {"can_sell": can_sell}
    if can_sell:
        limits = stale_limits()
        context["next_actions"] = crm_selectors.my_next_actions(user=user, now=now)
        context["recent_activity"] = crm_selectors.recent_activity(user=user)
        stuck, total = crm_selectors.my_stuck_deals(user=user, now=now, limits=limits)
        context["stuck_deals"], context["stuck_total"] = stuck, total
        # The team's figures are a report over every open deal: they load on their own
        # (``my_work_team``), after the manager's own day.
        context["shows_team"] = selectors.can_see_team(user)
    delivery = project_selectors.my_work_context(user)
    context.update(delivery)
    if delivery.get("leads_projects"):
        query = DeliveryQuery(user=user, now=now, weeks=4, lead_id=user.pk)
        context["team_load"] = delivery_load(query)
    return render(request, "dashboards/my_work.html", context)


@require_GET
def my_work_team(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A sales manager's team on My work: the part the home loads after the manager's own
    day (htmx swaps it in), or a page of its own when opened without htmx."""
    user = request.user
    if not selectors.can_see_team(user):
        raise PermissionDenied("The team's figures are for sales managers.")
    team = selectors.team_home(now=timezone.now(), zone=user.zone)
    if request.htmx:
        return render(request, "dashboards/my_work.html#team-sales", {"team": team})
    return render(request, "dashboards/my_work_team.html", {"team": team})


# The best matches of each kind on the search page; a full list is one click on.
SEARCH_LIMIT = 20


@require_GET
def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = clean_query_text(request.GET.get("q"))
    results = None
    if q.strip():
        results = crm_selectors.search(user=request.user, q=q, limit=SEARCH_LIMIT)
        results["projects"] = list(
            project_selectors.project_list_for_user(request.user, q=q)[:SEARCH_LIMIT]
        )
    context = {"q": q, "results": results, "limit": SEARCH_LIMIT}
    return render(request, "dashboards/search.html", context)


def _csv_query(request: AuthenticatedHttpRequest) -> str:
    """The current filters as a query string ending in "&" (or empty), for CSV links."""
    query = request.GET.copy()
    for key in ("format", "widget"):
        query.pop(key, None)
    encoded = query.urlencode()
    return f"{encoded}&" if encoded else ""


def _widget_csv(widget: Widget, prefix: str) -> HttpResponseBase:
    return csv_response(f"{prefix}-{widget.name}.csv", widget.csv_header(), widget.csv_rows())


def _tabs(request: AuthenticatedHttpRequest) -> dict[str, bool]:
    return {
        "can_see_sales": selectors.can_see_sales_dashboard(request.user),
        "can_see_delivery": selectors.can_see_delivery_dashboard(request.user),
    }


@require_GET
def sales(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if not selectors.can_see_sales_dashboard(request.user):
        raise PermissionDenied("The sales dashboard is for sales and admins.")
    form = SalesFilterForm(request.GET)
    query = SalesQuery(user=request.user, now=timezone.now())
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        query.owner_id = owner.pk if owner else None
        query.period_key = form.cleaned_data["period"] or DEFAULT_PERIOD
    added = hooks.sales_widgets()  # what apps above add (dashboards.hooks)
    builders = {**added, **SALES_WIDGETS}
    if wants_csv(request):
        build = builders.get(request.GET.get("widget", ""))
        if build is None:
            return HttpResponseBadRequest("Unknown widget.")
        return _widget_csv(build(query), "sales")
    widgets = {name: build(query) for name, build in builders.items()}
    context = {
        "form": form,
        "query": query,
        "period": query.period,
        "w": widgets,
        "added_widgets": [widgets[name] for name in added if name not in SALES_WIDGETS],
        "csv_query": _csv_query(request),
        **_tabs(request),
    }
    return render(request, "dashboards/sales.html", context)


@require_GET
def delivery(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if not selectors.can_see_delivery_dashboard(request.user):
        raise PermissionDenied("The delivery dashboard is for delivery, sales managers and admins.")
    query = DeliveryQuery(user=request.user, now=timezone.now())
    names = delivery_widget_names(query)
    if wants_csv(request):
        name = request.GET.get("widget", "")
        if name == "demand" and not selectors.can_see_delivery_demand(request.user):
            # Not an unknown widget but a forbidden one (403), as in the API.
            raise PermissionDenied(
                "Delivery demand is for delivery leads, sales managers and admins."
            )
        if name not in names:
            return HttpResponseBadRequest("Unknown widget.")
        return _widget_csv(DELIVERY_WIDGETS[name](query), "delivery")
    widgets = {name: DELIVERY_WIDGETS[name](query) for name in names}
    context = {
        "query": query,
        "w": widgets,
        "csv_query": _csv_query(request),
        **_tabs(request),
    }
    return render(request, "dashboards/delivery.html", context)
