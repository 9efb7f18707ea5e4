from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet

from accounts.http import AuthenticatedHttpRequest
from crm.exceptions import EditConflict
from handoff import services
from handoff.models import Handoff


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    """Handoffs are read here; winning goes through the gate (the action below)."""

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

    def has_add_permission(self, request: AuthenticatedHttpRequest) -> bool:  # type: ignore[override]
        return False

    @admin.action(description="Win the deals of the selected handoffs (runs the handoff gate)")
    def win(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Handoff]) -> None:
        for handoff in queryset.select_related("deal"):
            try:
                services.deal_win(deal=handoff.deal, by=request.user)
            except ValidationError as error:
                problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
                self.message_user(request, f"“{handoff.deal}” not won: {problems}", messages.ERROR)
            except (PermissionDenied, EditConflict) as error:
                self.message_user(request, f"“{handoff.deal}” not won: {error}", messages.ERROR)
            else:
                self.message_user(
                    request, f"“{handoff.deal}” won; its project was created.", messages.SUCCESS
                )
