from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from api.urls import api_urls


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api_urls),
    path("reminders/", include("reminders.urls")),
    path("projects/", include("projects.urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("crm.urls")),
    path("", include("handoff.urls")),
    path("", include("dashboards.urls")),
    path("", include("imports.urls")),
    path("", include("inbox.urls")),
    path("", include("calendars.urls")),
    path("", include("webhooks.urls")),
    path("", include("webforms.urls")),
]

admin.site.site_header = "Relay administration"
admin.site.site_title = "Relay admin"
admin.site.index_title = "Set up Relay"
