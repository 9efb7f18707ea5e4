from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from crm import selectors as crm_selectors
from projects import selectors as project_selectors


def my_work(request: AuthenticatedHttpRequest) -> HttpResponse:
    context: dict[str, object] = {}
    if request.user.has_perm("crm.add_deal"):
        context["next_actions"] = crm_selectors.my_next_actions(user=request.user)
        context["recent_activity"] = crm_selectors.recent_activity(user=request.user)
    context.update(project_selectors.my_work_context(request.user))
    return render(request, "dashboards/my_work.html", context)


def search(request: AuthenticatedHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200]
    results = crm_selectors.search(user=request.user, q=q) if q.strip() else None
    return render(request, "dashboards/search.html", {"q": q, "results": results})
