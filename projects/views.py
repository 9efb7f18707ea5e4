"""Delivery screens: HTTP only. Selectors find (404), services decide (403, form errors)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from crm.http import (
    apply_errors,
    created_once,
    paginate,
    render_page,
    render_partials,
    safe_next,
)
from inputs.numbers import query_page
from inputs.picker import lookup_response
from projects import gantt, selectors, services
from projects import rules as project_rules
from projects.forms import (
    ActualsForm,
    ApproveForm,
    ChecklistItemForm,
    CommentForm,
    DependencyForm,
    MilestoneForm,
    ProjectFilterForm,
    ProjectForm,
    TaskForm,
    TaskStatusForm,
)
from projects.models import Milestone, Project, Task, TaskStatus
from projects.panels import project_panels
from records import EditConflict

PAGE_SIZE = 25


# What the task form gives the services, on create and on edit alike.
TASK_FORM_FIELDS = (
    "title",
    "duration_days",
    "assignee",
    "start_no_earlier_than",
    "milestone",
    "description",
)


def _task_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in TASK_FORM_FIELDS}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# Projects list and create ------------------------------------------------------------------


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProjectFilterForm(request.GET or None, leads=selectors.delivery_leads())
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "q": data["q"] or None,
            "status": data["status"] or None,
            "lead_id": data["lead"].pk if data["lead"] else None,
            "at_risk": {"yes": True, "no": False}.get(data["at_risk"]),
        }
    page = paginate(request, selectors.project_list_for_user(user, **filters), PAGE_SIZE)
    context = {
        "form": form,
        "projects": page["object_list"],
        "can_create": user.has_perm("projects.add_project"),
        **page,
    }
    return render_page(request, "projects/project_list.html", context, partial="project-table")


@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_perm("projects.add_project"):
        raise PermissionDenied("Only delivery leads create projects.")
    form = ProjectForm(
        request.POST or None,
        leads=selectors.delivery_leads(),
        people=selectors.delivery_users(),
        initial={"delivery_lead": user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "by": user,
            "name": data["name"],
            "start_date": data["start_date"],
            "delivery_lead": data["delivery_lead"],
            "members": list(data["members"]),
            "promised_date": data["promised_date"],
            "description": data["description"],
        }

        def create() -> str:
            if data["template"]:
                project = services.project_create_from_template(template=data["template"], **fields)
            else:
                project = services.project_create(**fields)
            messages.success(request, f"Project “{project.name}” created.")
            return reverse("projects:project-detail", args=[project.pk])

        try:
            return created_once(form, user=user, scope="projects:project-create", create=create)
        except ValidationError as error:
            apply_errors(form, error)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "projects/project_form.html", {"form": form, "project": None}, status=status
    )


@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = selectors.project_get_for_user(user, pk)
    if not user.has_perm("projects.change_project", project):
        raise PermissionDenied("Only the project's lead can change it.")
    form = ProjectForm(
        request.POST or None,
        leads=selectors.delivery_leads(),
        people=selectors.delivery_users(),
        editing=True,
        initial=ProjectForm.initial_for(project),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.project_update(
                by=user,
                project=project,
                version=data["version"],
                name=data["name"],
                start_date=data["start_date"],
                delivery_lead=data["delivery_lead"],
                members=list(data["members"]),
                promised_date=data["promised_date"],
                status=data["status"],
                description=data["description"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        except EditConflict as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, "Project saved.")
            return redirect("projects:project-detail", pk=project.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "projects/project_form.html", {"form": form, "project": project}, status=status
    )


@require_POST
def project_baseline(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get_for_user(_user(request), pk)
    services.project_set_baseline(by=_user(request), project=project)
    messages.success(request, "The current plan is now the baseline.")
    return redirect("projects:project-detail", pk=pk)


# The project page --------------------------------------------------------------------------


TASK_PAGE_SIZE = PAGE_SIZE  # rows of the task list, as every list
GANTT_ROWS = 100  # tasks per Gantt page: a smaller project is one page, as before


def _plan(user: User, project: Project, tasks: list[Task]) -> dict[str, Any]:
    """``tasks`` (one page of the project's) with blocked/can-change flags, and the
    project's people: a fixed number of queries, whatever the size of the project."""
    selectors.mark_blockers(tasks)
    for task in tasks:
        task.project = project
        task.can_change_status = user.has_perm("projects.change_task_status", task)  # type: ignore[attr-defined]
    return {
        "tasks": tasks,
        "people": selectors.project_people(project),
        "can_manage": user.has_perm("projects.change_project", project),
        "status_choices": TaskStatus.choices,
    }


@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = selectors.project_get_for_user(user, pk)
    page = paginate(request, selectors.project_tasks(project), TASK_PAGE_SIZE, bounded=True)
    tasks = list(page["object_list"])
    context = {"project": project, "tab": "overview", **page, **_plan(user, project, tasks)}
    if getattr(request, "htmx", False) and "page" in request.GET:
        selectors.mark_variance(project, tasks, [])
        return render(request, "projects/project_detail.html#task-table", context)
    context.update(
        panels=project_panels(request, project),
        checklist=list(selectors.project_checklist(project)),
        can_tick=user.has_perm("projects.tick_checklist", project),
        **_milestones_context(user, project),
    )
    context["variance"] = selectors.mark_variance(project, tasks, context["milestones"])
    if context["can_manage"]:
        context.update(
            task_form=TaskForm(
                people=selectors.task_assignees(),
                milestones=Milestone.objects.filter(project=project),
            ),
            checklist_form=ChecklistItemForm(),
        )
    return render(request, "projects/project_detail.html", context)


def _milestones_context(
    user: User, project: Project, *, milestone_form: MilestoneForm | None = None
) -> dict[str, Any]:
    """The project page's Milestones card: each milestone with whether the user is its
    approver and, if so, why the approval service would refuse now (the same rule
    function it asks; the Approve button is disabled with that reason)."""
    milestones = list(selectors.project_milestones(project))
    open_tasks: dict[int, list[str]] | None = None
    for milestone in milestones:
        milestone.project = project
        # R9: the rule itself, as the service asks it (has_perm passes any superuser).
        milestone.can_approve = project_rules.can_approve.test(user, milestone)  # type: ignore[attr-defined]
        milestone.approval_refusal = ""  # type: ignore[attr-defined]
        if milestone.can_approve and milestone.requires_approval and not milestone.approved_at:  # type: ignore[attr-defined]
            if open_tasks is None:  # one query, and only for an approver with work waiting
                open_tasks = selectors.milestone_open_tasks(project)
            refusals = services.milestone_approval_refusals(
                by=user, milestone=milestone, open_tasks=open_tasks.get(milestone.pk, [])
            )
            milestone.approval_refusal = " ".join(refusals.values())  # type: ignore[attr-defined]
    can_manage = user.has_perm("projects.change_project", project)
    if can_manage and milestone_form is None:
        milestone_form = MilestoneForm(people=selectors.delivery_users())
    return {
        "project": project,
        "milestones": milestones,
        "milestone_form": milestone_form if can_manage else None,
        "approve_form": ApproveForm(),
    }


def _milestones_answer(
    request: HttpRequest, project: Project, *, status: int = 200, **context: Any
) -> HttpResponse:
    """The Milestones card alone, for htmx: a refusal or a success said in place."""
    form = context.pop("milestone_form", None)
    full = {**_milestones_context(_user(request), project, milestone_form=form), **context}
    selectors.mark_variance(project, [], full["milestones"])
    return render(request, "projects/project_detail.html#milestones", full, status=status)


def _board_context(
    user: User, project: Project, page_for: dict[str, int] | None = None
) -> dict[str, Any]:
    columns = selectors.project_board(project, page_for)
    context = {
        "project": project,
        "tab": "board",
        "columns": columns,
        "board_url": reverse("projects:project-board", args=[project.pk]),
        **_plan(user, project, [task for column in columns for task in column.tasks]),
    }
    return context


@require_GET
def project_board(request: HttpRequest, pk: int) -> HttpResponse:
    """The board: per status column a count and 50 cards, "Show more" for the next 50
    (``?column=<status>&page=<n>``: the column with n pages of cards, alone for htmx)."""
    user = _user(request)
    project = selectors.project_get_for_user(user, pk)
    column = request.GET.get("column")
    page_for = {column: query_page(request.GET)} if column in TaskStatus.values else {}
    context = _board_context(user, project, page_for)
    if getattr(request, "htmx", False) and page_for:
        context["column"] = next(c for c in context["columns"] if c.status == column)
        return render(request, "projects/project_board.html#board-column", context)
    return render_page(request, "projects/project_board.html", context, partial="task-board")


@require_GET
def project_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The Gantt chart, ``GANTT_ROWS`` tasks a page in plan order (``?page=<n>``): the
    dates drawn are those of the page's tasks, the arrows the links between them."""
    user = _user(request)
    project = selectors.project_get_for_user(user, pk)
    page = paginate(request, selectors.project_tasks(project), GANTT_ROWS, bounded=True)
    tasks = list(page["object_list"])
    plan = _plan(user, project, tasks)
    links = selectors.links_among(project, [task.pk for task in tasks])
    today = timezone.localdate()
    chart = gantt.layout(
        tasks,
        links,
        holidays=selectors.holidays_spanning(tasks, today, project.promised_date),
        url_for=lambda task: reverse("projects:task-detail", args=[task.pk]),
        today=today,
        promised=project.promised_date,
    )
    context = {"project": project, "tab": "timeline", "gantt": chart, **page, **plan}
    context["critical"] = selectors.critical_tasks(project)
    context["page_critical"] = [t for t in tasks if t.is_critical]
    return render(request, "projects/project_timeline.html", context)


# Tasks -------------------------------------------------------------------------------------


@require_POST
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = selectors.project_get_for_user(user, pk)
    if not user.has_perm("projects.change_project", project):
        raise PermissionDenied("Only the project's lead can add tasks.")
    form = TaskForm(
        request.POST, people=selectors.task_assignees(), milestones=project.milestones.all()
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(by=user, project=project, **_task_fields(data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Task “{task.title}” added.")
            return redirect(safe_next(request, reverse("projects:project-detail", args=[pk])))
    return render(
        request, "projects/task_form.html", {"form": form, "project": project}, status=422
    )


def _task_context(user: User, task: Task) -> dict[str, Any]:
    predecessors, successors = selectors.task_links(task)
    others = Task.objects.filter(project=task.project).exclude(pk=task.pk).order_by("title")
    blockers = [
        link.predecessor.title
        for link in predecessors
        if link.kind == "FS" and link.predecessor.status != TaskStatus.DONE
    ]
    can_manage = user.has_perm("projects.change_project", task)
    context: dict[str, Any] = {
        "task": task,
        "project": task.project,
        "predecessors": predecessors,
        "successors": successors,
        "blockers": blockers,
        "comments": list(selectors.task_comments(task)),
        "comment_form": CommentForm(),
        "can_manage": can_manage,
        "can_comment": user.has_perm("projects.add_comment", task),
        "can_change_status": user.has_perm("projects.change_task_status", task),
        "status_choices": TaskStatus.choices,
        "corrections": selectors.task_actual_corrections(task),
        "variance": selectors.task_variance(task),
    }
    if can_manage:
        context["actuals_form"] = ActualsForm(initial=ActualsForm.initial_for(task))
        context["edit_form"] = TaskForm(
            initial=TaskForm.initial_for(task),
            people=selectors.task_assignees(),
            milestones=Milestone.objects.filter(project=task.project),
        )
        context["dependency_form"] = DependencyForm(tasks=others)
    return context


def _task_answer(
    request: HttpRequest,
    task: Task,
    partial: str,
    *,
    oob: list[str] | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    """One card of the task page, for htmx: its form with errors and input kept, or what
    was just saved, said there (``saved``)."""
    task = selectors.task_get_for_user(_user(request), task.pk)  # fresh: links, status
    context = {**_task_context(_user(request), task), **extra}
    return render_partials(
        request, "projects/task_detail.html", context, partial=partial, oob=oob or [], status=status
    )


@require_GET
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.task_get_for_user(user, pk)
    return render(request, "projects/task_detail.html", _task_context(user, task))


@require_POST
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.task_get_for_user(user, pk)
    if not user.has_perm("projects.change_project", task):
        raise PermissionDenied("Only the project's lead can edit tasks.")
    form = TaskForm(
        request.POST,
        people=selectors.task_assignees(),
        milestones=Milestone.objects.filter(project=task.project),
    )

    def save(data: dict[str, Any]) -> None:
        services.task_update(by=user, task=task, version=data["version"], **_task_fields(data))

    return _task_form_answer(request, task, form, "edit_form", save, "Task saved.")


def _task_form_answer(
    request: HttpRequest,
    task: Task,
    form: forms.Form,
    name: str,
    save: Callable[[dict[str, Any]], None],
    saved: str,
) -> HttpResponse:
    """A task page form's POST: ``save`` the valid input and go back to the task page, or
    show the page again (422) with ``form`` (as ``name``) and the service's errors in it."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except EditConflict as error:
            form.add_error(None, error.detail)
        else:
            messages.success(request, saved)
            return redirect("projects:task-detail", pk=task.pk)
    task.refresh_from_db()
    context = _task_context(_user(request), task)
    context[name] = form
    return render(request, "projects/task_detail.html", context, status=422)


@require_POST
def task_actuals(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the task's actual days (the project's lead), with a reason."""
    user = _user(request)
    task = selectors.task_get_for_user(user, pk)
    if not user.has_perm("projects.change_project", task):
        raise PermissionDenied("Only the project's lead can correct actuals.")
    form = ActualsForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        services.task_correct_actuals(
            by=user,
            task=task,
            version=data["version"],
            actual_start=data["actual_start"],
            actual_finish=data["actual_finish"],
            reason=data["reason"],
        )

    return _task_form_answer(request, task, form, "actuals_form", save, "Actual dates corrected.")


@require_POST
def task_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a task's status from the list, the board (drag or select) or the task page."""
    user = _user(request)
    task = selectors.task_get_for_user(user, pk)
    form = TaskStatusForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Choose a status."
    else:
        try:
            task = services.task_set_status(by=user, task=task, status=form.cleaned_data["status"])
        except ValidationError as refused:
            error = " ".join(refused.messages)
    if getattr(request, "htmx", False) and request.POST.get("view") == "board":
        context = _board_context(user, task.project)
        context.update(board_error=error, moved_task_id=task.pk)
        return render(request, "projects/project_board.html#task-board", context)
    if getattr(request, "htmx", False) and request.POST.get("view") == "task":
        saved = f"“{task.title}” is now {task.get_status_display().lower()}."
        return _task_answer(
            request,
            task,
            "task-plan",
            oob=[] if error else ["task-status-badge"],
            status=422 if error else 200,
            status_error=error,
            saved="" if error else saved,
            chosen_status=request.POST.get("status", "") if error else "",
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"“{task.title}” is now {task.get_status_display().lower()}.")
    return redirect(safe_next(request, reverse("projects:task-detail", args=[pk])))


@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.task_get_for_user(user, pk)
    project_id = task.project_id
    services.task_delete(by=user, task=task)
    messages.success(request, f"Task “{task.title}” deleted.")
    return redirect("projects:project-detail", pk=project_id)


@require_POST
def dependency_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.task_get_for_user(user, pk)
    if not user.has_perm("projects.change_project", task):
        raise PermissionDenied("Only the project's lead can link tasks.")
    others = Task.objects.filter(project=task.project).exclude(pk=task.pk).order_by("title")
    form = DependencyForm(request.POST, tasks=others)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.dependency_create(
                by=user,
                successor=task,
                predecessor=data["predecessor"],
                kind=data["kind"],
                lag_days=data["lag_days"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            saved = f"“{task.title}” now waits on “{data['predecessor']}”."
            if getattr(request, "htmx", False):
                return _task_answer(request, task, "dependencies", saved=saved)
            messages.success(request, saved)
            return redirect("projects:task-detail", pk=pk)
    if getattr(request, "htmx", False):
        return _task_answer(request, task, "dependencies", status=422, dependency_form=form)
    context = _task_context(user, task)
    context["dependency_form"] = form
    return render(request, "projects/task_detail.html", context, status=422)


@require_POST
def dependency_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    dependency = selectors.dependency_get_for_user(user, pk)
    services.dependency_delete(by=user, dependency=dependency)
    if getattr(request, "htmx", False):
        return _task_answer(
            request,
            dependency.successor,
            "dependencies",
            saved=f"“{dependency.successor.title}” no longer waits on "
            f"“{dependency.predecessor.title}”.",
        )
    messages.success(request, "Link removed.")
    return redirect(
        safe_next(request, reverse("projects:task-detail", args=[dependency.successor_id]))
    )


@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    task = selectors.task_get_for_user(user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_create(by=user, task=task, body=form.cleaned_data["body"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if getattr(request, "htmx", False):
                return _task_answer(request, task, "comments", saved="Comment added.")
            messages.success(request, "Comment added.")
            return redirect(reverse("projects:task-detail", args=[pk]) + "#comments")
    if getattr(request, "htmx", False):
        return _task_answer(request, task, "comments", status=422, comment_form=form)
    context = _task_context(user, task)
    context["comment_form"] = form
    return render(request, "projects/task_detail.html", context, status=422)


# Milestones and checklist ------------------------------------------------------------------


@require_POST
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = selectors.project_get_for_user(user, pk)
    if not user.has_perm("projects.change_project", project):
        raise PermissionDenied("Only the project's lead can add milestones.")
    form = MilestoneForm(request.POST, people=selectors.delivery_users())
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.milestone_create(
                by=user,
                project=project,
                name=data["name"],
                due_date=data["due_date"],
                requires_approval=data["requires_approval"],
                approver=data["approver"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if getattr(request, "htmx", False):
                return _milestones_answer(
                    request, project, saved=f"Milestone “{data['name']}” added."
                )
            messages.success(request, "Milestone added.")
            return redirect(reverse("projects:project-detail", args=[pk]) + "#milestones")
    if getattr(request, "htmx", False):
        return _milestones_answer(request, project, status=422, milestone_form=form)
    return render(
        request, "projects/milestone_form.html", {"form": form, "project": project}, status=422
    )


@require_POST
def milestone_approve(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    milestone = selectors.milestone_get_for_user(user, pk)
    form = ApproveForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.milestone_approve(by=user, milestone=milestone, comment=comment)
    except ValidationError as refused:
        if getattr(request, "htmx", False):
            return _milestones_answer(
                request, milestone.project, status=422, approve_error=" ".join(refused.messages)
            )
        messages.error(request, " ".join(refused.messages))
    else:
        saved = f"Milestone “{milestone.name}” approved."
        if getattr(request, "htmx", False):
            return _milestones_answer(request, milestone.project, saved=saved)
        messages.success(request, saved)
    default = reverse("projects:project-detail", args=[milestone.project_id]) + "#milestones"
    return redirect(safe_next(request, default))


def _checklist_answer(
    request: HttpRequest,
    project: Project,
    *,
    form: ChecklistItemForm | None = None,
    saved: str = "",
    status: int = 200,
) -> HttpResponse:
    """The Kickoff checklist card alone, for htmx: the form with its error and the text
    kept, or the list with what was just done."""
    user = _user(request)
    can_manage = user.has_perm("projects.change_project", project)
    context = {
        "project": project,
        "checklist": list(selectors.project_checklist(project)),
        "can_tick": user.has_perm("projects.tick_checklist", project),
        "checklist_form": (form or ChecklistItemForm()) if can_manage else None,
        "saved": saved,
    }
    return render(request, "projects/project_detail.html#checklist", context, status=status)


@require_POST
def checklist_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = selectors.project_get_for_user(user, pk)
    form = ChecklistItemForm(request.POST)
    htmx = getattr(request, "htmx", False)
    if form.is_valid():
        try:
            item = services.checklist_item_create(
                by=user, project=project, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            if htmx:
                apply_errors(form, error)
                return _checklist_answer(request, project, form=form, status=422)
            messages.error(request, " ".join(error.messages))
        else:
            if htmx:
                return _checklist_answer(request, project, saved=f"Added “{item.text}”.")
    elif not user.has_perm("projects.change_project", project):
        raise PermissionDenied("Only the project's lead can do this.")
    elif htmx:
        return _checklist_answer(request, project, form=form, status=422)
    else:
        messages.error(request, "Write the checklist item first.")
    return redirect(reverse("projects:project-detail", args=[pk]) + "#checklist")


@require_POST
def checklist_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = selectors.checklist_item_get_for_user(user, pk)
    item = services.checklist_item_set_done(
        by=user, item=item, done=request.POST.get("done") == "1"
    )
    if getattr(request, "htmx", False):
        state = "Ticked" if item.done_at else "Unticked"
        return _checklist_answer(request, item.project, saved=f"{state} “{item.text}”.")
    return redirect(reverse("projects:project-detail", args=[item.project_id]) + "#checklist")


# Pickers ------------------------------------------------------------------------------------
@require_GET
def assignee_lookup(request: HttpRequest) -> HttpResponse:
    """The task assignee picker's suggestions: the people a task can be assigned to."""
    if not _user(request).has_perm("projects.add_project"):
        raise PermissionDenied("Only delivery leads assign tasks.")
    people = selectors.task_assignee_choices(q=request.GET.get("q"))
    return lookup_response(
        request,
        people,
        label=lambda u: u.display_name,
        empty="Nobody with a delivery role matches.",
    )
