"""The delivery part of /api/v1: status codes, error bodies naming fields, the role matrix."""

import json
from dataclasses import dataclass
from datetime import date

import pytest
import time_machine
from django.test import Client

from accounts.roles import Role
from accounts.services import api_token_create
from projects import services
from projects.models import ActualCorrection, Dependency, Milestone, Project, Task, TaskStatus
from projects.tests.factories import MONDAY, make_user

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _, raw = api_token_create(user=user)
    return {"Authorization": f"Bearer {raw}"}


class Api:
    def __init__(self, client: Client, user) -> None:
        self.client, self.headers = client, bearer(user)

    def get(self, path: str):
        return self.client.get(f"/api/v1/{path}", headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            f"/api/v1/{path}",
            data=json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )

    def patch(self, path: str, body: dict):
        return self.client.patch(
            f"/api/v1/{path}",
            data=json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )

    def delete(self, path: str):
        return self.client.delete(f"/api/v1/{path}", headers=self.headers)


@pytest.fixture
def api(client):
    return lambda user: Api(client, user)


@dataclass
class World:
    project: Project
    design: Task
    build: Task
    link: Dependency
    signoff: Milestone


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
    return World(project, design, build, link, signoff)


# Happy paths with exact bodies ---------------------------------------------------------------


@time_machine.travel("2026-03-02 08:00:00+00:00", tick=False)  # the forecast is the plan
def test_create_a_project_from_the_template(api, lead, member, standard_template):
    response = api(lead).post(
        "projects",
        {
            "name": "Acme rollout",
            "start_date": "2026-03-02",
            "template_id": standard_template.pk,
            "member_ids": [member.pk],
            "promised_date": "2026-03-31",
        },
    )
    assert response.status_code == 201
    body = response.json()
    project = Project.objects.get()
    assert body == {
        "id": project.pk,
        "name": "Acme rollout",
        "description": standard_template.description,
        "status": "planning",
        "company_id": None,
        "delivery_lead_id": lead.pk,
        "member_ids": [member.pk],
        "template_id": standard_template.pk,
        "start_date": "2026-03-02",
        "kickoff_date": "2026-03-02",
        "planned_finish": "2026-04-01",
        "baseline_finish": "2026-04-01",
        "forecast_finish": "2026-04-01",
        "promised_date": "2026-03-31",
        "at_risk": True,
        "deal_id": None,
        "scope_summary": None,
        "key_constraints": None,
        "main_stakeholder_id": None,
        "version": 1,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    tasks = api(lead).get(f"projects/{project.pk}/tasks?limit=3").json()
    assert tasks["count"] == 9
    assert [(t["title"], t["planned_start"], t["planned_finish"]) for t in tasks["items"]] == [
        ("Kickoff meeting", "2026-03-02", "2026-03-02"),
        ("Requirements workshop", "2026-03-03", "2026-03-04"),
        ("Design", "2026-03-05", "2026-03-11"),
    ]


@time_machine.travel("2026-03-02 08:00:00+00:00", tick=False)
def test_the_api_example_task_and_link(api, lead):
    project = api(lead).post("projects", {"name": "P", "start_date": "2026-03-02"}).json()
    a = api(lead).post(f"projects/{project['id']}/tasks", {"title": "A", "duration_days": 3})
    b = api(lead).post(f"projects/{project['id']}/tasks", {"title": "B"})
    assert (a.status_code, b.status_code) == (201, 201)
    link = api(lead).post(
        f"tasks/{b.json()['id']}/dependencies",
        {"predecessor_id": a.json()["id"], "kind": "FS", "lag_days": 2},
    )
    assert link.status_code == 201
    assert link.json() == {
        "id": link.json()["id"],
        "project_id": project["id"],
        "predecessor_id": a.json()["id"],
        "successor_id": b.json()["id"],
        "kind": "FS",
        "lag_days": 2,
    }
    task = api(lead).get(f"tasks/{b.json()['id']}").json()
    assert task == {
        "id": b.json()["id"],
        "project_id": project["id"],
        "title": "B",
        "description": "",
        "assignee_id": None,
        "status": "todo",
        "duration_days": 1,
        "start_no_earlier_than": None,
        "milestone_id": None,
        "planned_start": "2026-03-09",
        "planned_finish": "2026-03-09",
        "baseline_start": None,
        "baseline_finish": None,
        "actual_start": None,
        "actual_finish": None,
        "forecast_start": "2026-03-09",
        "forecast_finish": "2026-03-09",
        "total_float": 0,
        "is_critical": True,
        "version": 2,  # the link moved it: a change Relay made is a new version
    }
    assert api(lead).get(f"projects/{project['id']}").json()["planned_finish"] == "2026-03-09"
    assert api(lead).delete(f"dependencies/{link.json()['id']}").status_code == 204
    assert api(lead).get(f"tasks/{b.json()['id']}").json()["planned_start"] == "2026-03-02"


def test_project_templates_list_the_ready_template(api, rep, standard_template):
    response = api(rep).get("project-templates")
    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": standard_template.pk,
                "name": "Standard delivery",
                "description": standard_template.description,
                "task_count": 9,
                "planned_working_days": 23,
            }
        ],
        "count": 1,
    }


