"""Web forms in the admin: forms (saved through the services, with their snippet and last
submissions), the working hours, and the read-only submission log."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from crm.admin import ServiceAdmin, ServiceAdminForm
from records.admin import ReadOnlyAdmin
from webforms import selectors, services, snippets
from webforms.models import Submission, WebForm, WorkingHours


class WebFormAdminForm(ServiceAdminForm):
    class Meta:
        model = WebForm
        fields = ["name", "source", "owners", "is_active", "thank_you_text", "redirect_url"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only sales reps and managers take leads.
        self.fields["owners"].queryset = selectors.sales_users()  # type: ignore[attr-defined]

    def save_through_service(self) -> WebForm:
        data: dict[str, Any] = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        data["owners"] = list(data["owners"] or [])
        if self.instance.pk:
            return services.webform_update(by=self.request.user, form=self.instance, **data)
        return services.webform_create(
            by=self.request.user,
            name=data["name"] or "",
            source=data["source"],
            owners=list(data["owners"]),
            thank_you_text=data["thank_you_text"],
            redirect_url=data["redirect_url"] or "",
            is_active=bool(data["is_active"]),
        )


class SubmissionInline(admin.TabularInline):
    model = Submission
    extra = 0
    max_num = 0
    can_delete = False
    fields = readonly_fields = ("created_at", "status", "email", "deal", "utm_campaign")
    ordering = ["-created_at", "-pk"]
    verbose_name_plural = "submissions (newest first)"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("deal")


@admin.register(WebForm)
class WebFormAdmin(ServiceAdmin):
    form = WebFormAdminForm
    list_display = ["name", "source", "is_active", "owner_names", "created_at"]
    list_filter = ["is_active", "source"]
    search_fields = ["name", "key"]
    list_select_related = ["source"]
    readonly_fields = ["key", "links", "embed_snippet"]
    filter_horizontal = ["owners"]
    inlines = [SubmissionInline]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("owners")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(WebFormAdminForm.Meta.fields)
        return [*fields, "key", "links", "embed_snippet"] if obj is not None else fields

    @admin.display(description="owners")
    def owner_names(self, obj: WebForm) -> str:
        return ", ".join(u.display_name for u in obj.owners.all())

    @admin.display(description="links")
    def links(self, obj: WebForm) -> str:
        return format_html(
            'Hosted page: <a href="{}">{}</a><br>HTML post: {}<br>JSON: POST {}',
            snippets.page_url(obj),
            snippets.page_url(obj),
            snippets.submit_url(obj),
            snippets.api_url(obj),
        )

    @admin.display(description="embeddable snippet (HTML, no script)")
    def embed_snippet(self, obj: WebForm) -> str:
        return format_html(
            '<textarea readonly rows="16" cols="100" aria-label="Embeddable snippet">{}</textarea>'
            '<p class="help">Paste it into your page. Set the hidden utm_source, utm_medium and '
            "utm_campaign values per placement: a form without a script cannot read the "
            "page's address. utm_source may name a lead source.</p>",
            snippets.snippet(obj),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The owners were set by the service; the inline is read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class WorkingHoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = [*services.WORKING_HOURS_FIELDS]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    """The one row of the working hours; saved through the service."""

    form = WorkingHoursForm
    list_display = ["__str__", "response_hours", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not WorkingHours.objects.filter(pk=1).exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: WorkingHours, form: Any, change: bool) -> None:
        saved = services.working_hours_update(
            by=request.user,
            **{name: form.cleaned_data[name] for name in services.WORKING_HOURS_FIELDS},
        )
        obj.pk = saved.pk
        obj._state.adding = False


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "form", "status", "email", "deal", "utm_source", "utm_campaign"]
    list_filter = ["status", "form", "created_at"]
    search_fields = ["email", "utm_campaign", "utm_source"]
    list_select_related = ["form", "deal"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "form",
        "created_at",
        "status",
        "email",
        "deal",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "referrer",
        "ip_hash",
    )
