"""Admin is for setup: templates (with inlines) and holidays. Projects are read-only here so
that every change to a plan goes through the services (and their rules)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.utils.html import format_html, format_html_join

from crm.admin import KeptWhileInUse
from projects import scheduling, selectors, services
from projects.models import (
    ActualCorrection,
    Holiday,
    Project,
    ProjectTemplate,
    TemplateChecklistItem,
    TemplateDependency,
    TemplateMilestone,
    TemplateTask,
)
from records.admin import ReadOnlyAdmin


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: Holiday, form, change: bool) -> None:
        if change:
            services.holiday_update(by=request.user, holiday=obj, day=obj.date, name=obj.name)  # type: ignore[arg-type]
        else:
            created = services.holiday_create(by=request.user, day=obj.date, name=obj.name)  # type: ignore[arg-type]
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Holiday) -> None:
        services.holiday_delete(by=request.user, holiday=obj)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Holiday]) -> None:
        for holiday in queryset:
            services.holiday_delete(by=request.user, holiday=holiday)  # type: ignore[arg-type]


class TemplateMilestoneInline(admin.TabularInline):
    model = TemplateMilestone
    extra = 0
    fields = ["position", "name", "requires_approval"]


class TemplateTaskInline(admin.TabularInline):
    model = TemplateTask
    extra = 0
    fields = ["position", "title", "duration_days", "offset_days", "milestone"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "milestone":
            kwargs["queryset"] = TemplateMilestone.objects.filter(
                template_id=request.resolver_match.kwargs.get("object_id") or 0
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TemplateDependencyFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        links, names = [], {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("predecessor"):
                continue
            pred, succ = data["predecessor"], data["successor"]
            names[pred.pk], names[succ.pk] = pred.title, succ.title
            links.append(scheduling.LinkSpec(pred.pk, succ.pk))
        try:
            scheduling.topological_order(list(names), links, names)
        except scheduling.CycleError as error:
            raise ValidationError(
                "These links close a cycle: " + " → ".join(error.names) + "."
            ) from error


class TemplateDependencyInline(admin.TabularInline):
    model = TemplateDependency
    formset = TemplateDependencyFormSet
    extra = 0
    fields = ["predecessor", "successor", "kind", "lag_days"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("predecessor", "successor"):
            kwargs["queryset"] = TemplateTask.objects.filter(
                template_id=request.resolver_match.kwargs.get("object_id") or 0
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TemplateChecklistItemInline(admin.TabularInline):
    model = TemplateChecklistItem
    extra = 0
    fields = ["position", "text"]


@admin.register(ProjectTemplate)
class ProjectTemplateAdmin(KeptWhileInUse):
    list_display = ["name", "is_active", "task_count", "planned_working_days"]
    search_fields = ["name"]
    readonly_fields = ["actual_durations"]
    inlines = [
        TemplateMilestoneInline,
        TemplateTaskInline,
        TemplateDependencyInline,
        TemplateChecklistItemInline,
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProjectTemplate]:
        from django.db.models import Count

        return super().get_queryset(request).annotate(task_count=Count("tasks"))

    def in_use(self, obj: ProjectTemplate) -> str:
        # Projects were planned from it (handoffs protect theirs already); deleting it would
        # blank their template.
        count = obj.projects.count()
        if not count:
            return ""
        return f"“{obj}” is the template of {count} project(s); untick “active” instead."

    @admin.display(description="Tasks")
    def task_count(self, obj: ProjectTemplate) -> int:
        return obj.task_count  # type: ignore[attr-defined]

    @admin.display(description="Planned working days")
    def planned_working_days(self, obj: ProjectTemplate) -> int:
        return selectors.template_planned_working_days(obj)

    @admin.display(description="Actual working days (finished projects)")
    def actual_durations(self, obj: ProjectTemplate) -> str:
        """Per template task, what it really took in the latest finished projects made from
        this template (``selectors.template_histories``: three queries)."""
        if obj.pk is None:
            return "None yet: no project was made from this template."
        history = selectors.template_histories([obj.pk])[obj.pk]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    task.title,
                    task.planned_days,
                    task.count if task.planned_days else "milestone",
                    _days(task.median),
                    _days(task.p80),
                )
                for task in history.tasks
            ),
        )
        return format_html(
            "<p>From {} finished project{} ({} needed for the promise check's probability)."
            '</p><table><thead><tr><th scope="col">Task</th><th scope="col">Planned</th>'
            '<th scope="col">Count</th><th scope="col">Median</th>'
            '<th scope="col">80th percentile</th></tr></thead><tbody>{}</tbody></table>',
            history.project_count,
            pluralize(history.project_count),
            selectors.MIN_FINISHED_PROJECTS,
            rows,
        )


def _days(value: float | int | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    """Read-only: plans change through the Relay screens and API, where the rules hold."""

    list_display = [
        "name",
        "status",
        "delivery_lead",
        "start_date",
        "planned_finish",
        "forecast_finish",
        "at_risk",
    ]
    list_filter = ["status", "at_risk"]
    search_fields = ["name"]
    list_select_related = ["delivery_lead"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ActualCorrection)
class ActualCorrectionAdmin(ReadOnlyAdmin):
    """Corrections of tasks' actual days, kept as they were made (the task page makes them)."""

    list_display = ["task", "field", "old", "new", "reason", "by", "at"]
    list_filter = ["field"]
    search_fields = ["task__title", "reason"]
    list_select_related = ["task", "by"]
