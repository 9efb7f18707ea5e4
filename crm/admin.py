"""Admin for set-up: stage settings, lead sources, lost reasons, exchange rates. Deals go
through the services."""

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
from crm.currencies import CURRENCY_CHOICES
from crm.http import apply_errors
from crm.models import (
    Activity,
    Company,
    Contact,
    Deal,
    ExchangeRate,
    LeadSource,
    LostReason,
    StageChange,
    StageSetting,
    installation_currency,
)
from records import EditConflict
from records.admin import ReadOnlyAdmin


@admin.register(StageSetting)
class StageSettingAdmin(admin.ModelAdmin):
    list_display = ["stage", "probability", "stale_after_days"]
    list_editable = ["probability", "stale_after_days"]


class KeptWhileInUse(admin.ModelAdmin):
    """Set-up rows that other rows refer to are not deleted: the delete would change those
    rows behind the services' back. The delete pages list why, as Django lists protected
    objects; untick "active" instead."""

    def in_use(self, obj: Any) -> str:
        """Why ``obj`` must stay, or "" when it may go."""
        raise NotImplementedError

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        kept = [reason for obj in objs if (reason := self.in_use(obj))]
        return deleted, counts, perms_needed, [*protected, *kept]


@admin.register(LeadSource)
class LeadSourceAdmin(KeptWhileInUse):
    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]

    def in_use(self, obj: LeadSource) -> str:
        # Deleting it would blank the source of its deals and rewrite the source reports.
        count = obj.deals.count()
        return (
            f"“{obj}” is the source of {count} deal(s); untick “active” instead." if count else ""
        )


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_editable = ["active"]
    search_fields = ["name"]


def _foreign_currencies() -> list[tuple[str, str]]:
    return [(code, label) for code, label in CURRENCY_CHOICES if code != installation_currency()]


class ExchangeRateForm(forms.ModelForm):
    currency = forms.ChoiceField(
        choices=_foreign_currencies, help_text="The currency this rate converts."
    )

    class Meta:
        model = ExchangeRate
        fields = ["currency", "rate", "valid_from"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[
            "rate"
        ].help_text = f"How many {installation_currency()} one unit of this currency is worth."


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Rates from a day on. A deal takes the latest rate valid on its date of record when its
    amount or currency is written, or when it is won or lost; open deals move to a new rate
    by the "re-convert" action (deals keep the rate they used, so a rate may be deleted)."""

    form = ExchangeRateForm
    list_display = ["currency", "rate", "valid_from", "updated_at"]
    list_filter = ["currency", "valid_from"]
    search_fields = ["currency"]
    date_hierarchy = "valid_from"
    actions = ["reconvert"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            f"Open {obj.currency} deals keep the rate they were converted at until you "
            "re-convert them (the action on this list).",
            messages.INFO,
        )

    @admin.action(description="Re-convert open deals in these currencies at today's rates")
    def reconvert(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[ExchangeRate]
    ) -> None:
        currencies = sorted(set(queryset.values_list("currency", flat=True)))
        if not currencies:
            self.message_user(request, "No rates selected: nothing re-converted.", messages.INFO)
            return
        try:
            count = services.deals_reconvert(by=request.user, currencies=currencies)
        except ValidationError as error:
            self.message_user(
                request, f"Nothing re-converted: {describe_refusal(error)}", messages.ERROR
            )
        except PermissionDenied as error:
            self.message_user(request, f"Nothing re-converted: {error}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"{count} open deal(s) in {', '.join(currencies)} re-converted at today's rates.",
                messages.SUCCESS,
            )


class ServiceAdminForm(forms.ModelForm):
    """An admin form whose save goes through a service: ``clean`` runs it as a dry run (rolled
    back) so every refusal shows on the form, and ``ServiceAdmin.save_model`` runs it for real."""

    request: AuthenticatedHttpRequest

    def _post_clean(self) -> None:
        """The service validates (see ``clean``); the instance stays untouched."""

    def save_through_service(self) -> Any:
        raise NotImplementedError

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


class ServiceAdmin(admin.ModelAdmin):
    """Saves through the form's service. Nothing is deleted here: there is no service for it,
    and a delete would cascade to history (activities, stage changes, handoffs)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.request = request  # type: ignore[attr-defined]
        return form_class

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"owner": request.user.pk}

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        saved = form.save_through_service()
        obj.pk = saved.pk
        obj._state.adding = False


class CompanyAdminForm(ServiceAdminForm):
    class Meta:
        model = Company
        fields = ["name", "domain", "industry", "owner"]

    def save_through_service(self) -> Company:
        data: dict[str, Any] = {
            name: self.cleaned_data.get(name) or "" for name in ("name", "domain", "industry")
        }
        owner = self.cleaned_data.get("owner")
        if self.instance.pk:
            return services.company_update(
                company=self.instance, by=self.request.user, owner=owner, **data
            )
        return services.company_create(by=self.request.user, owner=owner, **data)