# Rules through the API ---------------------------------------------------------------------


def test_a_cycle_is_422_naming_it(api, lead, world):
    response = api(lead).post(
        f"tasks/{world.design.pk}/dependencies", {"predecessor_id": world.build.pk}
    )
    assert response.status_code == 422
    message = "This link would close a cycle: “Design” → “Build” → “Design”."
    assert response.json() == {
        "detail": f"predecessor_id: {message}",
        "errors": {"predecessor_id": [message]},
    }
    assert Dependency.objects.count() == 1


def test_r8_starting_a_blocked_task_is_422_naming_the_blocker(api, member, world):
    response = api(member).patch(f"tasks/{world.build.pk}", {"status": "in_progress"})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "status": ["“Build” cannot start before “Design” is finished (finish-to-start)."]
    }
    world.build.refresh_from_db()
    assert world.build.status == TaskStatus.TODO


def test_r8_after_the_predecessor_is_done_the_member_starts(api, lead, member, world):
    assert api(lead).patch(f"tasks/{world.design.pk}", {"status": "done"}).status_code == 200
    response = api(member).patch(f"tasks/{world.build.pk}", {"status": "in_progress"})
    assert response.status_code == 200
    # Version 1 when created, 2 when the link to Design moved it, 3 when Design was done
    # (its forecast moved), 4 now.
    assert (response.json()["status"], response.json()["version"]) == ("in_progress", 4)


def test_r9_approval_through_the_api(api, lead, member, world):
    task = services.task_create(
        by=lead, project=world.project, title="Review", milestone=world.signoff
    )
    forbidden = api(lead).post(f"milestones/{world.signoff.pk}/approve", {"comment": "ok"})
    assert forbidden.status_code == 403
    assert forbidden.json() == {
        "detail": f"Only {member}, the named approver, can approve this milestone.",
        "errors": {},
    }
    refused = api(member).post(f"milestones/{world.signoff.pk}/approve", {"comment": "ok"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"tasks": ["Finish these tasks before approving: “Review”."]}
    services.task_set_status(by=lead, task=task, status="done")
    approved = api(member).post(f"milestones/{world.signoff.pk}/approve", {"comment": "ok"})
    assert approved.status_code == 200
    body = approved.json()
    assert (body["approver_id"], body["approved_by_id"], body["approval_comment"]) == (
        member.pk,
        member.pk,
        "ok",
    )
    assert body["approved_at"] is not None


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ({"title": "T", "duration_days": "three"}, 400, ["duration_days"]),
        ({"duration_days": 2}, 400, ["title"]),
        ({"title": "T", "duration_days": -1}, 422, ["duration_days"]),
        ({"title": "", "duration_days": 1}, 422, ["title"]),
        ({"title": "T", "assignee_id": 999999}, 422, ["assignee_id"]),
        ({"title": "T", "milestone_id": 999999}, 422, ["milestone_id"]),
        ({"title": "T", "start_no_earlier_than": "2026-02-30"}, 400, ["start_no_earlier_than"]),
    ],
)
def test_bad_task_input_names_the_field(api, lead, world, body, status, errors):
    response = api(lead).post(f"projects/{world.project.pk}/tasks", body)
    assert response.status_code == status
    assert list(response.json()["errors"]) == errors
    assert Task.objects.count() == 2


