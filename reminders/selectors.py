"""Reads for reminders. The only place reminders looks into crm and projects."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from accounts.models import PasswordResetRequest, User
from accounts.roles import Role
from crm.models import Deal
from projects.models import Mention, Milestone, ProjectStatus, Task, TaskStatus
from reminders.models import OutboxEmail, ReminderPreference

#: A digest lists at most this many rows and then says how many more there are.
DIGEST_ROW_LIMIT = 100


def recipients() -> QuerySet[User]:
    """Active users with an email address, with their roles and preferences loaded."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .select_related("reminder_preference")
        .prefetch_related("groups")
        .order_by("pk")
    )


def preference_for(user: User) -> ReminderPreference:
    """The user's preferences; an unsaved all-on row when they never changed them."""
    try:
        preference: ReminderPreference = user.reminder_preference
    except ReminderPreference.DoesNotExist:
        preference = ReminderPreference(user=user)
    return preference


def existing_keys(keys: Iterable[str]) -> set[str]:
    return set(
        OutboxEmail.objects.filter(idempotency_key__in=list(keys)).values_list(
            "idempotency_key", flat=True
        )
    )


def overdue_deals_for_owner(*, owner: User, now: dt.datetime) -> QuerySet[Deal]:
    """Open deals of ``owner`` whose next action was due before ``now``, oldest first.

    ``Deal.next_action_due_at`` is kept by crm in the owner's time zone (end of the due day
    when no time is set), so "overdue" already follows the owner's zone.
    """
    return (
        Deal.objects.overdue(now)
        .filter(owner=owner)
        .select_related("company")
        .order_by("next_action_due_at", "pk")
    )


def stale_deals(*, now: dt.datetime, limits: dict[str, int]) -> QuerySet[Deal]:
    """Every stale deal (``DealQuerySet.stale``) for the sales managers' weekly digest, each
    marked why, longest in stage first."""
    return (
        Deal.objects.stale(now, limits)
        .with_staleness(now, limits)
        .select_related("company", "owner")
        .order_by("stage_entered_at", "pk")
    )


def sales_managers(users: Iterable[User]) -> list[User]:
    return [user for user in users if user.has_role(Role.SALES_MANAGER)]


#: Projects whose tasks and milestones still deserve reminders (not on hold, done or cancelled).
ACTIVE_PROJECT_STATUSES = (ProjectStatus.PLANNING, ProjectStatus.ACTIVE)


def overdue_tasks_for_assignee(*, assignee: User, today: dt.date) -> QuerySet[Task]:
    """Overdue tasks (``TaskQuerySet.overdue``) of ``assignee``; ``today`` is theirs."""
    return (
        Task.objects.overdue(today)
        .filter(assignee=assignee)
        .select_related("project")
        .order_by("planned_finish", "pk")
    )


def approvals_ready_for(*, approver: User) -> QuerySet[Milestone]:
    """Milestones waiting for ``approver``: approval required, not given, no open tasks left.

    A milestone with open tasks cannot be approved yet (R9), so it is not reminded about.
    """
    return (
        Milestone.objects.filter(
            approver=approver,
            requires_approval=True,
            approved_at__isnull=True,
            project__status__in=ACTIVE_PROJECT_STATUSES,
        )
        .annotate(open_tasks=Count("tasks", filter=~Q(tasks__status=TaskStatus.DONE)))
        .filter(open_tasks=0)
        .select_related("project")
        .order_by("due_date", "pk")
    )


def mentions_to_notify(*, since: dt.datetime) -> QuerySet[Mention]:
    """Mentions made since ``since`` of active users with an email, not yet in the outbox."""
    key = Concat(Value("mention:"), Cast("pk", CharField()), output_field=CharField())
    return (
        Mention.objects.filter(created_at__gte=since, user__is_active=True)
        .exclude(user__email="")
        .alias(key=key)
        .exclude(Exists(OutboxEmail.objects.filter(idempotency_key=OuterRef("key"))))
        .select_related("user__reminder_preference", "comment__author", "comment__task__project")
        .order_by("created_at", "pk")
    )


def password_resets_to_send(*, since: dt.datetime) -> QuerySet[PasswordResetRequest]:
    """Reset requests since ``since`` that accounts decided to answer with a link (a
    ``user``), for active users with an email, not yet in the outbox."""
    key = Concat(Value("password_reset:"), Cast("pk", CharField()), output_field=CharField())
    return (
        PasswordResetRequest.objects.filter(
            created_at__gte=since, user__isnull=False, user__is_active=True
        )
        .exclude(user__email="")
        .alias(key=key)
        .exclude(Exists(OutboxEmail.objects.filter(idempotency_key=OuterRef("key"))))
        .select_related("user")
        .order_by("created_at", "pk")
    )


# "Who has anything to report?" One query per kind (per local date for tasks), so a planner
# run costs the same few queries however many users there are; the digest builders then
# run only for these users.


def owners_with_overdue_deals(*, owner_ids: list[int], now: dt.datetime) -> set[int]:
    return set(
        Deal.objects.overdue(now)
        .filter(owner_id__in=owner_ids)
        .order_by()
        .values_list("owner_id", flat=True)
        .distinct()
    )


def assignees_with_overdue_tasks(*, assignee_ids: list[int], today: dt.date) -> set[int]:
    return set(
        Task.objects.overdue(today)
        .filter(assignee_id__in=assignee_ids)
        .order_by()
        .values_list("assignee_id", flat=True)
        .distinct()
    )


def approvers_with_ready_milestones(*, approver_ids: list[int]) -> set[int]:
    return set(
        Milestone.objects.filter(
            approver_id__in=approver_ids,
            requires_approval=True,
            approved_at__isnull=True,
            project__status__in=ACTIVE_PROJECT_STATUSES,
        )
        .annotate(open_tasks=Count("tasks", filter=~Q(tasks__status=TaskStatus.DONE)))
        .filter(open_tasks=0)
        .order_by()
        .values_list("approver_id", flat=True)
        .distinct()
    )


def any_stale_deals(*, now: dt.datetime) -> bool:
    return Deal.objects.stale(now).exists()
