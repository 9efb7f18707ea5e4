"""Admin for set-up: stage settings, lead sources, lost reasons. Deals go through the services."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.http import AuthenticatedHttpRequest
from crm import services
from crm.exceptions import EditConflict
from crm.models import (
    Activity,
    Company,
    Contact,
    Deal,
    LeadSource,
    LostReason,
    StageChange,
    StageSetting,
)


@admin.register(StageSetting)
class StageSettingAdmin(admin.ModelAdmin):
    list_display = ["stage", "probability", "stale_after_days"]
    list_editable = ["probability", "stale_after_days"]


@admin.register(LeadSource)
class LeadSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "industry", "owner"]
    search_fields = ["name", "domain"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "company"]
    search_fields = ["first_name", "last_name", "email"]
    list_select_related = ["company"]
    autocomplete_fields = ["company", "owner"]


class DealAdminForm(forms.ModelForm):
    """Admin edits go through ``deal_create`` / ``deal_update``; their refusals show here."""

    request: AuthenticatedHttpRequest

    class Meta:
        model = Deal
        fields = [
            "title",
            "company",
            "contact",
            "owner",
            "amount",
            "source",
            "expected_close_date",
            "qualification_notes",
            "next_action",
            "next_action_due_date",
            "next_action_due_time",
        ]

    def _post_clean(self) -> None:
        """The services validate the deal (see ``clean``); the instance stays untouched."""

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        date, time = data.get("next_action_due_date"), data.get("next_action_due_time")
        due = (
            dt.datetime.combine(date, time).replace(tzinfo=self.request.user.zone)
            if date and time
            else date
        )
        kwargs = {name: data.get(name) for name in services.DEAL_FIELDS}
        return {
            **kwargs,
            "next_action": data.get("next_action") or "",
            "next_action_due": due,
            "owner": data.get("owner"),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            with transaction.atomic():  # a dry run: the real save happens in save_model
                _save_deal(
                    self.request, self.instance if self.instance.pk else None, self.service_kwargs()
                )
                transaction.set_rollback(True)
        except ValidationError as error:
            aliases = {
                "next_action_due": "next_action_due_date",
                "company_id": "company",
                "contact_id": "contact",
                "owner_id": "owner",
            }
            for field, msgs in error.message_dict.items():
                name = aliases.get(field, field)
                for message in msgs:
                    self.add_error(name if name in self.fields else None, message)
        except (PermissionDenied, EditConflict) as error:
            self.add_error(None, str(error) or "You are not allowed to do this.")
        return data


def _save_deal(
    request: AuthenticatedHttpRequest, deal: Deal | None, kwargs: dict[str, Any]
) -> Deal:
    if deal is None:
        return services.deal_create(by=request.user, **kwargs)
    return services.deal_update(deal=deal, by=request.user, **kwargs)


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    """The stage is read-only here; deals move only through the services' transitions."""

    form = DealAdminForm
    list_display = ["title", "company", "stage", "amount", "owner", "next_action_due_date"]
    list_filter = ["stage", "source"]
    search_fields = ["title", "company__name"]
    list_select_related = ["company", "owner"]
    autocomplete_fields = ["company", "contact", "owner"]
    readonly_fields = ["stage", "probability", "won_at", "lost_at", "created_at", "updated_at"]
    actions = ["qualify", "propose", "negotiate"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.request = request  # type: ignore[attr-defined]
        return form_class

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"owner": request.user.pk}

    def save_model(self, request: Any, obj: Deal, form: Any, change: bool) -> None:
        saved = _save_deal(
            request, Deal.objects.get(pk=obj.pk) if change else None, form.service_kwargs()
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def _transition(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Deal], name: str
    ) -> None:
        done = 0
        for deal in queryset:
            try:
                services.deal_transition(deal=deal, by=request.user, name=name)
                done += 1
            except ValidationError as error:
                problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
                self.message_user(request, f"“{deal.title}” not moved: {problems}", messages.ERROR)
            except (PermissionDenied, EditConflict) as error:
                self.message_user(request, f"“{deal.title}” not moved: {error}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} deal(s) moved.", messages.SUCCESS)

    @admin.action(description="Qualify selected deals")
    def qualify(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Deal]) -> None:
        self._transition(request, queryset, "qualify")

    @admin.action(description="Propose selected deals")
    def propose(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Deal]) -> None:
        self._transition(request, queryset, "propose")

    @admin.action(description="Move selected deals to negotiation")
    def negotiate(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Deal]) -> None:
        self._transition(request, queryset, "negotiate")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["kind", "deal", "author", "occurred_at"]
    list_filter = ["kind"]
    list_select_related = ["deal", "author"]
    raw_id_fields = ["deal", "contact", "company"]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ["deal", "from_stage", "to_stage", "by", "at"]
    list_select_related = ["deal", "by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