@admin.register(Company)
class CompanyAdmin(ServiceAdmin):
    form = CompanyAdminForm
    list_display = ["name", "domain", "industry", "owner"]
    search_fields = ["name", "domain"]
    list_select_related = ["owner"]
    autocomplete_fields = ["owner"]


class ContactAdminForm(ServiceAdminForm):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "email", "phone", "title", "company", "owner"]

    def save_through_service(self) -> Contact:
        names = ("first_name", "last_name", "email", "phone", "title")
        data: dict[str, Any] = {name: self.cleaned_data.get(name) or "" for name in names}
        company = self.cleaned_data.get("company")
        if self.instance.pk:
            return services.contact_update(
                contact=self.instance, by=self.request.user, company=company, **data
            )
        return services.contact_create(
            by=self.request.user, company=company, owner=self.cleaned_data.get("owner"), **data
        )


@admin.register(Contact)
class ContactAdmin(ServiceAdmin):
    form = ContactAdminForm
    list_display = ["__str__", "email", "company"]
    search_fields = ["first_name", "last_name", "email"]
    list_select_related = ["company"]
    autocomplete_fields = ["company", "owner"]


class DealAdminForm(ServiceAdminForm):
    """Admin edits go through ``deal_create`` / ``deal_update``; their refusals show here."""

    currency = forms.ChoiceField(
        choices=CURRENCY_CHOICES, initial=installation_currency, required=False
    )

    class Meta:
        model = Deal
        fields = [
            "title",
            "company",
            "contact",
            "owner",
            "amount",
            "currency",
            "source",
            "expected_close_date",
            "qualification_notes",
            "next_action",
            "next_action_due_date",
            "next_action_due_time",
        ]

    def save_through_service(self) -> Deal:
        data = self.cleaned_data
        date, time = data.get("next_action_due_date"), data.get("next_action_due_time")
        due = (
            dt.datetime.combine(date, time).replace(tzinfo=self.request.user.zone)
            if date and time
            else date
        )
        kwargs: dict[str, Any] = {name: data.get(name) for name in services.DEAL_FIELDS}
        if not kwargs["currency"]:  # not sent: the installation's, or the deal's own
            del kwargs["currency"]
        kwargs.update(
            next_action=data.get("next_action") or "", next_action_due=due, owner=data.get("owner")
        )
        if self.instance.pk:
            return services.deal_update(deal=self.instance, by=self.request.user, **kwargs)
        return services.deal_create(by=self.request.user, **kwargs)


@admin.register(Deal)
class DealAdmin(ServiceAdmin):
    """The stage is read-only here; deals move only through the services' transitions. A deal
    is never deleted (``ServiceAdmin``): lose it instead, and its history stays."""

    form = DealAdminForm
    list_display = [
        "title",
        "company",
        "stage",
        "amount",
        "currency",
        "amount_base",
        "owner",
        "next_action_due_date",
    ]
    list_filter = ["stage", "source", "currency"]
    search_fields = ["title", "company__name"]
    list_select_related = ["company", "owner"]
    autocomplete_fields = ["company", "contact", "owner"]
    readonly_fields = [
        "stage",
        "probability",
        "exchange_rate",
        "amount_base",
        "won_at",
        "lost_at",
        "created_at",
        "updated_at",
    ]
    actions = ["qualify", "propose", "negotiate"]

    def _transition(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Deal], name: str
    ) -> None:
        done = 0
        for deal in queryset:
            try:
                services.deal_transition(deal=deal, by=request.user, name=name)
                done += 1
            except ValidationError as error:
                problems = describe_refusal(error)
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


class HistoryAdmin(ReadOnlyAdmin):
    """History is only read here: it is written by the services as things happen."""


@admin.register(Activity)
class ActivityAdmin(HistoryAdmin):
    list_display = ["kind", "deal", "author", "occurred_at"]
    list_filter = ["kind"]
    list_select_related = ["deal", "author"]
    fields = readonly_fields = (
        "kind",
        "body",
        "occurred_at",
        "author",
        "deal",
        "contact",
        "company",
        "created_at",
    )


@admin.register(StageChange)
class StageChangeAdmin(HistoryAdmin):
    list_display = ["deal", "from_stage", "to_stage", "by", "at"]
    list_select_related = ["deal", "by"]
    fields = readonly_fields = ("deal", "from_stage", "to_stage", "by", "at", "override_reason")


def describe_refusal(error: ValidationError) -> str:
    """A service's refusal as one line for an admin message: "field: message; ..."."""
    if hasattr(error, "error_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)
