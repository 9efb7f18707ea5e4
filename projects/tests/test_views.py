"""Delivery screens: role matrix, fragments, forms through the services, pinned query counts."""

import re
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role
from projects import services
from projects.models import ActualCorrection, Dependency, Milestone, Project, Task, TaskStatus
from projects.tests.factories import MONDAY, bulk_plan, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(lead, member):
    project = services.project_create(
        by=lead, name="Website", delivery_lead=lead, start_date=MONDAY, members=[member]
    )
    design = services.task_create(by=lead, project=project, title="Design", duration_days=3)
    build = services.task_create(
        by=lead, project=project, title="Build", duration_days=2, assignee=member
    )
    link = services.dependency_create(by=lead, successor=build, predecessor=design)
    signoff = services.milestone_create(
        by=lead, project=project, name="Sign-off", requires_approval=True, approver=member
    )
    item = services.checklist_item_create(by=lead, project=project, text="Book kickoff")
    return {
        "project": project,
        "design": design,
        "build": build,
        "link": link,
        "signoff": signoff,
        "item": item,
    }


USERS = ["lead", "other_lead", "member", "outsider", "rep", "admin", "no_role"]


@pytest.fixture
def people(lead, member, rep, admin_user, no_role):
    return {
        "lead": lead,
        "other_lead": make_user("other_lead", Role.DELIVERY_LEAD),
        "member": member,
        "outsider": make_user("outsider", Role.DELIVERY_MEMBER),
        "rep": rep,
        "admin": admin_user,
        "no_role": no_role,
    }


def row(**codes: int) -> list[int]:
    return [codes[name] for name in USERS]


SEE = row(lead=200, other_lead=200, member=200, outsider=404, rep=404, admin=200, no_role=404)
MANAGE_POST = row(
    lead=302, other_lead=403, member=403, outsider=404, rep=404, admin=302, no_role=404
)
MANAGE_GET = row(
    lead=200, other_lead=403, member=403, outsider=404, rep=404, admin=200, no_role=404
)

VIEWS = {
    # name: (method, url name, arg key, data, expected)
    "project list": (
        "get",
        "projects:project-list",
        None,
        None,
        row(lead=200, other_lead=200, member=200, outsider=200, rep=200, admin=200, no_role=200),
    ),
    "project create form": (
        "get",
        "projects:project-create",
        None,
        None,
        row(lead=200, other_lead=200, member=403, outsider=403, rep=403, admin=200, no_role=403),
    ),
    "project detail": ("get", "projects:project-detail", "project", None, SEE),
    "project board": ("get", "projects:project-board", "project", None, SEE),
    "project timeline": ("get", "projects:project-timeline", "project", None, SEE),
    "project edit": ("get", "projects:project-edit", "project", None, MANAGE_GET),
    "project baseline": ("post", "projects:project-baseline", "project", {}, MANAGE_POST),
    "task create": (
        "post",
        "projects:task-create",
        "project",
        {"title": "T", "duration_days": 1},
        MANAGE_POST,
    ),
    "milestone create": (
        "post",
        "projects:milestone-create",
        "project",
        {"name": "M"},
        MANAGE_POST,
    ),
    "checklist create": (
        "post",
        "projects:checklist-create",
        "project",
        {"text": "X"},
        MANAGE_POST,
    ),
    "task detail": ("get", "projects:task-detail", "design", None, SEE),
    "task edit": (
        "post",
        "projects:task-edit",
        "design",
        {"title": "D", "duration_days": 2},
        MANAGE_POST,
    ),
    "task status (lead's task)": (
        "post",
        "projects:task-status",
        "design",
        {"status": "in_progress"},
        MANAGE_POST,
    ),
    "task status (member's task)": (
        "post",
        "projects:task-status",
        "build",
        {"status": "todo"},
        row(lead=302, other_lead=403, member=302, outsider=404, rep=404, admin=302, no_role=404),
    ),
    "task delete": ("post", "projects:task-delete", "design", {}, MANAGE_POST),
    "dependency create": (
        "post",
        "projects:dependency-create",
        "design",
        {"predecessor": "{other}", "kind": "FS", "lag_days": 0},
        MANAGE_POST,
    ),
    "dependency delete": ("post", "projects:dependency-delete", "link", {}, MANAGE_POST),
    "comment create": (
        "post",
        "projects:comment-create",
        "build",
        {"body": "Hi"},
        row(lead=302, other_lead=302, member=302, outsider=404, rep=404, admin=302, no_role=404),
    ),
    "milestone approve": (
        "post",
        "projects:milestone-approve",
        "signoff",
        {"comment": "ok"},
        row(lead=403, other_lead=403, member=302, outsider=404, rep=404, admin=403, no_role=404),
    ),
    "checklist toggle": (
        "post",
        "projects:checklist-toggle",
        "item",
        {"done": "1"},
        row(lead=302, other_lead=403, member=302, outsider=404, rep=404, admin=302, no_role=404),
    ),
}


