"""Webhooks in the admin: endpoints (registered and changed through the services, the secret
shown once after creation), and the delivery log, read-only, with "Retry now"."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts.http import AuthenticatedHttpRequest
from crm.http import apply_errors
from records import EditConflict
from records.events import EVENT_TYPES
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint


def _refusal(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


class EndpointForm(forms.ModelForm):
    """The URL, its events (one checkbox each) and a description; ``clean`` runs the service
    in a rolled-back transaction, so its refusals (a private address...) show on the form."""

    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="The events this endpoint receives.",
    )
    request: AuthenticatedHttpRequest

    class Meta:
        model = Endpoint
        fields = ["url", "events", "description"]

    def _post_clean(self) -> None:
        """The service validates (see ``clean``); the instance stays untouched."""

    def save_through_service(self) -> Endpoint:
        url = str(self.cleaned_data.get("url") or "")
        events = list(self.cleaned_data.get("events") or [])
        description = str(self.cleaned_data.get("description") or "")
        if self.instance.pk:
            return services.endpoint_update(
                by=self.request.user,
                endpoint=self.instance,
                url=url,
                events=events,
                description=description,
            )
        return services.endpoint_create(
            by=self.request.user, url=url, events=events, description=description
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            with transaction.atomic():
                self.save_through_service()
                transaction.set_rollback(True)
        except ValidationError as error:
            apply_errors(self, error)
        except (PermissionDenied, EditConflict) as error:
            self.add_error(None, str(error) or "You are not allowed to do this.")
        return data


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = [
        "url",
        "event_list",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "created_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["url", "description"]
    readonly_fields = (
        "signing_secret",
        "is_active",
        "disabled_at",
        "disabled_reason",
        "consecutive_failures",
        "created_by",
        "created_at",
    )
    actions = ["enable_again", "send_test_event"]

    @admin.display(description="Events")
    def event_list(self, obj: Endpoint) -> str:
        return ", ".join(obj.events)

    @admin.display(description="Signing secret")
    def signing_secret(self, obj: Endpoint) -> str:
        if not obj.pk:
            return "Made when you save; shown once, on the next page."
        return f"{obj.masked_secret} (shown only once, after the endpoint was added)"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["url", "events", "description"]
        return fields + (list(self.readonly_fields) if obj is not None else [])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return list(self.readonly_fields) if obj is not None else []

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.request = request  # type: ignore[attr-defined]
        return form_class

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        saved = form.save_through_service()
        for column in Endpoint._meta.concrete_fields:
            setattr(obj, column.attname, getattr(saved, column.attname))
        obj._state.adding = False

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None):
        self.message_user(
            request,
            f"Copy this endpoint's signing secret now; it is not shown again: {obj.secret}",
            messages.WARNING,
        )
        return super().response_add(request, obj, post_url_continue)

    def delete_model(self, request: Any, obj: Endpoint) -> None:
        services.endpoint_delete(by=request.user, endpoint=obj)

    def delete_queryset(self, request: Any, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            services.endpoint_delete(by=request.user, endpoint=endpoint)

    @admin.action(description="Enable again (disabled endpoints)", permissions=["change"])
    def enable_again(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Endpoint]
    ) -> HttpResponse | None:
        disabled = [endpoint for endpoint in queryset if not endpoint.is_active]
        try:
            for endpoint in disabled:
                services.endpoint_enable(by=request.user, endpoint=endpoint)
        except (PermissionDenied, EditConflict) as error:
            self.message_user(request, f"Nothing enabled: {error}", messages.ERROR)
            return None
        skipped = queryset.count() - len(disabled)
        self.message_user(
            request,
            f"Enabled {len(disabled)} endpoint(s) again; their pending deliveries are due now."
            + (f" {skipped} were active already." if skipped else ""),
            messages.SUCCESS,
        )
        return None

    @admin.action(description="Send a test event", permissions=["change"])
    def send_test_event(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Endpoint]
    ) -> HttpResponse | None:
        sent, refused = 0, []
        for endpoint in queryset:
            try:
                services.endpoint_send_test(by=request.user, endpoint=endpoint)
            except ValidationError as error:
                refused.append(f"{endpoint.url}: {_refusal(error)}")
            except (PermissionDenied, EditConflict) as error:
                refused.append(f"{endpoint.url}: {error}")
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                f"Queued a webhook.test event to {sent} endpoint(s); see its deliveries.",
                messages.SUCCESS,
            )
        for line in refused:
            self.message_user(request, f"Not sent to {line}", messages.ERROR)
        return None


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = ("at", "status_code", "duration_ms", "error", "response_body")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, read-only: rows are written with their events and changed by the sender;
    an admin's one action is "Retry now" (``delivery_retry``)."""

    list_display = [
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "event_type", "created_at"]
    search_fields = ["event_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "endpoint",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "last_status_code",
        "last_error",
        "payload",
    )
    inlines = [AttemptInline]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The log of what was sent; deleting the endpoint removes it with it.
        return False

    @admin.action(description="Retry now (failed or waiting deliveries)", permissions=["view"])
    def retry_now(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Delivery]
    ) -> HttpResponse | None:
        try:
            queued = services.delivery_retry(by=request.user, deliveries=queryset)
        except PermissionDenied as error:
            self.message_user(request, f"Nothing retried: {error}", messages.ERROR)
            return None
        self.message_user(request, f"Queued {queued} delivery(ies) to send now.", messages.SUCCESS)
        skipped = queryset.count() - queued
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} delivery(ies) already sent; they are never sent again.",
                messages.WARNING,
            )
        return None
