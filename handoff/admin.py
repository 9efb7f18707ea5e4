from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.http import AuthenticatedHttpRequest
from crm.admin import describe_refusal
from handoff import services
from handoff.models import Handoff, PromiseSettings
from records import EditConflict
from records.admin import ReadOnlyAdmin


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    """Handoffs are only read here; they are drafted on the deal's page and winning goes
    through the gate (the action below). None is edited or deleted here: a won deal's
    handoff joins it to its project, and a draft belongs to its deal's owner."""

    list_display = [
        "deal",
        "kickoff_date",
        "promised_date",
        "delivery_lead",
        "project",
        "completed_at",
    ]
    list_select_related = ["deal", "delivery_lead", "project"]
    search_fields = ["deal__title"]
    readonly_fields = [
        "deal",
        "scope_summary",
        "promised_date",
        "promised_timeline",
        "key_constraints",
        "main_stakeholder",
        "kickoff_date",
        "template",
        "delivery_lead",
        "override_reason",
        "project",
        "completed_at",
        "completed_by",
    ]
    actions = ["win"]

    @admin.action(description="Win the deals of the selected handoffs (runs the handoff gate)")
    def win(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Handoff]) -> None:
        for handoff in queryset.select_related("deal"):
            try:
                services.deal_win(deal=handoff.deal, by=request.user)
            except ValidationError as error:
                problems = describe_refusal(error)
                self.message_user(request, f"“{handoff.deal}” not won: {problems}", messages.ERROR)
            except (PermissionDenied, EditConflict) as error:
                self.message_user(request, f"“{handoff.deal}” not won: {error}", messages.ERROR)
            else:
                self.message_user(
                    request, f"“{handoff.deal}” won; its project was created.", messages.SUCCESS
                )


@admin.register(PromiseSettings)
class PromiseSettingsAdmin(admin.ModelAdmin):
    """The one row of the promise check's settings; saved through the service."""

    list_display = ["__str__", "updated_at"]
    fields = ["min_probability"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not PromiseSettings.objects.filter(pk=1).exists()

    def has_delete_permission(
        self, request: HttpRequest, obj: PromiseSettings | None = None
    ) -> bool:
        return False

    def save_model(self, request: Any, obj: PromiseSettings, form: Any, change: bool) -> None:
        saved = services.promise_settings_update(
            by=request.user, min_probability=obj.min_probability
        )
        obj.pk = saved.pk
        obj._state.adding = False