@pytest.mark.parametrize("user_name", USERS)
@pytest.mark.parametrize("view", list(VIEWS))
def test_role_matrix(client, lead, world, people, view, user_name):
    _, name, key, data, expected = VIEWS[view]
    other = services.task_create(by=lead, project=world["project"], title="Other")
    url = reverse(name, args=[world[key].pk]) if key else reverse(name)
    client.force_login(people[user_name])
    if data is not None:
        data = {k: (other.pk if v == "{other}" else v) for k, v in data.items()}
        response = client.post(url, data)
    else:
        response = client.get(url)
    assert response.status_code == expected[USERS.index(user_name)]


@pytest.mark.parametrize("user_name", USERS)
def test_role_matrix_of_correcting_actuals(client, lead, world, people, user_name):
    # The member's own task, started: the assignee may not correct its actuals either.
    services.task_set_status(by=lead, task=world["design"], status=TaskStatus.DONE)
    services.task_set_status(by=lead, task=world["build"], status=TaskStatus.IN_PROGRESS)
    url = reverse("projects:task-actuals", args=[world["build"].pk])
    client.force_login(people[user_name])
    response = client.post(url, {"actual_start": "2026-03-02", "reason": "Began on Monday"})
    assert response.status_code == MANAGE_POST[USERS.index(user_name)]
    corrected = response.status_code == 302
    assert ActualCorrection.objects.filter(task=world["build"]).exists() is corrected


