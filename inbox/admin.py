"""The inbox in the admin: every message read from the mailbox (read-only, with filters
and search), the mailbox's state (last UID, last error), and "Poll the mailbox now"."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from inbox import services
from inbox.models import InboundEmail, MailboxState
from records.admin import ReadOnlyAdmin


@admin.register(InboundEmail)
class InboundEmailAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "subject",
        "from_address",
        "status",
        "deal",
        "company",
        "forwarded_by",
        "sent_at",
    ]
    list_filter = ["status", "synthesized_id", "received_at"]
    search_fields = ["subject", "from_address", "from_name", "message_id"]
    list_select_related = ["deal", "company", "forwarded_by"]
    date_hierarchy = "received_at"
    change_list_template = "admin/inbox/inboundemail/change_list.html"
    readonly_fields = [
        "message_id",
        "synthesized_id",
        "from_address",
        "from_name",
        "to",
        "cc",
        "forwarded",
        "subject",
        "text",
        "sent_at",
        "received_at",
        "mailbox",
        "uid",
        "status",
        "forwarded_by",
        "deal",
        "company",
        "contact",
        "activity",
        "decided_by",
        "decided_at",
    ]

    def get_urls(self) -> list[URLPattern]:
        # The admin's own sign-in guards it (admin_view: staff only), as for its site views.
        poll = login_not_required(self.admin_site.admin_view(require_POST(self.poll_view)))
        return [path("poll/", poll, name="inbox_inboundemail_poll"), *super().get_urls()]

    def poll_view(self, request: HttpRequest) -> HttpResponse:
        """Poll the mailbox now: what the beat task does every 2 minutes."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        result = services.mailbox_poll()
        failed = not result.configured or result.error
        self.message_user(request, str(result), messages.WARNING if failed else messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:inbox_inboundemail_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {"inbox_configured": services.is_configured(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)


@admin.register(MailboxState)
class MailboxStateAdmin(ReadOnlyAdmin):
    list_display = ["key", "uidvalidity", "last_uid", "last_polled_at", "last_error"]
    readonly_fields = ["key", "uidvalidity", "last_uid", "last_polled_at", "last_error"]
