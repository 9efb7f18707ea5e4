"""Delivery endpoints: projects, tasks, dependencies, milestones, approvals, templates.

Thin adapters: selectors find what the caller may see (404 otherwise), services apply the
rules (403 not allowed, 422 refused, naming the fields).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from accounts.models import User
from api.auth import current_user
from api.errors import Conflict
from api.lookups import related
from api.pagination import Page, paginate
from crm.models import Company
from handoff.models import Handoff
from projects import rules as project_rules
from projects import selectors, services
from projects.exceptions import EditConflict
from projects.models import Comment, Dependency, Milestone, Project, Task

router = Router(tags=["projects"])


# Schemas -----------------------------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    name: str
    description: str
    status: str
    company_id: int | None
    delivery_lead_id: int
    member_ids: list[int]
    template_id: int | None
    start_date: date
    kickoff_date: date
    planned_finish: date | None
    baseline_finish: date | None
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


class ProjectIn(Schema):
    name: str
    start_date: date
    delivery_lead_id: int | None = None
    company_id: int | None = None
    template_id: int | None = None
    member_ids: list[int] = []
    promised_date: date | None = None
    description: str = ""


class ProjectPatch(Schema):
    name: str | None = None
    description: str | None = None
    status: str | None = None
    start_date: date | None = None
    delivery_lead_id: int | None = None
    company_id: int | None = None
    member_ids: list[int] | None = None
    promised_date: date | None = None
    version: int | None = None


class TaskOut(Schema):
    id: int
    project_id: int
    title: str
    description: str
    assignee_id: int | None
    status: str
    duration_days: int
    start_no_earlier_than: date | None
    milestone_id: int | None
    planned_start: date | None
    planned_finish: date | None
    baseline_start: date | None
    baseline_finish: date | None
    total_float: int | None
    is_critical: bool
    version: int


class TaskIn(Schema):
    title: str
    description: str = ""
    assignee_id: int | None = None
    duration_days: int = 1
    start_no_earlier_than: date | None = None
    milestone_id: int | None = None


class TaskPatch(Schema):
    title: str | None = None
    description: str | None = None
    assignee_id: int | None = None
    duration_days: int | None = None
    start_no_earlier_than: date | None = None
    milestone_id: int | None = None
    status: str | None = None
    version: int | None = None


class DependencyIn(Schema):
    predecessor_id: int
    kind: str = "FS"
    lag_days: int = 0


class DependencyOut(Schema):
    id: int
    project_id: int
    predecessor_id: int
    successor_id: int
    kind: str
    lag_days: int


class MilestoneIn(Schema):
    name: str
    due_date: date | None = None
    requires_approval: bool = False
    approver_id: int | None = None


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


class ApproveIn(Schema):
    comment: str = ""


class CommentIn(Schema):
    body: str


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


@contextmanager
def _conflicts() -> Iterator[None]:
    try:
        yield
    except EditConflict as error:
        raise Conflict(error.detail) from error


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


@router.get("projects", response=Page[ProjectOut])
def project_list(
    request: HttpRequest,
    limit: int = 50,
    offset: int = 0,
    status: str | None = None,
    lead_id: int | None = None,
    company_id: int | None = None,
    at_risk: bool | None = None,
    q: str | None = None,
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


@router.post("projects", response={201: ProjectOut})
def project_create(request: HttpRequest, payload: ProjectIn) -> Status:
    user = current_user(request)
    if not project_rules.can_create_project.test(user):
        raise PermissionDenied("Only delivery leads create projects.")
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
    return Status(201, _project_out(selectors.project_get_for_user(user, project.pk)))


@router.get("projects/{int:project_id}", response=ProjectOut)
def project_detail(request: HttpRequest, project_id: int) -> dict:
    return _project_out(selectors.project_get_for_user(current_user(request), project_id))


@router.patch("projects/{int:project_id}", response=ProjectOut)
def project_update(request: HttpRequest, project_id: int, payload: ProjectPatch) -> dict:
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
            changes["members"] = _users(value or [], key)
        elif key == "name" and value is None:
            raise ValidationError({"name": "This field cannot be blank."})
        else:
            changes[key] = value
    with _conflicts():
        services.project_update(by=user, project=project, version=version, **changes)
    return _project_out(selectors.project_get_for_user(user, project_id))


# Tasks -------------------------------------------------------------------------------------


@router.get("projects/{int:project_id}/tasks", response=Page[TaskOut])
def task_list(request: HttpRequest, project_id: int, limit: int = 50, offset: int = 0) -> dict:
    project = selectors.project_get_for_user(current_user(request), project_id)
    return paginate(selectors.project_tasks(project), limit=limit, offset=offset)


@router.post("projects/{int:project_id}/tasks", response={201: TaskOut})
def task_create(request: HttpRequest, project_id: int, payload: TaskIn) -> Status:
    user = current_user(request)
    project = selectors.project_get_for_user(user, project_id)
    task = services.task_create(
        by=user,
        project=project,
        title=payload.title,
        description=payload.description,
        duration_days=payload.duration_days,
        assignee=_user(payload.assignee_id, "assignee_id"),
        start_no_earlier_than=payload.start_no_earlier_than,
        milestone=_milestone(project, payload.milestone_id),
    )
    return Status(201, task)


@router.get("tasks/{int:task_id}", response=TaskOut)
def task_detail(request: HttpRequest, task_id: int) -> Task:
    return selectors.task_get_for_user(current_user(request), task_id)


@router.patch("tasks/{int:task_id}", response=TaskOut)
def task_update(request: HttpRequest, task_id: int, payload: TaskPatch) -> Task:
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
        elif value is None and key in ("title", "duration_days", "status", "description"):
            raise ValidationError({key: "This field cannot be null."})
        else:
            changes[key] = value
    with _conflicts():
        services.task_update(by=user, task=task, version=version, **changes)
    return selectors.task_get_for_user(user, task_id)


# Dependencies ------------------------------------------------------------------------------


@router.get("tasks/{int:task_id}/dependencies", response=list[DependencyOut])
def dependency_list(request: HttpRequest, task_id: int) -> list[Dependency]:
    task = selectors.task_get_for_user(current_user(request), task_id)
    before, after = selectors.task_links(task)
    return before + after


@router.post("tasks/{int:task_id}/dependencies", response={201: DependencyOut})
def dependency_create(request: HttpRequest, task_id: int, payload: DependencyIn) -> Status:
    user = current_user(request)
    successor = selectors.task_get_for_user(user, task_id)
    predecessor = Task.objects.filter(pk=payload.predecessor_id).first()
    dependency = services.dependency_create(
        by=user,
        successor=successor,
        predecessor=predecessor,
        kind=payload.kind,
        lag_days=payload.lag_days,
    )
    return Status(201, dependency)


@router.delete("dependencies/{int:dependency_id}", response={204: None})
def dependency_delete(request: HttpRequest, dependency_id: int) -> Status:
    user = current_user(request)
    dependency = selectors.dependency_get_for_user(user, dependency_id)
    services.dependency_delete(by=user, dependency=dependency)
    return Status(204, None)


# Milestones --------------------------------------------------------------------------------


@router.get("projects/{int:project_id}/milestones", response=Page[MilestoneOut])
def milestone_list(request: HttpRequest, project_id: int, limit: int = 50, offset: int = 0) -> dict:
    project = selectors.project_get_for_user(current_user(request), project_id)
    return paginate(selectors.project_milestones(project), limit=limit, offset=offset)


@router.post("projects/{int:project_id}/milestones", response={201: MilestoneOut})
def milestone_create(request: HttpRequest, project_id: int, payload: MilestoneIn) -> Status:
    user = current_user(request)
    project = selectors.project_get_for_user(user, project_id)
    milestone = services.milestone_create(
        by=user,
        project=project,
        name=payload.name,
        due_date=payload.due_date,
        requires_approval=payload.requires_approval,
        approver=_user(payload.approver_id, "approver_id"),
    )
    return Status(201, milestone)


@router.get("milestones/{int:milestone_id}", response=MilestoneOut)
def milestone_detail(request: HttpRequest, milestone_id: int) -> Milestone:
    return selectors.milestone_get_for_user(current_user(request), milestone_id)


@router.post("milestones/{int:milestone_id}/approve", response=MilestoneOut)
def milestone_approve(request: HttpRequest, milestone_id: int, payload: ApproveIn) -> Milestone:
    user = current_user(request)
    milestone = selectors.milestone_get_for_user(user, milestone_id)
    return services.milestone_approve(by=user, milestone=milestone, comment=payload.comment)


# Comments ----------------------------------------------------------------------------------


@router.get("tasks/{int:task_id}/comments", response=Page[CommentOut])
def comment_list(request: HttpRequest, task_id: int, limit: int = 50, offset: int = 0) -> dict:
    task = selectors.task_get_for_user(current_user(request), task_id)
    page = paginate(selectors.task_comments(task), limit=limit, offset=offset)
    page["items"] = [_comment_out(c) for c in page["items"]]
    return page


@router.post("tasks/{int:task_id}/comments", response={201: CommentOut})
def comment_create(request: HttpRequest, task_id: int, payload: CommentIn) -> Status:
    user = current_user(request)
    task = selectors.task_get_for_user(user, task_id)
    comment = services.comment_create(by=user, task=task, body=payload.body)
    return Status(201, _comment_out(comment))


# Templates ---------------------------------------------------------------------------------


@router.get("project-templates", response=Page[TemplateOut])
def template_list(request: HttpRequest) -> dict:
    items = selectors.template_summaries()
    return {"items": items, "count": len(items)}
