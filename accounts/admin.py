"""Admin for users, their one role and API tokens. Roles change through ``user_set_role`` and
users are made by ``user_create``, so the admin holds the same one-role rule as every other
path; nothing here deletes a user (untick "active" instead) or a token (revoke it)."""

import copy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import ApiToken, PasswordResetRequest, User
from accounts.roles import Role
from accounts.services import (
    api_token_revoke,
    calendar_token_renew,
    user_create,
    user_set_role,
    user_time_zone_changed,
)
from records.admin import ReadOnlyAdmin

ROLE_HELP = "Each user has one role. Admins are also staff and superusers; no other role is."


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(label="Role", choices=Role.choices, help_text=ROLE_HELP)


class UserAddForm(AdminUserCreationForm):
    role = _role_field()

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "full_name")


class UserEditForm(UserChangeForm):
    """The user's fields, and one Role choice instead of Django's groups and permissions.

    ``clean`` runs ``user_set_role`` as a dry run (rolled back), so a refusal shows on the
    form; ``UserAdmin.save_model`` runs it for real.
    """

    request: HttpRequest
    role = _role_field()

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = sorted(self.instance.roles) if self.instance.pk else []
        if len(roles) == 1:
            self.initial["role"] = roles[0]
        elif roles:
            self.fields["role"].help_text = (
                f"This user has several roles ({', '.join(roles)}); choose the one they keep. "
                + ROLE_HELP
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role and "role" in self.changed_data and self.instance.pk:
            assert isinstance(self.request.user, User)
            try:
                with transaction.atomic():
                    # A copy: the dry run must not change the instance the admin saves.
                    user_set_role(by=self.request.user, user=copy.copy(self.instance), role=role)
                    transaction.set_rollback(True)
            except ValidationError as error:
                for message in error.message_dict.get("role", error.messages):
                    self.add_error("role", message)
            except PermissionDenied as error:
                self.add_error("role", str(error))
        return data


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    list_display = ["username", "full_name", "email", "role_list", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("full_name", "email", "time_zone")}),
        ("Role", {"fields": ("role", "is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined", "sessions_revoked_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "full_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    filter_horizontal = ()
    # Staff and superuser follow the role (see ROLE_HELP): the role is the one thing to set.
    readonly_fields = [
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
        "sessions_revoked_at",
    ]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.request = request  # type: ignore[attr-defined]
        return form_class

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The add form has none of these fields (user_create sets them).
        return list(self.readonly_fields) if obj else []

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        data = form.cleaned_data
        if not change:
            usable = data.get("set_usable_password", True)
            created = user_create(
                username=obj.username,
                role=data["role"],
                email=obj.email,
                full_name=obj.full_name,
                password=data.get("password1") if usable else None,
            )
            obj.pk, obj.password = created.pk, created.password
            obj.is_staff, obj.is_superuser = created.is_staff, created.is_superuser
            obj._state.adding = False
            return
        super().save_model(request, obj, form, change)
        if "role" in form.changed_data:
            user_set_role(by=request.user, user=obj, role=data["role"])
        if "time_zone" in form.changed_data:
            user_time_zone_changed(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups")

    actions = ["new_calendar_address"]

    @admin.action(
        description="Give a new calendar address (the old one stops)", permissions=["change"]
    )
    def new_calendar_address(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        assert isinstance(request.user, User)
        count = 0
        for user in queryset:
            calendar_token_renew(user=user, by=request.user)
            count += 1
        self.message_user(
            request,
            f"{count} user(s) have a new calendar address; their old one no longer works.",
            messages.SUCCESS,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A user's deals, history and sent reminders stay theirs: deactivate instead.
        return False

    @admin.display(description="Roles")
    def role_list(self, obj: User) -> str:
        return ", ".join(sorted(obj.roles)) or "—"


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(ReadOnlyAdmin):
    """The five roles are groups made by a migration; renaming or deleting one would take the
    role from everyone in it, so they are only listed here. Users get roles on their page."""

    list_display = ["name"]
    fields = ["name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["hint", "user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "name", "hint"]
    list_select_related = ["user"]
    readonly_fields = ["user", "hint", "created_at", "last_used_at", "revoked_at"]
    fields = ["user", "name", "hint", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are created with `manage.py create_api_token`, which shows the value once.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Revoke instead: the row keeps who used which token when.
        return False

    @admin.action(description="Revoke selected tokens", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token)
            count += 1
        skipped = queryset.count() - count
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"Skipped {skipped} token(s) revoked before.", messages.WARNING
            )


@admin.register(PasswordResetRequest)
class PasswordResetRequestAdmin(ReadOnlyAdmin):
    """Who asked for a reset link, from where; read-only (the throttle counts these rows)."""

    list_display = ["created_at", "email", "ip_address", "user"]
    list_select_related = ["user"]
    search_fields = ["email", "ip_address"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ("created_at", "email", "ip_address", "user")