@time_machine.travel("2026-03-05 09:00:00+00:00", tick=False)
def test_correcting_actuals_on_the_task_page(client, lead, world):
    services.task_set_status(by=lead, task=world["design"], status=TaskStatus.IN_PROGRESS)
    url = reverse("projects:task-actuals", args=[world["design"].pk])
    client.force_login(lead)
    refused = client.post(url, {"actual_start": "2026-03-04", "actual_finish": "2026-03-03"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Say why the actual dates are corrected." in text
    assert "This task is not done yet; it has no actual finish." in text
    assert ActualCorrection.objects.count() == 0
    done = client.post(url, {"actual_start": "2026-03-03", "reason": "Began on Tuesday"})
    assert done.status_code == 302
    text = client.get(reverse("projects:task-detail", args=[world["design"].pk])).content.decode()
    assert "Actual start: 5 Mar 2026 → 3 Mar 2026. Began on Tuesday" in text
    assert "3 Mar 2026 to (under way)" in text
    assert 'type="submit">Correct actual dates</button>' in text


def test_anonymous_users_are_sent_to_sign_in(client, world):
    response = client.get(reverse("projects:project-detail", args=[world["project"].pk]))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# List --------------------------------------------------------------------------------------


def test_the_list_shows_visible_projects_with_filters(client, lead, member, world):
    services.project_create(by=lead, name="Intranet", delivery_lead=lead, start_date=MONDAY)
    services.project_update(by=lead, project=world["project"], promised_date=MONDAY)
    client.force_login(member)
    body = client.get(reverse("projects:project-list")).content.decode()
    assert "Website" in body and "Intranet" not in body
    assert "At risk" in body
    client.force_login(lead)
    body = client.get(reverse("projects:project-list") + "?at_risk=no").content.decode()
    assert "Intranet" in body and ">Website<" not in body


def test_the_list_answers_a_fragment_to_htmx(client, lead, world):
    client.force_login(lead)
    response = client.get(
        reverse("projects:project-list") + "?q=web", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="project-table"')
    assert "<html" not in body
    assert ">Website</a>" in body


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_query_count_is_constant(client, lead, count, django_assert_num_queries):
    for i in range(count):
        services.project_create(by=lead, name=f"P{i:02}", delivery_lead=lead, start_date=MONDAY)
    client.force_login(lead)
    # session, user, roles, filter's lead choices, the count (estimate and capped count),
    # the page's ids, its rows
    with django_assert_num_queries(8):
        response = client.get(reverse("projects:project-list"))
    assert response.status_code == 200
    assert len(re.findall(r'href="/projects/\d+/"', response.content.decode())) == min(count, 25)


# Project page ------------------------------------------------------------------------------


def _grow(world, lead, count: int) -> None:
    project = world["project"]
    previous = world["build"]
    for i in range(count - 2):
        task = services.task_create(
            by=lead, project=project, title=f"Step {i}", milestone=world["signoff"]
        )
        services.dependency_create(by=lead, successor=task, predecessor=previous)
        previous = task


def _grow_in_bulk(world, count: int) -> None:
    """``count`` tasks in all: a chain of ``count - 2`` more in the Sign-off milestone."""
    bulk_plan(world["project"], chains=1, length=count - 2, milestone=world["signoff"])


@pytest.mark.parametrize("count", [40, 400])
def test_the_project_page_query_count_is_constant(
    client, lead, world, count, django_assert_num_queries
):
    _grow_in_bulk(world, count)
    client.force_login(lead)
    url = reverse("projects:project-detail", args=[world["project"].pk])
    # session, user, roles, project, members, task count, the page of tasks, their
    # blockers, milestones, checklist, milestone choices (task form; its assignee picker
    # lists no one), approver choices (milestone form), the handoff panel, and the holidays
    # (variance)
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('class="status-form"') == min(count, 25)


@pytest.mark.parametrize("count", [40, 400])
def test_the_board_and_timeline_query_counts_are_constant(
    client, lead, world, count, django_assert_num_queries
):
    _grow_in_bulk(world, count)
    Task.objects.filter(title="C1.1").update(status=TaskStatus.IN_PROGRESS)
    Task.objects.filter(title="C1.2").update(status=TaskStatus.DONE)
    client.force_login(lead)
    project = world["project"]
    # session, user, roles, project, members, counts by status, each column's cards (all
    # three have some), their blockers
    with django_assert_num_queries(10):
        board = client.get(reverse("projects:project-board", args=[project.pk]))
    assert board.content.decode().count('class="task-card') == min(count - 2, 50) + 2
    # session, user, roles, project, members, task count, the page of tasks, their
    # blockers, the links among them, holidays, the critical tasks
    with django_assert_num_queries(11):
        timeline = client.get(reverse("projects:project-timeline", args=[project.pk]))
    # Design -> Build, and the bulk chain's links among the page's first 100 tasks
    assert timeline.content.decode().count('<path class="arrow') == 1 + min(count, 100) - 3


@pytest.mark.parametrize("count", [3, 30])
def test_the_task_page_query_count_is_constant(
    client, lead, member, world, count, django_assert_num_queries
):
    _grow(world, lead, count)
    task = world["build"]
    for i in range(count):
        services.comment_create(by=member, task=task, body=f"Note {i} @lead")
    ActualCorrection.objects.bulk_create(
        ActualCorrection(task=task, field="actual_start", reason=f"Fix {i}", by=lead)
        for i in range(count)
    )
    client.force_login(lead)
    # session, user, roles, task, members, links, comments, mentions, actual corrections
    # (with who), holidays (variance), assignee choices, milestone choices, link choices
    with django_assert_num_queries(13):
        response = client.get(reverse("projects:task-detail", args=[task.pk]))
    assert response.content.decode().count("mentions @lead") == count
    assert response.content.decode().count(". Fix ") == count


def test_the_project_page_shows_variance_per_task_milestone_and_project(client, lead):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        project = services.project_create(
            by=lead, name="Launch", delivery_lead=lead, start_date=MONDAY
        )
        milestone = services.milestone_create(by=lead, project=project, name="Live")
        build = services.task_create(by=lead, project=project, title="Build", duration_days=3)
        live = services.task_create(
            by=lead, project=project, title="Go live", duration_days=0, milestone=milestone
        )
        services.dependency_create(by=lead, successor=live, predecessor=build)
        services.project_set_baseline(by=lead, project=project)
        Milestone.objects.filter(pk=milestone.pk).update(baseline_date=date(2026, 3, 4))
        services.task_set_status(by=lead, task=build, status=TaskStatus.IN_PROGRESS)
    url = reverse("projects:project-detail", args=[project.pk])
    client.force_login(lead)
    with time_machine.travel("2026-03-05 08:00:00+00:00", tick=False):
        services.forecasts_refresh()
        text = client.get(url).content.decode()
    late = '<span class="variance late">1 working day late (forecast)</span>'
    # Build, Go live (its row and its milestone), and the project: Wed 4 -> Thu 5 March.
    assert text.count(late) == 4
    assert "<dt>Forecast finish</dt><dd>5 Mar 2026</dd>" in text
    with time_machine.travel("2026-03-05 16:00:00+00:00", tick=False):
        services.task_set_status(by=lead, task=build, status=TaskStatus.DONE)
        services.task_set_status(by=lead, task=live, status=TaskStatus.DONE)
        text = client.get(url).content.decode()
    assert text.count('<span class="variance late">1 working day late (actual)</span>') == 3
    assert text.count(late) == 1  # the project is not done: its forecast


def test_the_project_page_shows_the_plan(client, lead, member, world):
    client.force_login(member)
    body = client.get(reverse("projects:project-detail", args=[world["project"].pk])).content
    text = body.decode()
    assert 'id="handoff-context"' in text
    assert "Blocked" in text
    assert "Approve Sign-off" in text  # the member is the approver
    assert "Add a task" not in text
    client.force_login(lead)
    text = client.get(reverse("projects:project-detail", args=[world["project"].pk])).content
    assert b"Add a task" in text and b"Approve Sign-off" not in text


def test_the_timeline_draws_bars_arrows_and_the_critical_path(client, lead, world):
    services.task_create(by=lead, project=world["project"], title="Side job", duration_days=1)
    client.force_login(lead)
    body = client.get(reverse("projects:project-timeline", args=[world["project"].pk])).content
    text = body.decode()
    assert text.count('<rect class="bar critical') == 2
    assert text.count('<rect class="bar status-todo"') == 1
    assert re.findall(r'<path class="arrow critical" d="([^"]+)"', text) == [
        "M294,59 H302 V119 H298"
    ]
    assert "the critical path is Design, Build." in text


# Board and status ------------------------------------------------------------------------


def test_a_refused_move_on_the_board_re_renders_the_board_with_the_reason(client, member, world):
    client.force_login(member)
    response = client.post(
        reverse("projects:task-status", args=[world["build"].pk]),
        {"status": "in_progress", "view": "board"},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<div id="task-board"')
    assert "“Build” cannot start before “Design” is finished (finish-to-start)." in text
    world["build"].refresh_from_db()
    assert world["build"].status == TaskStatus.TODO


def test_a_move_on_the_board_goes_through(client, lead, world):
    client.force_login(lead)
    response = client.post(
        reverse("projects:task-status", args=[world["design"].pk]),
        {"status": "done", "view": "board"},
        headers={"HX-Request": "true"},
    )
    assert 'role="alert"' not in response.content.decode()
    world["design"].refresh_from_db()
    assert world["design"].status == TaskStatus.DONE


def test_a_refused_status_without_htmx_redirects_with_the_message(client, member, world):
    client.force_login(member)
    url = reverse("projects:task-status", args=[world["build"].pk])
    response = client.post(url, {"status": "done", "next": "/projects/"}, follow=True)
    assert response.redirect_chain == [("/projects/", 302)]
    assert "cannot start or finish before “Design”" in response.content.decode()


def test_next_must_stay_on_this_site(client, lead, world):
    client.force_login(lead)
    url = reverse("projects:task-status", args=[world["design"].pk])
    response = client.post(url, {"status": "done", "next": "https://evil.example/"})
    assert response.url == reverse("projects:task-detail", args=[world["design"].pk])


# Forms -------------------------------------------------------------------------------------


def test_creating_a_project_from_the_template(client, lead, member, standard_template):
    client.force_login(lead)
    response = client.post(
        reverse("projects:project-create"),
        {
            "name": "Acme rollout",
            "template": standard_template.pk,
            "start_date": "2026-03-02",
            "delivery_lead": lead.pk,
            "members": [member.pk],
        },
    )
    project = Project.objects.get()
    assert response.url == reverse("projects:project-detail", args=[project.pk])
    assert project.planned_finish == date(2026, 4, 1)
    assert Task.objects.filter(project=project).count() == 9


def test_a_form_error_from_the_service_lands_on_its_field(client, lead, world):
    client.force_login(lead)
    response = client.post(
        reverse("projects:milestone-create", args=[world["project"].pk]),
        {"name": "Go", "requires_approval": "on"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors == {"approver": ["Name the approver of this milestone."]}
    assert Milestone.objects.count() == 1


def test_a_cycle_from_the_link_form_is_shown_on_the_field(client, lead, world):
    client.force_login(lead)
    response = client.post(
        reverse("projects:dependency-create", args=[world["design"].pk]),
        {"predecessor": world["build"].pk, "kind": "FS", "lag_days": 0},
    )
    assert response.status_code == 422
    assert response.context["dependency_form"].errors == {
        "predecessor": ["This link would close a cycle: “Design” → “Build” → “Design”."]
    }
    assert Dependency.objects.count() == 1


def test_editing_a_task_reschedules(client, lead, world):
    client.force_login(lead)
    response = client.post(
        reverse("projects:task-edit", args=[world["design"].pk]),
        {"title": "Design", "duration_days": 5, "version": 1},
    )
    assert response.status_code == 302
    world["build"].refresh_from_db()
    assert world["build"].planned_start.isoformat() == "2026-03-09"


def test_approving_from_the_page(client, member, world):
    client.force_login(member)
    response = client.post(
        reverse("projects:milestone-approve", args=[world["signoff"].pk]),
        {"comment": "Fine"},
        follow=True,
    )
    assert "Milestone “Sign-off” approved." in response.content.decode()
    milestone = Milestone.objects.get()
    assert (milestone.approved_by, milestone.approval_comment) == (member, "Fine")


def test_comments_with_mentions_on_the_task_page(client, lead, member, world):
    client.force_login(member)
    url = reverse("projects:comment-create", args=[world["build"].pk])
    response = client.post(url, {"body": "Waiting on @lead"}, follow=True)
    assert "mentions @lead" in response.content.decode()
    response = client.post(url, {"body": "  "})
    assert response.context["comment_form"].errors == {"body": ["This field is required."]}


# My work -----------------------------------------------------------------------------------


def test_my_work_lists_my_open_tasks_and_approvals(client, member, world):
    client.force_login(member)
    text = client.get("/").content.decode()
    assert 'id="my-tasks"' in text
    assert ">Build</a>" in text and ">Design</a>" not in text
    assert ">Sign-off</a> in Website" in text
    assert "Ready to approve" in text


def test_my_work_has_no_delivery_section_for_sales(client, rep):
    client.force_login(rep)
    assert 'id="my-tasks"' not in client.get("/").content.decode()


# Forms that answer in place (htmx) ---------------------------------------------------------

HTMX = {"HX-Request": "true"}


def test_approve_is_disabled_with_the_reason_the_service_gives(client, member, world):
    Task.objects.filter(pk=world["build"].pk).update(milestone=world["signoff"])
    with pytest.raises(ValidationError) as refused:
        services.milestone_approve(by=member, milestone=world["signoff"])
    reason = refused.value.message_dict["tasks"][0]
    assert reason == "Finish these tasks before approving: “Build”."
    client.force_login(member)
    url = reverse("projects:project-detail", args=[world["project"].pk])
    html = client.get(url).content.decode()
    pk = world["signoff"].pk
    assert f'<p class="small approval-refusal" id="approve-refusal-{pk}">{reason}</p>' in html
    assert (
        f'<button class="button" type="submit" disabled aria-describedby="approve-refusal-{pk}">'
        "Approve Sign-off</button>"
    ) in html
    assert "Approval comment" not in html
    Task.objects.filter(pk=world["build"].pk).update(status=TaskStatus.DONE)
    html = client.get(url).content.decode()
    assert "approval-refusal" not in html and "disabled" not in html
    assert '<button class="button" type="submit">Approve Sign-off</button>' in html


def test_approve_answers_the_milestones_card_in_place(client, member, world):
    Task.objects.filter(pk=world["build"].pk).update(milestone=world["signoff"])
    client.force_login(member)
    url = reverse("projects:milestone-approve", args=[world["signoff"].pk])
    response = client.post(url, {"comment": "Fine"}, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="milestones"')
    assert '<ul class="errorlist nonfield" role="alert"><li>Finish these tasks' in html
    assert Milestone.objects.get().approved_at is None
    Task.objects.filter(pk=world["build"].pk).update(status=TaskStatus.DONE)
    response = client.post(url, {"comment": "Fine"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"><li class="success">Milestone “Sign-off” approved.</li>' in html
    assert list(response.wsgi_request._messages) == []
    assert Milestone.objects.get().approval_comment == "Fine"


def test_milestone_create_answers_in_place_keeping_the_input(client, lead, member, world):
    client.force_login(lead)
    url = reverse("projects:milestone-create", args=[world["project"].pk])
    response = client.post(url, {"name": "", "due_date": "2026-04-01"}, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="milestones"')
    assert '<details class="spaced" open>' in html and 'value="2026-04-01"' in html
    assert response.context["milestone_form"].errors == {"name": ["This field is required."]}
    assert Milestone.objects.count() == 1
    response = client.post(
        url,
        {"name": "Go-live", "due_date": "2026-04-01", "requires_approval": "on"},
        headers=HTMX,
    )
    assert response.status_code == 422  # the service: approval needs an approver
    assert set(response.context["milestone_form"].errors) == {"approver"}
    assert 'value="Go-live"' in response.content.decode()
    response = client.post(
        url,
        {
            "name": "Go-live",
            "due_date": "2026-04-01",
            "requires_approval": "on",
            "approver": member.pk,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"><li class="success">Milestone “Go-live” added.</li>' in html
    assert "<h3>Go-live</h3>" in html and '<details class="spaced">' in html
    assert list(Milestone.objects.order_by("pk").values_list("name", flat=True)) == [
        "Sign-off",
        "Go-live",
    ]


def test_checklist_answers_in_place(client, lead, world):
    client.force_login(lead)
    url = reverse("projects:checklist-create", args=[world["project"].pk])
    response = client.post(url, {"text": " "}, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="checklist"')
    assert "This field is required." in html
    response = client.post(url, {"text": "x" * 301}, headers=HTMX)
    assert response.status_code == 422 and 'value="' + "x" * 301 + '"' in response.content.decode()
    response = client.post(url, {"text": "Send the agenda"}, headers=HTMX)
    assert response.status_code == 200
    assert (
        'role="status"><li class="success">Added “Send the agenda”.</li>'
        in response.content.decode()
    )
    item = world["item"]
    response = client.post(
        reverse("projects:checklist-toggle", args=[item.pk]), {"done": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Ticked “Book kickoff”." in response.content.decode()
    assert 'aria-pressed="true"' in response.content.decode()
    assert list(response.wsgi_request._messages) == []


def test_the_task_pages_status_form_answers_in_place(client, lead, world):
    client.force_login(lead)
    build, design = world["build"], world["design"]
    url = reverse("projects:task-status", args=[build.pk])
    response = client.post(url, {"status": "in_progress", "view": "task"}, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="task-plan"')
    assert '<ul class="errorlist nonfield" role="alert"><li>' in html and "Design" in html
    assert '<option value="in_progress" selected>' in html  # the choice is kept
    assert 'id="task-status-badge"' not in html
    assert Task.objects.get(pk=build.pk).status == TaskStatus.TODO
    url = reverse("projects:task-status", args=[design.pk])
    response = client.post(url, {"status": "in_progress", "view": "task"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"><li class="success">“Design” is now in progress.</li>' in html
    assert (
        '<span id="task-status-badge" class="badge task-in_progress" hx-swap-oob="true">'
        "In progress</span>"
    ) in html
    assert list(response.wsgi_request._messages) == []


def test_comments_answer_in_place(client, member, world):
    client.force_login(member)
    url = reverse("projects:comment-create", args=[world["build"].pk])
    response = client.post(url, {"body": " "}, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="comments"')
    assert response.context["comment_form"].errors == {"body": ["This field is required."]}
    response = client.post(url, {"body": "Waiting on @lead"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"><li class="success">Comment added.</li>' in html
    assert "Waiting on @lead" in html and "mentions @lead" in html
    assert "Waiting on @lead</textarea>" not in html  # a fresh form for the next one


def test_dependencies_answer_in_place(client, lead, world):
    client.force_login(lead)
    design, build = world["design"], world["build"]
    url = reverse("projects:dependency-create", args=[design.pk])
    data = {"predecessor": build.pk, "kind": "SS", "lag_days": "2"}
    response = client.post(url, data, headers=HTMX)  # Build already waits on Design
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="dependencies"')
    assert response.context["dependency_form"].errors
    assert f'<option value="{build.pk}" selected>' in html and 'value="2"' in html
    assert Dependency.objects.count() == 1
    link = world["link"]
    response = client.post(reverse("projects:dependency-delete", args=[link.pk]), headers=HTMX)
    assert response.status_code == 200
    assert "“Build” no longer waits on “Design”." in response.content.decode()
    response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="status"><li class="success">“Design” now waits on “Build”.</li>' in html
    assert list(Dependency.objects.values_list("successor", "predecessor", "kind", "lag_days")) == [
        (design.pk, build.pk, "SS", 2)
    ]
