from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from reminders.models import OutboxEmail, ReminderPreference, Transactional
from reminders.services import outbox_retry


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows are written by the planner and changed by the sender; the
    one thing an admin does is "Retry" (through ``outbox_retry``)."""

    list_display = [
        "idempotency_key",
        "kind",
        "to_address",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["idempotency_key", "to_address", "subject"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    actions = ["retry"]
    fields = readonly_fields = (
        "idempotency_key",
        "kind",
        "recipient",
        "to_address",
        "subject",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "headers",
        "body",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The outbox is the record of what was sent; deleting a row would also let the
        # planner decide the same email again.
        return False

    @admin.display(description="Last error")
    def short_error(self, obj: OutboxEmail) -> str:
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.display(description="Body text")
    def body(self, obj: OutboxEmail) -> str:
        if obj.kind == Transactional.PASSWORD_RESET:
            return "(Not shown: it holds a link that sets this user's password.)"
        return obj.body_text

    @admin.action(description="Retry selected emails (failed or waiting) now", permissions=["view"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxEmail]) -> None:
        assert isinstance(request.user, User)
        outcome = outbox_retry(emails=queryset, by=request.user)
        count = outcome.queued
        skipped = queryset.count() - count
        if outcome.sender_started is False:
            self.message_user(
                request,
                f"Queued {count} email(s) to send again. The task queue cannot be reached "
                "right now; they will be sent by the next outbox sweep once it is back.",
                messages.WARNING,
            )
        else:
            self.message_user(request, f"Queued {count} email(s) to send again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} email(s) already sent; they are never resent.",
                messages.WARNING,
            )


@admin.register(ReminderPreference)
class ReminderPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "next_actions", "tasks", "approvals", "stale_deals", "mentions"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    list_filter = ["next_actions", "tasks", "approvals", "stale_deals", "mentions"]

    # Each user sets their own at /reminders/preferences/; admins only look.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
