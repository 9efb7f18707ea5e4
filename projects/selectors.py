"""Reads for delivery, always scoped to the acting user; they own select/prefetch_related."""

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Case,
    Count,
    F,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import DELIVERY_ROLES, Role
from accounts.selectors import users_matching
from inputs.text import clean_query_text
from projects import panels, scheduling, simulation
from projects.models import (
    OPEN_PROJECT_STATUSES,
    ActualCorrection,
    ChecklistItem,
    Comment,
    Dependency,
    DependencyKind,
    Holiday,
    Mention,
    Milestone,
    Project,
    ProjectStatus,
    ProjectTemplate,
    Task,
    TaskStatus,
    TemplateDependency,
    TemplateTask,
)

NOTHING = Q(pk__in=[])


def project_visible_q(user: User | AnonymousUser, prefix: str = "") -> Q:
    """The projects ``user`` may see, as a filter on Project (or on ``prefix`` + project).

    Admins and delivery leads see every project; delivery members the projects they lead
    or belong to; everyone else none. The handoff extends this for sales (their won deals).
    """
    if not user.is_authenticated:
        return NOTHING
    assert isinstance(user, User)
    if user.has_role(Role.ADMIN, Role.DELIVERY_LEAD):
        return Q()
    visible = NOTHING
    if user.has_role(Role.DELIVERY_MEMBER):
        membership = Project.members.through.objects.filter(user_id=user.pk).values("project_id")
        visible = Q(**{f"{prefix}pk__in": membership}) | Q(**{f"{prefix}delivery_lead_id": user.pk})
    extra = panels.extra_visibility(user, prefix)
    if extra is not None:
        visible = extra if visible is NOTHING else visible | extra
    return visible


def _visible_projects(user: User | AnonymousUser) -> QuerySet[Project]:
    return Project.objects.filter(project_visible_q(user))


def project_list_for_user(
    user: User | AnonymousUser,
    *,
    status: str | None = None,
    lead_id: int | None = None,
    at_risk: bool | None = None,
    q: str | None = None,
    company_id: int | None = None,
) -> QuerySet[Project]:
    projects = _visible_projects(user).select_related("delivery_lead", "company")
    if status:
        projects = projects.filter(status=status)
    if lead_id:
        projects = projects.filter(delivery_lead_id=lead_id)
    if at_risk is not None:
        projects = projects.filter(at_risk=at_risk)
    if company_id:
        projects = projects.filter(company_id=company_id)
    term = clean_query_text(q)
    if term:
        projects = projects.filter(name__icontains=term)
    return projects.order_by("name", "pk")


def company_projects_for_user(
    user: User | AnonymousUser, company_id: int, *, limit: int = 10
) -> tuple[list[Project], int] | None:
    """The company's projects ``user`` may see, latest kickoff first, the first ``limit``
    and how many there are (one query); None for a user who may see no project at all."""
    visible = project_visible_q(user)
    if visible == NOTHING:
        return None
    projects: list[Project] = list(
        Project.objects.filter(visible, company_id=company_id)
        .select_related("delivery_lead")
        .annotate(total=Window(Count("pk")))
        .order_by("-start_date", "-pk")[:limit]
    )
    return projects, (projects[0].total if projects else 0)  # type: ignore[attr-defined]


