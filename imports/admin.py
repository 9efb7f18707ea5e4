"""Imports in the admin: read-only records of who imported what, and the external ids."""

from django.contrib import admin
from django.http import HttpRequest

from imports.models import ExternalId, ImportJob, RowProblem


class RowProblemInline(admin.TabularInline):
    model = RowProblem
    extra = 0
    can_delete = False
    readonly_fields = ["row", "column", "value", "message"]
    max_num = 0

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).order_by("row", "pk")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "filename",
        "kind",
        "system",
        "status",
        "dry_run",
        "created",
        "updated",
        "failed",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "kind", "system"]
    search_fields = ["filename", "created_by__username"]
    inlines = [RowProblemInline]
    list_select_related = ["created_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # imports start in the wizard or the API, which check the file

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ExternalId)
class ExternalIdAdmin(admin.ModelAdmin):
    list_display = ["system", "kind", "source_id", "object_id", "job"]
    list_filter = ["system", "kind"]
    search_fields = ["source_id"]
    list_select_related = ["job"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
