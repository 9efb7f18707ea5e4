"""Delivery endpoints: projects, tasks, dependencies, milestones, approvals, templates.

Thin adapters: selectors find what the caller may see (404 otherwise), services apply the
rules (403 not allowed, 422 refused, naming the fields).
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from accounts.models import User
from api.auth import current_user
from api.errors import ONE, READ, WRITE, answers
from api.fields import (
    Bool,
    Date,
    FilledLine,
    FilledText,
    Id,
    Input,
    Int,
    PathId,
    QueryBool,
    QueryId,
    Text,
    Version,
)
from api.idempotency import KeyHeader, created_once, key_header
from api.lookups import related
from api.pagination import DEFAULT_LIMIT, Limit, Offset, Page, paginate
from crm.models import Company
from handoff.models import Handoff
from projects import rules as project_rules
from projects import selectors, services
from projects.models import (
    MAX_DURATION_DAYS,
    MAX_LAG_DAYS,
    Comment,
    DependencyKind,
    Milestone,
    Project,
    ProjectStatus,
    Task,
    TaskStatus,
)

router = Router(tags=["projects"])

Duration = Annotated[int, Int(0, MAX_DURATION_DAYS)]
Lag = Annotated[int, Int(-MAX_LAG_DAYS, MAX_LAG_DAYS)]
SearchText = Annotated[str, Field(max_length=200)]


# Schemas -----------------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    name: str
    description: str
    status: ProjectStatus
    company_id: int | None
    delivery_lead_id: int
    member_ids: list[int]
    template_id: int | None
    start_date: date
    kickoff_date: date
    planned_finish: date | None
    baseline_finish: date | None
    forecast_finish: date | None = Field(
        None, description="The finish forecast from the tasks' actuals; at_risk compares it."
    )
    promised_date: date | None
    at_risk: bool
    # Handoff context (R6): filled in by the handoff once a won deal starts the project.
    deal_id: int | None = None
    scope_summary: str | None = None
    key_constraints: str | None = None
    main_stakeholder_id: int | None = None
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectIn(Input):
    name: Annotated[str, FilledLine(200)]
    start_date: Date
    delivery_lead_id: Id | None = Field(None, description="Default: the caller.")
    company_id: Id | None = None
    template_id: Id | None = None
    member_ids: list[Id] = []
    promised_date: Date | None = None
    description: Annotated[str, Text()] = ""


class ProjectPatch(Input):
    """Fields to change; a field that cannot be empty (``name``, ``description``,
    ``status``, ``start_date``, ``delivery_lead_id``) is refused as null (400)."""

    name: Annotated[str, FilledLine(200)] = None  # type: ignore[assignment]
    description: Annotated[str, Text()] = None  # type: ignore[assignment]
    status: ProjectStatus = None  # type: ignore[assignment]
    start_date: Date = None  # type: ignore[assignment]
    delivery_lead_id: Id = None  # type: ignore[assignment]
    company_id: Id | None = None
    member_ids: list[Id] = None  # type: ignore[assignment]
    promised_date: Date | None = None
    version: Version | None = None


class TaskOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    assignee_id: int | None
    status: TaskStatus
    duration_days: int
    start_no_earlier_than: date | None
    milestone_id: int | None
    planned_start: date | None
    planned_finish: date | None
    baseline_start: date | None
    baseline_finish: date | None
    actual_start: date | None
    actual_finish: date | None
    forecast_start: date | None
    forecast_finish: date | None
    total_float: int | None
    is_critical: bool
    version: int


class TaskIn(Input):
    title: Annotated[str, FilledLine(200)]
    description: Annotated[str, Text()] = ""
    assignee_id: Id | None = None
    duration_days: Duration = 1
    start_no_earlier_than: Date | None = None
    milestone_id: Id | None = None


class TaskPatch(Input):
    title: Annotated[str, FilledLine(200)] = None  # type: ignore[assignment]
    description: Annotated[str, Text()] = None  # type: ignore[assignment]
    assignee_id: Id | None = None
    duration_days: Duration = None  # type: ignore[assignment]
    start_no_earlier_than: Date | None = None
    milestone_id: Id | None = None
    status: TaskStatus = None  # type: ignore[assignment]
    version: Version | None = None


class ActualsIn(Input):
    """The task's actual days as they really were (both, for a done task; the start only,
    for one in progress) and why they are corrected."""

    actual_start: Date | None = None
    actual_finish: Date | None = None
    reason: Annotated[str, FilledText()]  # required: a correction says why
    version: Version | None = None


class DependencyIn(Input):
    predecessor_id: Id
    kind: DependencyKind = DependencyKind.FS
    lag_days: Lag = Field(0, description="Working days; negative is a lead.")


class DependencyOut(Schema):
    id: int
    project_id: int
    predecessor_id: int
    successor_id: int
    kind: DependencyKind
    lag_days: int


class MilestoneIn(Input):
    name: Annotated[str, FilledLine(200)]
    due_date: Date | None = None
    requires_approval: Bool = False
    approver_id: Id | None = None


class MilestoneOut(Schema):
    id: int
    project_id: int
    name: str
    due_date: date | None
    baseline_date: date | None
    requires_approval: bool
    approver_id: int | None
    approved_by_id: int | None
    approved_at: datetime | None
    approval_comment: str


class ApproveIn(Input):
    comment: Annotated[str, Text()] = ""


NO_COMMENT = ApproveIn()  # an omitted body


class CommentIn(Input):
    # As long as the request allows (the model's text has no limit); at most 50 @mentions.
    body: Annotated[str, FilledText(max_length=None)]


class CommentOut(Schema):
    id: int
    task_id: int
    author_id: int
    body: str
    mentioned_user_ids: list[int]
    created_at: datetime


class TemplateOut(Schema):
    id: int
    name: str
    description: str
    task_count: int
    planned_working_days: int


# Helpers -----------------------------------------------------------------------------------


def _user(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, is_active=True).prefetch_related("groups").first()
    if user is None:
        raise ValidationError({field: f"No active user with id {pk}."})
    return user


def _users(pks: list[int], field: str) -> list[User]:
    users = list(User.objects.filter(pk__in=pks, is_active=True).prefetch_related("groups"))
    missing = sorted(set(pks) - {u.pk for u in users})
    if missing:
        raise ValidationError({field: f"No active user with id {', '.join(map(str, missing))}."})
    return users


def _milestone(project: Project, pk: int | None) -> Milestone | None:
    if pk is None:
        return None
    milestone = Milestone.objects.filter(pk=pk, project=project).first()
    if milestone is None:
        raise ValidationError({"milestone_id": "Choose a milestone of this project."})
    return milestone


def _handoffs(project_ids: list[int]) -> dict[int, Handoff]:
    """The handoff behind each kickoff project (one query for a page of projects)."""
    return {
        h.project_id: h
        for h in Handoff.objects.filter(project_id__in=project_ids)
        if h.project_id is not None
    }


def _project_out(project: Project, handoffs: dict[int, Handoff] | None = None) -> dict[str, Any]:
    """The project, with the handoff context when a won deal started it (R6)."""
    if handoffs is None:
        handoffs = _handoffs([project.pk])
    handoff = handoffs.get(project.pk)
    context = (
        {
            "deal_id": handoff.deal_id,
            "kickoff_date": handoff.kickoff_date,
            "scope_summary": handoff.scope_summary,
            "key_constraints": handoff.key_constraints,
            "main_stakeholder_id": handoff.main_stakeholder_id,
        }
        if handoff is not None
        else {}
    )
    return {
        "id": project.pk,
        "name": project.name,
        "description": project.description,
        "status": project.status,
        "company_id": project.company_id,
        "delivery_lead_id": project.delivery_lead_id,
        "member_ids": sorted(m.pk for m in project.members.all()),
        "template_id": project.template_id,
        "start_date": project.start_date,
        "kickoff_date": project.start_date,
        "planned_finish": project.planned_finish,
        "baseline_finish": project.baseline_finish,
        "forecast_finish": project.forecast_finish,
        "promised_date": project.promised_date,
        "at_risk": project.at_risk,
        "version": project.version,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
        **context,
    }


def _comment_out(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "task_id": comment.task_id,
        "author_id": comment.author_id,
        "body": comment.body,
        "mentioned_user_ids": sorted(m.user_id for m in comment.mentions.all()),
        "created_at": comment.created_at,
    }


# Projects ----------------------------------------------------------------------------------


@router.get("projects", response=answers({200: Page[ProjectOut]}, *READ))
def project_list(
    request: HttpRequest,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
    status: ProjectStatus | None = None,
    lead_id: QueryId | None = None,
    company_id: QueryId | None = None,
    at_risk: QueryBool | None = None,
    q: SearchText | None = None,
) -> dict:
    projects = selectors.project_list_for_user(
        current_user(request),
        status=status,
        lead_id=lead_id,
        company_id=company_id,
        at_risk=at_risk,
        q=q,
    ).prefetch_related("members")
    page = paginate(projects, limit=limit, offset=offset)
    handoffs = _handoffs([p.pk for p in page["items"]])
    page["items"] = [_project_out(p, handoffs) for p in page["items"]]
    return page


@router.post("projects", response=answers({201: ProjectOut}, *WRITE, 403))
def project_create(
    request: HttpRequest, payload: ProjectIn, idempotency_key: KeyHeader = key_header
) -> Status | HttpResponse:
    user = current_user(request)
    if not project_rules.can_create_project.test(user):
        raise PermissionDenied("Only delivery leads create projects.")

    def create() -> dict[str, Any]:
        lead = _user(payload.delivery_lead_id, "delivery_lead_id") or user
        fields: dict[str, Any] = {
            "by": user,
            "name": payload.name,
            "start_date": payload.start_date,
            "delivery_lead": lead,
            "company": related(Company, payload.company_id, "company_id"),
            "members": _users(payload.member_ids, "member_ids"),
            "promised_date": payload.promised_date,
            "description": payload.description,
        }
        if payload.template_id is not None:
            try:
                template = selectors.template_get(payload.template_id)
            except Http404 as error:
                raise ValidationError({"template_id": "No such project template."}) from error
            project = services.project_create_from_template(template=template, **fields)
        else:
            project = services.project_create(**fields)
        return _project_out(selectors.project_get_for_user(user, project.pk))

    return created_once(request, idempotency_key, ProjectOut, create)


@router.get("projects/{int:project_id}", response=answers({200: ProjectOut}, *ONE))
def project_detail(request: HttpRequest, project_id: PathId) -> dict:
    return _project_out(selectors.project_get_for_user(current_user(request), project_id))


@router.patch(
    "projects/{int:project_id}", response=answers({200: ProjectOut}, *ONE, *WRITE, 403, 409)
)
def project_update(request: HttpRequest, project_id: PathId, payload: ProjectPatch) -> dict:
    user = current_user(request)
    project = selectors.project_get_for_user(user, project_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key == "delivery_lead_id":
            changes["delivery_lead"] = _user(value, key)
        elif key == "company_id":
            changes["company"] = related(Company, value, "company_id")
        elif key == "member_ids":
            changes["members"] = _users(value, key)
        else:
            changes[key] = value
    services.project_update(by=user, project=project, version=version, **changes)
    return _project_out(selectors.project_get_for_user(user, project_id))


# Tasks -------------------------------------------------------------------------------------


@router.get("projects/{int:project_id}/tasks", response=answers({200: Page[TaskOut]}, *ONE, *READ))
def task_list(
    request: HttpRequest, project_id: PathId, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict:
    project = selectors.project_get_for_user(current_user(request), project_id)
    return paginate(selectors.project_tasks(project), limit=limit, offset=offset)


@router.post("projects/{int:project_id}/tasks", response=answers({201: TaskOut}, *ONE, *WRITE, 403))
def task_create(
    request: HttpRequest,
    project_id: PathId,
    payload: TaskIn,
    idempotency_key: KeyHeader = key_header,
) -> Status | HttpResponse:
    user = current_user(request)
    project = selectors.project_get_for_user(user, project_id)
    return created_once(
        request,
        idempotency_key,
        TaskOut,
        lambda: services.task_create(
            by=user,
            project=project,
            title=payload.title,
            description=payload.description,
            duration_days=payload.duration_days,
            assignee=_user(payload.assignee_id, "assignee_id"),
            start_no_earlier_than=payload.start_no_earlier_than,
            milestone=_milestone(project, payload.milestone_id),
        ),
    )


@router.get("tasks/{int:task_id}", response=answers({200: TaskOut}, *ONE))
def task_detail(request: HttpRequest, task_id: PathId) -> Task:
    return selectors.task_get_for_user(current_user(request), task_id)


@router.patch("tasks/{int:task_id}", response=answers({200: TaskOut}, *ONE, *WRITE, 403, 409))
def task_update(request: HttpRequest, task_id: PathId, payload: TaskPatch) -> Task:
    user = current_user(request)
    task = selectors.task_get_for_user(user, task_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key == "assignee_id":
            changes["assignee"] = _user(value, key)
        elif key == "milestone_id":
            changes["milestone"] = _milestone(task.project, value)
        else:
            changes[key] = value
    services.task_update(by=user, task=task, version=version, **changes)
    return selectors.task_get_for_user(user, task_id)


@router.post(
    "tasks/{int:task_id}/actuals", response=answers({200: TaskOut}, *ONE, *WRITE, 403, 409)
)
def task_correct_actuals(request: HttpRequest, task_id: PathId, payload: ActualsIn) -> Task:
    """Correct the actual start and finish (the project's lead or an admin), with a reason
    that is kept; the forecast follows."""
    user = current_user(request)
    task = selectors.task_get_for_user(user, task_id)
    services.task_correct_actuals(
        by=user,
        task=task,
        actual_start=payload.actual_start,
        actual_finish=payload.actual_finish,
        reason=payload.reason,
        version=payload.version,
    )
    return selectors.task_get_for_user(user, task_id)


# Dependencies ------------------------------------------------------------------------------


@router.get(
    "tasks/{int:task_id}/dependencies",
    response=answers({200: Page[DependencyOut]}, *ONE, *READ),
)
def dependency_list(
    request: HttpRequest, task_id: PathId, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict:
    """The task's links: those to its predecessors, then those to its successors."""
    task = selectors.task_get_for_user(current_user(request), task_id)
    before, after = selectors.task_links(task)
    return paginate(before + after, limit=limit, offset=offset)


@router.post(
    "tasks/{int:task_id}/dependencies",
    response=answers({201: DependencyOut}, *ONE, *WRITE, 403),
)
def dependency_create(
    request: HttpRequest,
    task_id: PathId,
    payload: DependencyIn,
    idempotency_key: KeyHeader = key_header,
) -> Status | HttpResponse:
    user = current_user(request)
    successor = selectors.task_get_for_user(user, task_id)
    return created_once(
        request,
        idempotency_key,
        DependencyOut,
        lambda: services.dependency_create(
            by=user,
            successor=successor,
            predecessor=Task.objects.filter(pk=payload.predecessor_id).first(),
            kind=payload.kind,
            lag_days=payload.lag_days,
        ),
    )


@router.delete("dependencies/{int:dependency_id}", response=answers({204: None}, *ONE, 403))
def dependency_delete(request: HttpRequest, dependency_id: PathId) -> Status:
    user = current_user(request)
    dependency = selectors.dependency_get_for_user(user, dependency_id)
    services.dependency_delete(by=user, dependency=dependency)
    return Status(204, None)


# Milestones --------------------------------------------------------------------------------


@router.get(
    "projects/{int:project_id}/milestones",
    response=answers({200: Page[MilestoneOut]}, *ONE, *READ),
)
def milestone_list(
    request: HttpRequest, project_id: PathId, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict:
    project = selectors.project_get_for_user(current_user(request), project_id)
    return paginate(selectors.project_milestones(project), limit=limit, offset=offset)


@router.post(
    "projects/{int:project_id}/milestones",
    response=answers({201: MilestoneOut}, *ONE, *WRITE, 403),
)
def milestone_create(
    request: HttpRequest,
    project_id: PathId,
    payload: MilestoneIn,
    idempotency_key: KeyHeader = key_header,
) -> Status | HttpResponse:
    user = current_user(request)
    project = selectors.project_get_for_user(user, project_id)
    return created_once(
        request,
        idempotency_key,
        MilestoneOut,
        lambda: services.milestone_create(
            by=user,
            project=project,
            name=payload.name,
            due_date=payload.due_date,
            requires_approval=payload.requires_approval,
            approver=_user(payload.approver_id, "approver_id"),
        ),
    )


@router.get("milestones/{int:milestone_id}", response=answers({200: MilestoneOut}, *ONE))
def milestone_detail(request: HttpRequest, milestone_id: PathId) -> Milestone:
    return selectors.milestone_get_for_user(current_user(request), milestone_id)


@router.post(
    "milestones/{int:milestone_id}/approve",
    response=answers({200: MilestoneOut}, *ONE, *WRITE, 403),
)
def milestone_approve(
    request: HttpRequest, milestone_id: PathId, payload: ApproveIn = NO_COMMENT
) -> Milestone:
    """R9: only the named approver, and not while tasks of the milestone are open. The body
    (a comment) is optional."""
    user = current_user(request)
    milestone = selectors.milestone_get_for_user(user, milestone_id)
    return services.milestone_approve(by=user, milestone=milestone, comment=payload.comment)


# Comments ----------------------------------------------------------------------------------


@router.get("tasks/{int:task_id}/comments", response=answers({200: Page[CommentOut]}, *ONE, *READ))
def comment_list(
    request: HttpRequest, task_id: PathId, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict:
    task = selectors.task_get_for_user(current_user(request), task_id)
    page = paginate(selectors.task_comments(task), limit=limit, offset=offset)
    page["items"] = [_comment_out(c) for c in page["items"]]
    return page


@router.post("tasks/{int:task_id}/comments", response=answers({201: CommentOut}, *ONE, *WRITE, 403))
def comment_create(
    request: HttpRequest,
    task_id: PathId,
    payload: CommentIn,
    idempotency_key: KeyHeader = key_header,
) -> Status | HttpResponse:
    user = current_user(request)
    task = selectors.task_get_for_user(user, task_id)
    return created_once(
        request,
        idempotency_key,
        CommentOut,
        lambda: _comment_out(services.comment_create(by=user, task=task, body=payload.body)),
    )


# Templates ---------------------------------------------------------------------------------


@router.get("project-templates", response=answers({200: Page[TemplateOut]}, *READ))
def template_list(request: HttpRequest, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> dict:
    current_user(request)
    return paginate(selectors.template_summaries(), limit=limit, offset=offset)