def project_get_for_user(user: User | AnonymousUser, pk: int) -> Project:
    """The project with its lead, company and members, or 404 when the user may not see it."""
    project = (
        _visible_projects(user)
        .select_related("delivery_lead", "company")
        .prefetch_related("members")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404("No such project.")
    return project


def _get_child(queryset: QuerySet, user: User | AnonymousUser, pk: int, what: str):
    obj = (
        queryset.filter(project_visible_q(user, "project__"))
        .select_related("project", "project__delivery_lead")
        .prefetch_related("project__members")
        .filter(pk=pk)
        .first()
    )
    if obj is None:
        raise Http404(f"No such {what}.")
    return obj


def task_get_for_user(user: User | AnonymousUser, pk: int) -> Task:
    return _get_child(Task.objects.select_related("assignee", "milestone"), user, pk, "task")


def task_actual_corrections(task: Task) -> list[ActualCorrection]:
    """Every correction of the task's actual days, newest first, with who made it."""
    return list(ActualCorrection.objects.filter(task=task).select_related("by"))


def milestone_get_for_user(user: User | AnonymousUser, pk: int) -> Milestone:
    return _get_child(
        Milestone.objects.select_related("approver", "approved_by"), user, pk, "milestone"
    )


def dependency_get_for_user(user: User | AnonymousUser, pk: int) -> Dependency:
    return _get_child(
        Dependency.objects.select_related("predecessor", "successor"), user, pk, "dependency"
    )


def checklist_item_get_for_user(user: User | AnonymousUser, pk: int) -> ChecklistItem:
    return _get_child(ChecklistItem.objects.all(), user, pk, "checklist item")


def project_tasks(project: Project) -> QuerySet[Task]:
    return (
        Task.objects.filter(project=project)
        .select_related("assignee", "milestone")
        .order_by("planned_start", "position", "pk")
    )


def project_dependencies(project: Project) -> QuerySet[Dependency]:
    return Dependency.objects.filter(project=project).order_by("pk")


def links_among(project: Project, task_ids: Iterable[int]) -> list[Dependency]:
    """The project's links whose both ends are among ``task_ids`` (one query)."""
    ids = list(task_ids)
    return list(
        Dependency.objects.filter(project=project, predecessor_id__in=ids, successor_id__in=ids)
        .only("pk", "predecessor_id", "successor_id", "kind", "lag_days")
        .order_by("pk")
    )


def mark_blockers(tasks: Sequence[Task]) -> None:
    """Set ``task.blockers``: titles of the unfinished finish-to-start predecessors of each
    of ``tasks`` (one query for all of them, however large the project)."""
    by_id = {task.pk: task for task in tasks}
    for task in tasks:
        task.blockers = []  # type: ignore[attr-defined]
    if not by_id:
        return
    rows = (
        Dependency.objects.filter(successor_id__in=list(by_id), kind=DependencyKind.FS)
        .exclude(predecessor__status=TaskStatus.DONE)
        .order_by("predecessor__planned_start", "pk")
        .values_list("successor_id", "predecessor__title")
    )
    for successor_id, title in rows:
        by_id[successor_id].blockers.append(title)  # type: ignore[attr-defined]


BOARD_PAGE_SIZE = 50


@dataclass
class TaskColumn:
    status: str
    label: str
    tasks: list[Task]
    count: int
    page: int

    @property
    def has_more(self) -> bool:
        return len(self.tasks) < self.count


def project_board(project: Project, page_for: dict[str, int] | None = None) -> list[TaskColumn]:
    """A column per status with its count and its first ``BOARD_PAGE_SIZE`` cards per page
    asked for (``page_for``: status -> pages shown), soonest first. A fixed number of
    queries however many tasks: the counts grouped by status, then each column's cards
    (a LIMIT each: the database stops at the last card shown)."""
    page_for = page_for or {}
    counts = dict(
        Task.objects.filter(project=project)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    columns = []
    for status, label in TaskStatus.choices:
        count = counts.get(status, 0)
        # Never past the column's last page, whatever page was asked for.
        page = min(max(1, page_for.get(status, 1)), max(1, -(-count // BOARD_PAGE_SIZE)))
        tasks = (
            list(project_tasks(project).filter(status=status)[: page * BOARD_PAGE_SIZE])
            if count
            else []
        )
        columns.append(TaskColumn(status, label, tasks, count, page))
    return columns


def holidays_spanning(tasks: Sequence[Task], *also: date | None) -> list[date]:
    """The holidays from the first to the last date of ``tasks`` (planned, baseline and
    forecast finish) and of the days in ``also`` (today, the promise): one query; none when
    nothing is planned."""
    dated = [t for t in tasks if t.planned_start and t.planned_finish]
    if not dated:
        return []
    days = [
        day
        for t in dated
        for day in (
            t.planned_start,
            t.planned_finish,
            t.baseline_start,
            t.baseline_finish,
            t.forecast_finish,
        )
        if day
    ]
    days += [day for day in also if day]
    return list(
        Holiday.objects.filter(date__gte=min(days), date__lte=max(days)).values_list(
            "date", flat=True
        )
    )


def critical_tasks(project: Project) -> list[Task]:
    """The project's critical tasks in plan order (titles and dates only)."""
    return list(
        Task.objects.filter(project=project, is_critical=True)
        .only("pk", "title", "planned_start", "planned_finish")
        .order_by("planned_start", "position", "pk")
    )


def project_milestones(project: Project) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(project=project)
        .select_related("approver", "approved_by")
        .annotate(
            task_count=Count("tasks"),
            open_task_count=Count("tasks", filter=~Q(tasks__status=TaskStatus.DONE)),
            forecast_date=Max("tasks__forecast_finish"),
            actual_date=Max("tasks__actual_finish"),
        )
        .order_by("position", "due_date", "pk")
    )


def milestone_open_tasks(project: Project) -> dict[int, list[str]]:
    """The titles of each milestone's open tasks, in plan order (one query)."""
    found: dict[int, list[str]] = {}
    rows = (
        Task.objects.filter(project=project, milestone__isnull=False)
        .exclude(status=TaskStatus.DONE)
        .order_by("planned_start", "pk")
        .values_list("milestone_id", "title")
    )
    for milestone_id, title in rows:
        found.setdefault(milestone_id, []).append(title)
    return found


def project_checklist(project: Project) -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.filter(project=project).select_related("done_by")


def project_people(project: Project) -> list[User]:
    """The lead and the members (members prefetched by ``project_get_for_user``)."""
    people = {project.delivery_lead_id: project.delivery_lead}
    for member in project.members.all():
        people.setdefault(member.pk, member)
    return sorted(people.values(), key=lambda u: u.display_name.lower())


def task_links(task: Task) -> tuple[list[Dependency], list[Dependency]]:
    """(links to predecessors, links to successors) with the tasks at the other end."""
    links = list(
        Dependency.objects.filter(Q(successor=task) | Q(predecessor=task))
        .select_related("predecessor", "successor")
        .order_by("pk")
    )
    return (
        [link for link in links if link.successor_id == task.pk],
        [link for link in links if link.predecessor_id == task.pk],
    )


def task_comments(task: Task) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(task=task)
        .select_related("author")
        .prefetch_related(Prefetch("mentions", Mention.objects.select_related("user")))
        .order_by("created_at", "pk")
    )


# How many rows each list on My work shows; each says how many there are in all.
HOME_ROWS = 10


def _in_order_of_need(tasks: QuerySet[Task], today: date) -> QuerySet[Task]:
    """Open tasks in order of need: overdue ones first (``TaskQuerySet.overdue``: of a
    planning or active project, planned to finish before ``today``), then by planned finish,
    soonest first; on the same day critical ones first, then those in progress; unplanned
    ones last. A task waiting on a predecessor keeps its place (its finish date still
    counts) and is marked by ``mark_blockers``."""
    overdue = Q(
        project__status__in=(ProjectStatus.PLANNING, ProjectStatus.ACTIVE),
        planned_finish__lt=today,
    )
    return tasks.annotate(
        late=Case(When(overdue, then=Value(True)), default=Value(False)),
        total=Window(Count("pk")),
    ).order_by(
        F("late").desc(),
        F("planned_finish").asc(nulls_last=True),
        F("is_critical").desc(),
        F("status").asc(),  # in_progress before todo
        "pk",
    )


def my_open_tasks(user: User, *, limit: int = 50, today: date | None = None) -> list[Task]:
    """Open tasks assigned to ``user`` in projects they can see, in order of need
    (``_in_order_of_need``, by the user's own today); each row carries ``late`` and
    ``total`` (how many there are in all). One query."""
    today = today or timezone.localtime(timezone.now(), user.zone).date()
    tasks = (
        Task.objects.filter(assignee=user)
        .exclude(status=TaskStatus.DONE)
        .filter(project_visible_q(user, "project__"))
        .select_related("project")
    )
    return list(_in_order_of_need(tasks, today)[:limit])


def approvals_waiting_for(user: User, *, limit: int = 50) -> list[Milestone]:
    """Milestones ``user`` must approve, with how many of their tasks are still open;
    those ready to approve (no open task) first, then by due date."""
    return list(
        Milestone.objects.filter(approver=user, requires_approval=True, approved_at__isnull=True)
        .select_related("project")
        .annotate(open_task_count=Count("tasks", filter=~Q(tasks__status=TaskStatus.DONE)))
        .order_by(
            Case(When(open_task_count=0, then=Value(0)), default=Value(1)),
            F("due_date").asc(nulls_last=True),
            "pk",
        )[:limit]
    )


def projects_led_by(user: User, *, limit: int = HOME_ROWS) -> list[Any]:
    """Open projects ``user`` leads: at risk first (R7), then by forecast finish; each with
    ``slip_days`` (forecast finish minus promised date, None without both) and ``total``
    (how many in all). One query."""
    projects = list(
        Project.objects.filter(delivery_lead=user, status__in=OPEN_PROJECT_STATUSES)
        .select_related("company")
        .annotate(total=Window(Count("pk")))
        .order_by(F("at_risk").desc(), F("forecast_finish").asc(nulls_last=True), "name", "pk")[
            :limit
        ]
    )
    for project in projects:
        slip = (
            (project.forecast_finish - project.promised_date).days
            if project.forecast_finish and project.promised_date
            else None
        )
        project.slip_days = slip  # type: ignore[attr-defined]
    return projects


def late_tasks_led_by(user: User, *, today: date, limit: int = HOME_ROWS) -> list[Task]:
    """Overdue tasks (``TaskQuerySet.overdue``) of the projects ``user`` leads, the latest
    first, with ``total`` (how many in all). One query."""
    return list(
        Task.objects.filter(project__delivery_lead=user)
        .overdue(today)
        .select_related("project", "assignee")
        .annotate(total=Window(Count("pk")))
        .order_by("planned_finish", "pk")[:limit]
    )


def mentions_for(user: User) -> QuerySet[Mention]:
    return Mention.objects.filter(user=user).select_related(
        "comment__task__project", "comment__author"
    )


def delivery_users() -> QuerySet[User]:
    """Users who can lead or work on projects (delivery roles and admins)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(groups__name__in=[Role.DELIVERY_LEAD, Role.DELIVERY_MEMBER, Role.ADMIN])
            | Q(is_superuser=True)
        )
        .distinct()
        .order_by("username")
    )


def task_assignees() -> QuerySet[User]:
    """Who a task can be assigned to: active people with a delivery role, as
    ``services.task_create`` requires (an admin without one is refused there)."""
    return (
        User.objects.filter(is_active=True, groups__name__in=list(DELIVERY_ROLES))
        .distinct()
        .order_by("username")
    )


def task_assignee_choices(*, q: str | None = None, limit: int = 20) -> list[User]:
    """The task assignee picker's suggestions for ``q``."""
    return list(users_matching(task_assignees(), clean_query_text(q))[:limit])


def delivery_leads(*, admins: bool = True) -> QuerySet[User]:
    """Who may lead a project: delivery leads, and admins unless ``admins`` is False (a
    handoff names a delivery lead by role: handoff.services refuses anyone else)."""
    people = User.objects.filter(is_active=True)
    if admins:
        people = people.filter(
            Q(groups__name__in=[Role.DELIVERY_LEAD, Role.ADMIN]) | Q(is_superuser=True)
        )
    else:
        people = people.filter(groups__name=Role.DELIVERY_LEAD)
    return people.distinct().order_by("username")


def user_can_see_project(user: User, project: Project) -> bool:
    return _visible_projects(user).filter(pk=project.pk).exists()


# Calendar and templates --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Variance:
    """A finish against its baseline, in working days (``WorkingCalendar.working_days_variance``):
    the actual finish once there is one, else the forecast finish; positive is late."""

    baseline: date | None
    forecast: date | None
    actual: date | None
    forecast_days: int | None
    actual_days: int | None

    @property
    def days(self) -> int | None:
        return self.actual_days if self.actual_days is not None else self.forecast_days

    @property
    def basis(self) -> str:
        return "actual" if self.actual_days is not None else "forecast"

    @property
    def tone(self) -> str:
        days = self.days or 0
        return "late" if days > 0 else "early" if days < 0 else ""

    @property
    def label(self) -> str:
        days = self.days
        if days is None:
            return "—"
        if days == 0:
            return f"On the baseline ({self.basis})"
        count = abs(days)
        word = "day" if count == 1 else "days"
        return f"{count} working {word} {'late' if days > 0 else 'early'} ({self.basis})"


def finish_variance(
    calendar: scheduling.WorkingCalendar,
    baseline: date | None,
    forecast: date | None,
    actual: date | None = None,
) -> Variance:
    def against(day: date | None) -> int | None:
        if baseline is None or day is None:
            return None
        return calendar.working_days_variance(baseline, day)

    return Variance(baseline, forecast, actual, against(forecast), against(actual))


def mark_variance(
    project: Project, tasks: Iterable[Task], milestones: Iterable[Milestone]
) -> Variance:
    """Set ``variance`` on each task (its finish) and milestone (its baseline date against the
    latest forecast finish of its tasks, the actual once all are done; ``project_milestones``
    annotates those) and answer the project's (its forecast finish is its actual finish once
    it is done). One query: the holidays."""
    calendar = working_calendar()
    for task in tasks:
        task.variance = finish_variance(  # type: ignore[attr-defined]
            calendar, task.baseline_finish, task.forecast_finish, task.actual_finish
        )
    for milestone in milestones:
        done = milestone.task_count and not milestone.open_task_count  # type: ignore[attr-defined]
        milestone.variance = finish_variance(  # type: ignore[attr-defined]
            calendar,
            milestone.baseline_date,
            milestone.forecast_date,  # type: ignore[attr-defined]
            milestone.actual_date if done else None,  # type: ignore[attr-defined]
        )
    done = project.status == ProjectStatus.DONE
    return finish_variance(
        calendar,
        project.baseline_finish,
        project.forecast_finish,
        project.forecast_finish if done else None,
    )


def task_variance(task: Task) -> Variance:
    """The task's finish variance (one query: the holidays from its earliest date on)."""
    days = [d for d in (task.baseline_finish, task.forecast_finish, task.actual_finish) if d]
    calendar = working_calendar(since=min(days)) if days else scheduling.WorkingCalendar()
    return finish_variance(calendar, task.baseline_finish, task.forecast_finish, task.actual_finish)


def working_calendar(since: date | Subquery | None = None) -> scheduling.WorkingCalendar:
    """Holidays from ``since`` (a date, or a subquery giving one) on, read when built."""
    holidays = Holiday.objects.all()
    if since is not None:
        holidays = holidays.filter(date__gte=since)
    return scheduling.WorkingCalendar(holidays.values_list("date", flat=True))


def template_list() -> QuerySet[ProjectTemplate]:
    return (
        ProjectTemplate.objects.filter(is_active=True)
        .annotate(task_count=Count("tasks"))
        .order_by("name")
    )


def template_get(pk: int) -> ProjectTemplate:
    template = ProjectTemplate.objects.filter(pk=pk, is_active=True).first()
    if template is None:
        raise Http404("No such project template.")
    return template


def _template_specs(
    template: ProjectTemplate, calendar: scheduling.WorkingCalendar, start_date: date
) -> tuple[list[TemplateTask], list[scheduling.TaskSpec], list[scheduling.LinkSpec]]:
    tasks = list(TemplateTask.objects.filter(template=template).order_by("position", "pk"))
    links = list(TemplateDependency.objects.filter(template=template).order_by("pk"))
    specs = [
        scheduling.TaskSpec(
            id=task.pk,
            duration=task.duration_days,
            name=task.title,
            not_before=(
                calendar.add_working_days(start_date, task.offset_days)
                if task.offset_days
                else None
            ),
        )
        for task in tasks
    ]
    link_specs = [
        scheduling.LinkSpec(link.predecessor_id, link.successor_id, link.kind, link.lag_days)
        for link in links
    ]
    return tasks, specs, link_specs


def template_schedule(
    template: ProjectTemplate, start_date: date, calendar: scheduling.WorkingCalendar | None = None
) -> scheduling.Schedule:
    """The template's tasks scheduled from ``start_date`` (keys: TemplateTask ids).

    The handoff's promise check compares ``.finish`` with the promised date.
    """
    calendar = calendar or working_calendar(since=start_date)
    _, specs, links = _template_specs(template, calendar, start_date)
    return scheduling.schedule(specs, links, start=start_date, calendar=calendar)


def template_planned_finish(template: ProjectTemplate, start_date: date) -> date | None:
    return template_schedule(template, start_date).finish


def templates_working_days(template_filter: Q) -> dict[int, int]:
    """Planned working days, kickoff to finish, of each template ``template_filter`` picks
    (a filter on TemplateTask/TemplateDependency by ``template``): the one definition,
    for the API, the admin and the dashboards. Scheduled from a Monday on a calendar
    without holidays, so holidays shift dates but not this count; a cycle counts 0.
    Two queries, however many templates."""
    tasks = list(
        TemplateTask.objects.filter(template_filter)
        .order_by("template_id", "position", "pk")
        .values("pk", "template_id", "title", "duration_days", "offset_days")
    )
    links = list(
        TemplateDependency.objects.filter(template_filter)
        .order_by("pk")
        .values("template_id", "predecessor_id", "successor_id", "kind", "lag_days")
    )
    monday = date(2001, 1, 1)
    calendar = scheduling.WorkingCalendar()
    specs: dict[int, list[scheduling.TaskSpec]] = {}
    for task in tasks:
        specs.setdefault(task["template_id"], []).append(
            scheduling.TaskSpec(
                task["pk"],
                task["duration_days"],
                task["title"],
                calendar.add_working_days(monday, task["offset_days"])
                if task["offset_days"]
                else None,
            )
        )
    link_specs: dict[int, list[scheduling.LinkSpec]] = {}
    for link in links:
        link_specs.setdefault(link["template_id"], []).append(
            scheduling.LinkSpec(
                link["predecessor_id"], link["successor_id"], link["kind"], link["lag_days"]
            )
        )
    days = {}
    for template_id, template_specs in specs.items():
        try:
            plan = scheduling.schedule(
                template_specs, link_specs.get(template_id, []), start=monday, calendar=calendar
            )
        except scheduling.CycleError:
            days[template_id] = 0
        else:
            days[template_id] = plan.working_days
    return days


def template_planned_working_days(template: ProjectTemplate) -> int:
    """Working days from kickoff to finish; holidays shift dates, not this count."""
    return templates_working_days(Q(template=template)).get(template.pk, 0)


def template_summaries() -> list[dict]:
    """Each active template with its task count and planned working days (API and forms)."""
    templates = list(template_list())
    if not templates:
        return []
    days = templates_working_days(Q(template_id__in=[t.pk for t in templates]))
    return [
        {
            "id": template.pk,
            "name": template.name,
            "description": template.description,
            "task_count": template.task_count,  # type: ignore[attr-defined]
            "planned_working_days": days.get(template.pk, 0),
        }
        for template in templates
    ]


# Learning per template (issue 15) ----------------------------------------------------------

# A template's history is enough to trust (the promise check's probability, the demand
# report's actual effort) from this many finished projects on.
MIN_FINISHED_PROJECTS = 5
# Learned from the latest finished projects of a template, at most this many: recent
# delivery says more than old, and a page reading the history stays quick.
HISTORY_PROJECTS = 100  # 100 samples a task: P50 and P80 within a few per cent


def _percentile(values: Sequence[int], percent: int) -> int | None:
    """The smallest value with at least ``percent``% of ``values`` at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(-(-len(ordered) * percent // 100), 1)  # ceil, at least the first
    return ordered[rank - 1]


@dataclass(frozen=True)
class TaskHistory:
    """What one template task really took in finished projects: working days from its
    actual start to its actual finish, both included, one per project."""

    template_task_id: int
    title: str
    planned_days: int
    durations: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.durations)

    @property
    def median(self) -> float | None:
        return statistics.median(self.durations) if self.durations else None

    @property
    def p80(self) -> int | None:
        return _percentile(self.durations, 80)


@dataclass(frozen=True)
class TemplateHistory:
    template_id: int
    tasks: list[TaskHistory]  # in the template's order
    # Per finished project with actual dates: working days from its first actual start
    # to its last actual finish.
    project_days: tuple[int, ...]

    @property
    def project_count(self) -> int:
        return len(self.project_days)

    @property
    def enough(self) -> bool:
        return self.project_count >= MIN_FINISHED_PROJECTS

    @property
    def median_project_days(self) -> float | None:
        return statistics.median(self.project_days) if self.project_days else None

    def samples(self) -> dict[int, tuple[int, ...]]:
        """Each template task's actual durations, for ``simulation.simulate``."""
        return {task.template_task_id: task.durations for task in self.tasks if task.durations}


def template_histories(
    template_ids: Iterable[int],
    *,
    calendar: scheduling.WorkingCalendar | None = None,
    template_tasks: list[tuple[int, int, int, str, int]] | None = None,
) -> dict[int, TemplateHistory]:
    """The actual durations of each template task, from the latest ``HISTORY_PROJECTS``
    finished (done) projects made from each of ``template_ids``. Four queries, however
    many templates, projects and tasks; two when the caller has read the templates'
    tasks (pk, template, position, title, duration) and a calendar of every holiday.

    A task keeps no link to the template task it was copied from:
    ``project_create_from_template`` copies a template task's title and position, so a
    project task is matched to the template task with the same position and title (the
    n-th of several such in either, by creation order, to the n-th). A task renamed or
    moved since, or one added to the project, counts for none. Milestones (zero-duration
    template tasks) have no duration to learn. Only tasks with both actual dates count,
    and only projects with at least one such task.
    """
    ids = sorted(set(template_ids))
    if template_tasks is None:
        template_tasks = list(
            TemplateTask.objects.filter(template_id__in=ids)
            .order_by("template_id", "position", "pk")
            .values_list("pk", "template_id", "position", "title", "duration_days")
        )
    latest = (
        Project.objects.filter(template_id__in=ids, status=ProjectStatus.DONE)
        .annotate(
            recent=Window(RowNumber(), partition_by=F("template_id"), order_by=F("pk").desc())
        )
        .filter(recent__lte=HISTORY_PROJECTS)
        .values_list("pk", flat=True)
    )
    # The ids first: as a subquery PostgreSQL cannot tell it is a few hundred projects and
    # merges with every task in the table (44 of 57 ms at 200,000 tasks; now 3 ms).
    rows = list(
        Task.objects.filter(project_id__in=list(latest))
        .order_by("project_id", "pk")
        .values_list(
            "project_id",
            "project__template_id",
            "position",
            "title",
            "actual_start",
            "actual_finish",
        )
    )
    # The n-th template task of each (template, position, title), to the n-th project task.
    slots: dict[tuple[int, int, str], list[int]] = {}
    for pk, template_id, position, title, days in template_tasks:
        if days:
            slots.setdefault((template_id, position, title), []).append(pk)
    matched: list[tuple[int, date, date]] = []  # template task, actual start and finish
    seen: dict[tuple[int, int, int, str], int] = {}  # per project and slot: matched so far
    project_span: dict[int, tuple[int, date, date]] = {}
    for project_id, template_id, position, title, first, last in rows:
        nth = seen.get((project_id, template_id, position, title), 0)
        seen[(project_id, template_id, position, title)] = nth + 1
        if first is None or last is None:
            continue
        known = project_span.get(project_id)
        project_span[project_id] = (
            template_id,
            min(first, known[1]) if known else first,
            max(last, known[2]) if known else last,
        )
        candidates = slots.get((template_id, position, title), [])
        if nth < len(candidates):
            matched.append((candidates[nth], first, last))
    calendar = calendar or working_calendar()
    spans = simulation.working_days(
        calendar, (first for _, first, _ in matched), (last for _, _, last in matched)
    )
    durations: dict[int, list[int]] = {pk: [] for pk, *_ in template_tasks}
    for (template_task_id, _, _), days in zip(matched, spans, strict=True):
        durations[template_task_id].append(days)
    by_template: dict[int, list[TaskHistory]] = {template_id: [] for template_id in ids}
    for pk, template_id, _, title, days in template_tasks:
        by_template[template_id].append(TaskHistory(pk, title, days, tuple(durations[pk])))
    projects = list(project_span.values())
    project_days = simulation.working_days(
        calendar, (first for _, first, _ in projects), (last for _, _, last in projects)
    )
    days_by_template: dict[int, list[int]] = {template_id: [] for template_id in ids}
    for (template_id, _, _), days in zip(projects, project_days, strict=True):
        days_by_template[template_id].append(days)
    return {
        template_id: TemplateHistory(
            template_id, by_template[template_id], tuple(days_by_template[template_id])
        )
        for template_id in ids
    }


@dataclass(frozen=True)
class PromiseForecast:
    """A Monte Carlo schedule of a template from a kickoff date, from its history."""

    probability: float | None  # of finishing by the promised date (None: no promise)
    p50_finish: date
    p80_finish: date
    history_count: int  # the finished projects it learned from
    runs: int
    runs_on_time: int | None


def template_forecast(
    template: ProjectTemplate, start_date: date, promised_date: date | None
) -> PromiseForecast | None:
    """Schedule ``template`` from ``start_date`` ``simulation.RUNS`` times, each task's
    duration drawn from its actual durations (a task without any: its planned duration);
    None while the template has fewer than ``MIN_FINISHED_PROJECTS`` finished projects.
    Raises ``scheduling.BeyondCalendarError`` as ``template_schedule`` does."""
    return template_promise(template, start_date, promised_date)[1]


def template_promise(
    template: ProjectTemplate, start_date: date, promised_date: date | None
) -> tuple[date | None, PromiseForecast | None]:
    """What the promise check (R7) asks of a template from a kickoff date: its planned
    finish, and its forecast (``template_forecast``) when there is a plan and enough
    history. The template and the calendar are read once for both."""
    calendar = working_calendar()  # every holiday: the history's past and the plan's future
    tasks, specs, links = _template_specs(template, calendar, start_date)
    finish = scheduling.schedule(specs, links, start=start_date, calendar=calendar).finish
    if finish is None:
        return None, None
    history = template_histories(
        [template.pk],
        calendar=calendar,
        template_tasks=[(t.pk, t.template_id, t.position, t.title, t.duration_days) for t in tasks],
    )[template.pk]
    if not history.enough:
        return finish, None
    result = simulation.simulate(
        specs, links, start=start_date, samples=history.samples(), calendar=calendar
    )
    on_time = result.runs_by(promised_date) if promised_date is not None else None
    return finish, PromiseForecast(
        probability=on_time / result.runs if on_time is not None else None,
        p50_finish=result.percentile_finish(50),
        p80_finish=result.percentile_finish(80),
        history_count=history.project_count,
        runs=result.runs,
        runs_on_time=on_time,
    )


def my_work_context(user: User | AnonymousUser) -> dict[str, Any]:
    """The delivery part of My work: my open tasks in order of need (each marked with what
    blocks it), the approvals waiting for me; for a delivery lead also the projects they
    lead and those projects' late tasks. A fixed number of queries (up to five)."""
    if not isinstance(user, User):
        return {"show_delivery": False}
    today = timezone.localtime(timezone.now(), user.zone).date()
    tasks = my_open_tasks(user, today=today)
    mark_blockers(tasks)
    approvals = approvals_waiting_for(user)
    context: dict[str, Any] = {
        "show_delivery": bool(tasks or approvals)
        or user.has_role(Role.DELIVERY_LEAD, Role.DELIVERY_MEMBER, Role.ADMIN),
        "my_tasks": tasks,
        "my_tasks_total": tasks[0].total if tasks else 0,  # type: ignore[attr-defined]
        "my_approvals": approvals,
        "delivery_today": today,
        "leads_projects": user.has_role(Role.DELIVERY_LEAD),
    }
    if context["leads_projects"]:
        led = projects_led_by(user)
        late = late_tasks_led_by(user, today=today)
        context["led_projects"] = led
        context["led_projects_total"] = led[0].total if led else 0
        context["late_tasks"] = late
        context["late_tasks_total"] = late[0].total if late else 0  # type: ignore[attr-defined]
    return context