def test_malformed_json_is_400(client, lead, world):
    response = client.post(
        f"/api/v1/projects/{world.project.pk}/tasks",
        data="{nope",
        content_type="application/json",
        headers=bearer(lead),
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["Malformed JSON."]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"name": "P", "start_date": "2026-03-02", "delivery_lead_id": 999999},
            ["delivery_lead_id"],
        ),
        ({"name": "P", "start_date": "2026-03-02", "template_id": 999999}, ["template_id"]),
        ({"name": "P", "start_date": "2026-03-02", "company_id": 999999}, ["company_id"]),
        ({"name": "P", "start_date": "2026-03-02", "member_ids": [999999]}, ["member_ids"]),
        ({"name": "  ", "start_date": "2026-03-02"}, ["name"]),
    ],
)
def test_bad_project_input_is_422_naming_the_field(api, lead, body, errors):
    response = api(lead).post("projects", body)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == errors
    assert Project.objects.count() == 0


def test_a_member_as_delivery_lead_is_refused(api, lead, member):
    response = api(lead).post(
        "projects", {"name": "P", "start_date": "2026-03-02", "delivery_lead_id": member.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "delivery_lead_id": [f"{member} is not a delivery lead; choose one who is."]
    }


def test_a_stale_version_is_409(api, lead, world):
    assert (
        api(lead).patch(f"tasks/{world.design.pk}", {"title": "D", "version": 1}).status_code == 200
    )
    response = api(lead).patch(f"tasks/{world.design.pk}", {"title": "E", "version": 1})
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "This task was changed by someone else since you opened it; "
        "reload to see their changes, then try again."
    )
    response = api(lead).patch(f"projects/{world.project.pk}", {"name": "X", "version": 5})
    assert response.status_code == 409


def test_patching_a_project_moves_the_plan(api, lead, world):
    response = api(lead).patch(
        f"projects/{world.project.pk}",
        {"start_date": "2026-03-09", "promised_date": "2026-03-12", "status": "active"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["planned_finish"], body["at_risk"], body["status"], body["version"]) == (
        "2026-03-13",
        True,
        "active",
        5,  # 1 created, 2 and 3 its tasks' reschedules, 4 this edit, 5 this edit's reschedule
    )
    response = api(lead).patch(f"projects/{world.project.pk}", {"status": "finished"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


def test_paging_is_checked(api, lead, world):
    response = api(lead).get("projects?limit=201")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["limit"]


def test_comments_with_mentions(api, lead, member, world):
    response = api(member).post(f"tasks/{world.build.pk}/comments", {"body": "@lead blocked?"})
    assert response.status_code == 201
    assert response.json()["mentioned_user_ids"] == [lead.pk]
    listed = api(lead).get(f"tasks/{world.build.pk}/comments").json()
    assert [(c["body"], c["author_id"]) for c in listed["items"]] == [("@lead blocked?", member.pk)]


def test_unauthenticated_is_401(client, world):
    assert client.get(f"/api/v1/projects/{world.project.pk}").status_code == 401


# Role matrix -------------------------------------------------------------------------------

USERS = ["lead", "other_lead", "member", "outsider", "rep", "manager", "admin", "no_role"]


@pytest.fixture
def people(lead, member, rep, manager, admin_user, no_role):
    return {
        "lead": lead,
        "other_lead": make_user("other_lead", Role.DELIVERY_LEAD),
        "member": member,
        "outsider": make_user("outsider", Role.DELIVERY_MEMBER),
        "rep": rep,
        "manager": manager,
        "admin": admin_user,
        "no_role": no_role,
    }


def _matrix(**expected: int) -> list[int]:
    return [expected[name] for name in USERS]


ENDPOINTS = {
    # name: (method, path template, body, expected per USERS order)
    "project detail": (
        "get",
        "projects/{project}",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "project update": (
        "patch",
        "projects/{project}",
        {"name": "Renamed"},
        _matrix(
            lead=200,
            other_lead=403,
            member=403,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "project create": (
        "post",
        "projects",
        {"name": "New", "start_date": "2026-03-02"},
        _matrix(
            lead=201,
            other_lead=201,
            member=403,
            outsider=403,
            rep=403,
            manager=403,
            admin=201,
            no_role=403,
        ),
    ),
    "task list": (
        "get",
        "projects/{project}/tasks",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "task create": (
        "post",
        "projects/{project}/tasks",
        {"title": "T"},
        _matrix(
            lead=201,
            other_lead=403,
            member=403,
            outsider=404,
            rep=404,
            manager=404,
            admin=201,
            no_role=404,
        ),
    ),
    "task detail": (
        "get",
        "tasks/{design}",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "task edit": (
        "patch",
        "tasks/{build}",
        {"duration_days": 4},
        _matrix(
            lead=200,
            other_lead=403,
            member=403,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "own task status": (
        "patch",
        "tasks/{design}",
        {"status": "in_progress"},
        _matrix(
            lead=200,
            other_lead=403,
            member=403,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "dependency list": (
        "get",
        "tasks/{build}/dependencies",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "dependency create": (
        "post",
        "tasks/{design}/dependencies",
        {"predecessor_id": "{other}"},
        _matrix(
            lead=201,
            other_lead=403,
            member=403,
            outsider=404,
            rep=404,
            manager=404,
            admin=201,
            no_role=404,
        ),
    ),
    "dependency delete": (
        "delete",
        "dependencies/{link}",
        None,
        _matrix(
            lead=204,
            other_lead=403,
            member=403,
            outsider=404,
            rep=404,
            manager=404,
            admin=204,
            no_role=404,
        ),
    ),
    "milestone list": (
        "get",
        "projects/{project}/milestones",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "milestone create": (
        "post",
        "projects/{project}/milestones",
        {"name": "M"},
        _matrix(
            lead=201,
            other_lead=403,
            member=403,
            outsider=404,
            rep=404,
            manager=404,
            admin=201,
            no_role=404,
        ),
    ),
    "milestone detail": (
        "get",
        "milestones/{signoff}",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "approve": (
        "post",
        "milestones/{signoff}/approve",
        {"comment": "ok"},
        _matrix(
            lead=403,
            other_lead=403,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=403,
            no_role=404,
        ),
    ),
    "comment create": (
        "post",
        "tasks/{build}/comments",
        {"body": "hi"},
        _matrix(
            lead=201,
            other_lead=201,
            member=201,
            outsider=404,
            rep=404,
            manager=404,
            admin=201,
            no_role=404,
        ),
    ),
    "comment list": (
        "get",
        "tasks/{build}/comments",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=404,
            rep=404,
            manager=404,
            admin=200,
            no_role=404,
        ),
    ),
    "templates": (
        "get",
        "project-templates",
        None,
        _matrix(
            lead=200,
            other_lead=200,
            member=200,
            outsider=200,
            rep=200,
            manager=200,
            admin=200,
            no_role=200,
        ),
    ),
}


@pytest.mark.parametrize("user_name", USERS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(api, lead, world, people, endpoint, user_name):
    method, path, body, expected = ENDPOINTS[endpoint]
    other = services.task_create(by=lead, project=world.project, title="Other")
    ids = {
        "project": world.project.pk,
        "design": world.design.pk,
        "build": world.build.pk,
        "link": world.link.pk,
        "signoff": world.signoff.pk,
        "other": other.pk,
    }
    client = api(people[user_name])
    args: list = [path.format(**ids)]
    if body is not None:
        args.append({k: (ids["other"] if v == "{other}" else v) for k, v in body.items()})
    response = getattr(client, method)(*args)
    assert response.status_code == expected[USERS.index(user_name)], response.content


def test_lists_show_only_visible_projects(api, world, people):
    counts = {name: api(user).get("projects").json()["count"] for name, user in people.items()}
    assert counts == {
        "lead": 1,
        "other_lead": 1,
        "member": 1,
        "outsider": 0,
        "rep": 0,
        "manager": 0,
        "admin": 1,
        "no_role": 0,
    }


def test_the_project_list_filters(api, lead, world):
    services.project_create(by=lead, name="Intranet", delivery_lead=lead, start_date=MONDAY)
    names = lambda query: [p["name"] for p in api(lead).get(f"projects?{query}").json()["items"]]  # noqa: E731
    assert names("") == ["Intranet", "Website"]
    assert names("q=web") == ["Website"]
    assert names("status=active") == []
    assert names(f"lead_id={lead.pk}&at_risk=false") == ["Intranet", "Website"]


def test_the_project_list_query_count_is_constant(client, lead, member, django_assert_num_queries):
    client.force_login(lead)
    for count in (3, 30):
        Project.objects.all().delete()
        for i in range(count):
            services.project_create(
                by=lead, name=f"P{i:02}", delivery_lead=lead, start_date=MONDAY, members=[member]
            )
        # session, user, roles, count, the page's ids, its rows, their members and handoffs
        with django_assert_num_queries(8):
            response = client.get("/api/v1/projects?limit=200")
        assert response.json()["count"] == count


# Actuals (issue 15) --------------------------------------------------------------------------


def test_actuals_and_forecasts_through_the_api(api, lead, member, world):
    with time_machine.travel("2026-03-03 09:00:00+00:00", tick=False):
        started = api(lead).patch(f"tasks/{world.design.pk}", {"status": "in_progress"})
    assert started.status_code == 200
    assert {k: started.json()[k] for k in ("actual_start", "actual_finish")} == {
        "actual_start": "2026-03-03",
        "actual_finish": None,
    }
    with time_machine.travel("2026-03-05 09:00:00+00:00", tick=False):
        done = api(lead).patch(f"tasks/{world.design.pk}", {"status": "done"})
        corrected = api(lead).post(
            f"tasks/{world.design.pk}/actuals",
            {
                "actual_start": "2026-03-02",
                "actual_finish": "2026-03-04",
                "reason": "Started on Monday really",
                "version": done.json()["version"],
            },
        )
    assert corrected.status_code == 200
    body = corrected.json()
    assert (body["actual_start"], body["actual_finish"]) == ("2026-03-02", "2026-03-04")
    assert (body["forecast_start"], body["forecast_finish"]) == ("2026-03-02", "2026-03-04")
    build = api(member).get(f"tasks/{world.build.pk}").json()
    assert (build["forecast_start"], build["forecast_finish"]) == ("2026-03-05", "2026-03-06")
    project = api(lead).get(f"projects/{world.project.pk}").json()
    assert (project["planned_finish"], project["forecast_finish"]) == ("2026-03-06", "2026-03-06")
    assert list(ActualCorrection.objects.order_by("pk").values_list("field", "old", "new")) == [
        ("actual_start", date(2026, 3, 3), date(2026, 3, 2)),
        ("actual_finish", date(2026, 3, 5), date(2026, 3, 4)),
    ]


def test_correcting_actuals_role_matrix_and_errors(api, lead, member, world):
    services.task_set_status(by=lead, task=world.design, status=TaskStatus.IN_PROGRESS)
    path = f"tasks/{world.design.pk}/actuals"
    body = {"actual_start": "2026-03-02", "reason": "typo"}
    services.task_update(by=lead, task=world.design, assignee=member)
    before = Task.objects.values().get(pk=world.design.pk)
    assert api(member).post(path, body).status_code == 403  # a member, even the assignee
    other_lead = make_user("other_lead", Role.DELIVERY_LEAD)
    assert api(other_lead).post(path, body).status_code == 403  # sees it, does not lead it
    outsider = make_user("outsider", Role.DELIVERY_MEMBER)
    assert api(outsider).post(path, body).status_code == 404
    assert api(outsider).post("tasks/999999/actuals", body).status_code == 404
    without_reason = api(lead).post(path, {"actual_start": "2026-03-02"})
    assert without_reason.status_code == 400  # the schema requires a reason
    assert "reason" in str(without_reason.json())  # named in the answer
    refused = api(lead).post(path, {"actual_start": "2999-12-31", "reason": "x"})
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert list(errors) == ["actual_start"]
    assert len(errors["actual_start"]) == 1 and errors["actual_start"][0].startswith(
        "Enter today ("
    )
    malformed = api(lead).post(path, {"actual_start": "3000-01-01", "reason": "x"})
    assert malformed.status_code == 422
    assert list(malformed.json()["errors"]) == ["actual_start"]
    stale = api(lead).post(path, {"actual_start": "2026-03-03", "reason": "x", "version": 1})
    assert stale.status_code == 409
    assert Task.objects.values().get(pk=world.design.pk) == before
    assert api(lead).post(path, body).status_code == 200
