"""Services: scheduling on every change, R8 (links and status) and R9 (approvals)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from projects import selectors, services
from projects.models import (
    ChecklistItem,
    Dependency,
    Holiday,
    Mention,
    Milestone,
    Project,
    Task,
    TaskStatus,
)
from projects.tests.factories import MONDAY, make_user
from records import EditConflict

pytestmark = pytest.mark.django_db


def plan(task):
    task.refresh_from_db()
    return (task.planned_start, task.planned_finish)


def snapshot(task):
    task.refresh_from_db()
    return (task.status, task.started_at, task.completed_at, task.version)


# Templates ---------------------------------------------------------------------------------


def test_a_project_from_the_standard_template_is_scheduled_and_baselined(
    lead, member, standard_template
):
    project = services.project_create_from_template(
        by=lead,
        template=standard_template,
        name="Acme rollout",
        start_date=MONDAY,
        delivery_lead=lead,
        members=[member],
    )
    tasks = {t.title: t for t in Task.objects.filter(project=project)}
    dates = {title: (t.planned_start, t.planned_finish) for title, t in tasks.items()}
    assert dates == {
        "Kickoff meeting": (date(2026, 3, 2), date(2026, 3, 2)),
        "Requirements workshop": (date(2026, 3, 3), date(2026, 3, 4)),
        "Design": (date(2026, 3, 5), date(2026, 3, 11)),
        "Build": (date(2026, 3, 12), date(2026, 3, 25)),
        "Test planning": (date(2026, 3, 17), date(2026, 3, 19)),
        "Review with the customer": (date(2026, 3, 26), date(2026, 3, 27)),
        # A milestone on its predecessor's finish day (MS Project), Friday not Monday:
        "Sign-off": (date(2026, 3, 27), date(2026, 3, 27)),
        "Go-live": (date(2026, 3, 31), date(2026, 3, 31)),
        "Handover to support": (date(2026, 3, 31), date(2026, 4, 1)),
    }
    assert {t: (x.baseline_start, x.baseline_finish) for t, x in tasks.items()} == dates
    assert {t for t, x in tasks.items() if not x.is_critical} == {"Test planning"}
    assert tasks["Test planning"].total_float == 4
    project.refresh_from_db()
    assert project.planned_finish == date(2026, 4, 1)
    assert project.baseline_finish == date(2026, 4, 1)
    assert project.template == standard_template
    assert Dependency.objects.filter(project=project).count() == 9
    milestones = list(Milestone.objects.filter(project=project).order_by("position"))
    assert [
        (m.name, m.due_date, m.baseline_date, m.requires_approval, m.approver) for m in milestones
    ] == [
        ("Requirements agreed", date(2026, 3, 4), date(2026, 3, 4), False, None),
        ("Customer sign-off", date(2026, 3, 27), date(2026, 3, 27), True, lead),
        ("Live", date(2026, 4, 1), date(2026, 4, 1), False, None),
    ]
    assert tasks["Build"].milestone == milestones[1]
    assert ChecklistItem.objects.filter(project=project).count() == 5


def test_template_summaries_and_schedule(standard_template):
    assert selectors.template_summaries() == [
        {
            "id": standard_template.pk,
            "name": "Standard delivery",
            "description": standard_template.description,
            "task_count": 9,
            "planned_working_days": 23,
        }
    ]
    assert selectors.template_planned_finish(standard_template, MONDAY) == date(2026, 4, 1)
    Holiday.objects.create(date=date(2026, 3, 4), name="Company day")
    assert selectors.template_planned_finish(standard_template, MONDAY) == date(2026, 4, 2)


def test_template_task_offsets_are_working_days_from_kickoff(lead, standard_template):
    standard_template.tasks.filter(title="Test planning").update(offset_days=14)
    project = services.project_create_from_template(
        by=lead, template=standard_template, name="P", start_date=MONDAY, delivery_lead=lead
    )
    task = Task.objects.get(project=project, title="Test planning")
    assert task.start_no_earlier_than == date(2026, 3, 20)
    assert (task.planned_start, task.planned_finish) == (date(2026, 3, 20), date(2026, 3, 24))


# Scheduling on change ----------------------------------------------------------------------


def test_links_durations_and_constraints_reschedule_successors(project, lead, add_task):
    design = add_task("Design", 3)
    build = add_task("Build", 2)
    assert plan(build) == (date(2026, 3, 2), date(2026, 3, 3))
    link = services.dependency_create(
        by=lead, successor=build, predecessor=design, kind="FS", lag_days=2
    )
    assert plan(build) == (date(2026, 3, 9), date(2026, 3, 10))
    project.refresh_from_db()
    assert project.planned_finish == date(2026, 3, 10)

    services.task_update(by=lead, task=design, duration_days=5)
    assert plan(build) == (date(2026, 3, 11), date(2026, 3, 12))

    services.task_update(by=lead, task=design, start_no_earlier_than=date(2026, 3, 4))
    assert plan(design) == (date(2026, 3, 4), date(2026, 3, 10))
    assert plan(build) == (date(2026, 3, 13), date(2026, 3, 16))
    build.refresh_from_db()
    assert build.is_critical is True

    services.dependency_delete(by=lead, dependency=link)
    assert plan(build) == (date(2026, 3, 2), date(2026, 3, 3))
    build.refresh_from_db()
    assert (build.is_critical, build.total_float) == (False, 5)


def test_moving_the_project_start_moves_everything(project, lead, add_task):
    task = add_task("Design", 2)
    services.project_update(by=lead, project=project, start_date=date(2026, 3, 7))
    assert plan(task) == (date(2026, 3, 9), date(2026, 3, 10))


@time_machine.travel("2026-03-02 08:00:00+00:00", tick=False)  # the forecast is the plan
def test_at_risk_follows_the_promised_date(project, lead, add_task):
    task = add_task("Build", 5)
    services.project_update(by=lead, project=project, promised_date=date(2026, 3, 5))
    project.refresh_from_db()
    assert (project.planned_finish, project.at_risk) == (date(2026, 3, 6), True)
    services.task_update(by=lead, task=task, duration_days=4)
    project.refresh_from_db()
    assert (project.planned_finish, project.at_risk) == (date(2026, 3, 5), False)


def test_holidays_reschedule_open_projects(project, lead, add_task, admin_user):
    task = add_task("Build", 3)
    holiday = services.holiday_create(by=admin_user, day=date(2026, 3, 3), name="Carnival")
    assert plan(task) == (date(2026, 3, 2), date(2026, 3, 5))
    services.holiday_update(by=admin_user, holiday=holiday, day=date(2026, 3, 2), name="Carnival")
    assert plan(task) == (date(2026, 3, 3), date(2026, 3, 5))
    services.holiday_delete(by=admin_user, holiday=holiday)
    assert plan(task) == (date(2026, 3, 2), date(2026, 3, 4))
    with pytest.raises(PermissionDenied):
        services.holiday_create(by=lead, day=date(2026, 3, 3), name="No")
    assert Holiday.objects.count() == 0


def test_set_baseline_keeps_the_current_plan(project, lead, add_task, member):
    task = add_task("Build", 3)
    assert (task.baseline_start, task.baseline_finish) == (None, None)
    services.project_set_baseline(by=lead, project=project)
    task.refresh_from_db()
    project.refresh_from_db()
    assert (task.baseline_start, task.baseline_finish) == (date(2026, 3, 2), date(2026, 3, 4))
    assert project.baseline_finish == date(2026, 3, 4)
    with pytest.raises(PermissionDenied):
        services.project_set_baseline(by=member, project=project)


# R8: links -----------------------------------------------------------------------------------


def test_a_link_closing_a_cycle_is_refused_naming_it(project, lead, add_task):
    a, b, c = add_task("Design"), add_task("Build"), add_task("Review")
    services.dependency_create(by=lead, successor=b, predecessor=a)
    services.dependency_create(by=lead, successor=c, predecessor=b)
    before = [plan(t) for t in (a, b, c)]
    with pytest.raises(ValidationError) as error:
        services.dependency_create(by=lead, successor=a, predecessor=c, kind="SS")
    assert error.value.message_dict == {
        "predecessor_id": [
            "This link would close a cycle: “Design” → “Build” → “Review” → “Design”."
        ]
    }
    assert Dependency.objects.count() == 2
    assert [plan(t) for t in (a, b, c)] == before


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("self", "predecessor_id", "A task cannot depend on itself."),
        ("duplicate", "predecessor_id", "“Build” already depends on “Design”."),
        ("other_project", "predecessor_id", "Choose a task of the same project."),
        ("kind", "kind", "Choose one of FS, SS, FF, SF."),
        ("lag", "lag_days", "Enter a lag from -1000 to 1000 working days."),
    ],
)
def test_bad_links_are_refused_naming_the_field(project, lead, add_task, case, field, message):
    design, build = add_task("Design"), add_task("Build")
    services.dependency_create(by=lead, successor=build, predecessor=design)
    other = services.task_create(
        by=lead,
        project=services.project_create(
            by=lead, name="Other", delivery_lead=lead, start_date=MONDAY
        ),
        title="Elsewhere",
    )
    kwargs = {"successor": build, "predecessor": design, "kind": "SS", "lag_days": 0}
    if case == "self":
        kwargs["predecessor"] = build
    elif case == "other_project":
        kwargs["predecessor"] = other
    elif case == "kind":
        kwargs.update(predecessor=other, kind="XX")
        kwargs["predecessor"] = design
        kwargs["successor"] = add_task("Review")
    elif case == "lag":
        kwargs.update(successor=add_task("Review"), lag_days=1001)
    with pytest.raises(ValidationError) as error:
        services.dependency_create(by=lead, **kwargs)
    assert error.value.message_dict == {field: [message]}
    assert Dependency.objects.count() == 1


def test_only_the_lead_of_the_project_links_tasks(project, add_task, member):
    other_lead = make_user(username="other_lead", role=Role.DELIVERY_LEAD)
    a, b = add_task("A"), add_task("B")
    for user in (member, other_lead):
        with pytest.raises(PermissionDenied):
            services.dependency_create(by=user, successor=b, predecessor=a)
    assert Dependency.objects.count() == 0


# R8: status ----------------------------------------------------------------------------------


@pytest.fixture
def design_build(project, lead, member, add_task):
    design = add_task("Design", 2)
    build = add_task("Build", 3, assignee=member)
    services.dependency_create(by=lead, successor=build, predecessor=design)
    return design, build


def test_a_task_cannot_start_while_a_finish_to_start_predecessor_is_unfinished(
    design_build, member, lead
):
    design, build = design_build
    before = snapshot(build)
    for status in (TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        with pytest.raises(ValidationError) as error:
            services.task_set_status(by=member, task=build, status=status)
        verb = "start" if status == TaskStatus.IN_PROGRESS else "start or finish"
        assert error.value.message_dict == {
            "status": [f"“Build” cannot {verb} before “Design” is finished (finish-to-start)."]
        }
        assert snapshot(build) == before
    services.task_set_status(by=lead, task=design, status=TaskStatus.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.task_set_status(by=member, task=build, status=TaskStatus.IN_PROGRESS)
    services.task_set_status(by=lead, task=design, status=TaskStatus.DONE)
    with time_machine.travel("2026-03-04 09:30:00+00:00", tick=False):
        services.task_set_status(by=member, task=build, status=TaskStatus.IN_PROGRESS)
    build.refresh_from_db()
    assert build.status == TaskStatus.IN_PROGRESS
    assert build.started_at.isoformat() == "2026-03-04T09:30:00+00:00"
    assert build.completed_at is None
    assert build.actual_start == date(2026, 3, 4)
    # One new version when Design was done (Build's forecast moved), one for the start.
    assert build.version == before[3] + 2


def test_a_task_cannot_finish_while_a_finish_to_finish_predecessor_is_unfinished(
    project, lead, member, add_task
):
    design = add_task("Design", 2)
    docs = add_task("Docs", 2, assignee=member)
    services.dependency_create(by=lead, successor=docs, predecessor=design, kind="FF")
    services.task_set_status(by=member, task=docs, status=TaskStatus.IN_PROGRESS)
    before = snapshot(docs)
    with pytest.raises(ValidationError) as error:
        services.task_set_status(by=member, task=docs, status=TaskStatus.DONE)
    assert error.value.message_dict == {
        "status": ["“Docs” cannot finish before “Design” is finished (finish-to-finish)."]
    }
    assert snapshot(docs) == before
    services.task_set_status(by=lead, task=design, status=TaskStatus.DONE)
    services.task_set_status(by=member, task=docs, status=TaskStatus.DONE)
    assert snapshot(docs)[0] == TaskStatus.DONE


def test_the_error_names_every_blocking_task(project, lead, add_task):
    a, b, c = add_task("Design"), add_task("Content"), add_task("Build")
    services.dependency_create(by=lead, successor=c, predecessor=a)
    services.dependency_create(by=lead, successor=c, predecessor=b)
    services.dependency_create(by=lead, successor=b, predecessor=add_task("Ignored"), kind="SS")
    with pytest.raises(ValidationError) as error:
        services.task_set_status(by=lead, task=c, status=TaskStatus.IN_PROGRESS)
    assert error.value.message_dict["status"] == [
        "“Build” cannot start before “Design” is finished (finish-to-start).",
        "“Build” cannot start before “Content” is finished (finish-to-start).",
    ]


def test_start_to_start_links_do_not_block_status(project, lead, add_task):
    a, b = add_task("A"), add_task("B")
    services.dependency_create(by=lead, successor=b, predecessor=a, kind="SS")
    services.task_set_status(by=lead, task=b, status=TaskStatus.DONE)
    assert snapshot(b)[0] == TaskStatus.DONE


def test_status_through_task_update_also_obeys_r8(design_build, lead):
    _, build = design_build
    before = snapshot(build)
    with pytest.raises(ValidationError) as error:
        services.task_update(by=lead, task=build, status="in_progress")
    assert list(error.value.message_dict) == ["status"]
    assert snapshot(build) == before


def test_reopening_clears_the_dates(project, lead, add_task):
    task = add_task("A")
    services.task_set_status(by=lead, task=task, status=TaskStatus.DONE)
    services.task_set_status(by=lead, task=task, status=TaskStatus.TODO)
    assert snapshot(task)[:3] == (TaskStatus.TODO, None, None)


def test_an_unknown_status_is_refused(project, lead, add_task):
    task = add_task("A")
    with pytest.raises(ValidationError) as error:
        services.task_set_status(by=lead, task=task, status="started")
    assert error.value.message_dict == {"status": ["Choose one of todo, in_progress, done."]}


def test_members_change_the_status_of_their_own_tasks_only(project, lead, member, add_task):
    theirs = add_task("Theirs", assignee=member)
    someone_elses = add_task("Lead's", assignee=lead)
    services.task_set_status(by=member, task=theirs, status=TaskStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.task_set_status(by=member, task=someone_elses, status=TaskStatus.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        services.task_update(by=member, task=theirs, duration_days=4)
    assert snapshot(someone_elses)[0] == TaskStatus.TODO
    theirs.refresh_from_db()
    assert theirs.duration_days == 1


def test_a_stale_version_is_an_edit_conflict(project, lead, add_task):
    task = add_task("A")
    services.task_update(by=lead, task=task, version=1, title="A1")
    with pytest.raises(EditConflict):
        services.task_update(by=lead, task=task, version=1, title="A2")
    task.refresh_from_db()
    assert (task.title, task.version) == ("A1", 2)
    with pytest.raises(EditConflict):
        services.project_update(by=lead, project=project, version=7, name="X")
    project.refresh_from_db()
    assert project.name == "Website"


def test_assigning_a_task_adds_the_assignee_to_the_team(project, lead, add_task, rep):
    newcomer = make_user(username="newcomer", role=Role.DELIVERY_MEMBER)
    add_task("A", assignee=newcomer)
    assert project.members.filter(pk=newcomer.pk).exists()
    with pytest.raises(ValidationError) as error:
        add_task("B", assignee=rep)
    assert list(error.value.message_dict) == ["assignee_id"]
    assert Task.objects.filter(title="B").count() == 0


def test_project_create_validates_the_lead(member, lead):
    with pytest.raises(ValidationError) as error:
        services.project_create(by=lead, name="X", delivery_lead=member, start_date=MONDAY)
    assert list(error.value.message_dict) == ["delivery_lead_id"]
    with pytest.raises(ValidationError) as error:
        services.project_create(by=lead, name=" ", delivery_lead=lead, start_date=MONDAY)
    assert list(error.value.message_dict) == ["name"]
    assert Project.objects.count() == 0


# R9: approvals -------------------------------------------------------------------------------


@pytest.fixture
def signoff(project, lead, member, add_task):
    milestone = services.milestone_create(
        by=lead, project=project, name="Sign-off", requires_approval=True, approver=member
    )
    review = add_task("Review", milestone=milestone)
    polish = add_task("Polish", milestone=milestone)
    return milestone, review, polish


def approval(milestone):
    milestone.refresh_from_db()
    return (milestone.approved_by, milestone.approved_at, milestone.approval_comment)


def test_only_the_named_approver_can_approve(signoff, lead, admin_user):
    milestone, review, polish = signoff
    for task in (review, polish):
        services.task_set_status(by=lead, task=task, status=TaskStatus.DONE)
    for user in (lead, admin_user):
        with pytest.raises(PermissionDenied) as error:
            services.milestone_approve(by=user, milestone=milestone, comment="ok")
        assert str(error.value) == (
            f"Only {milestone.approver}, the named approver, can approve this milestone."
        )
        assert approval(milestone) == (None, None, "")


def test_no_approval_while_tasks_of_the_milestone_are_open(signoff, member, lead):
    milestone, review, _ = signoff
    services.task_set_status(by=lead, task=review, status=TaskStatus.DONE)
    with pytest.raises(ValidationError) as error:
        services.milestone_approve(by=member, milestone=milestone, comment="ok")
    assert error.value.message_dict == {"tasks": ["Finish these tasks before approving: “Polish”."]}
    assert approval(milestone) == (None, None, "")


def test_approval_records_who_when_and_the_comment(signoff, member, lead):
    milestone, review, polish = signoff
    for task in (review, polish):
        services.task_set_status(by=lead, task=task, status=TaskStatus.DONE)
    with time_machine.travel("2026-03-06 15:00:00+00:00", tick=False):
        services.milestone_approve(by=member, milestone=milestone, comment="  Looks good.  ")
    by, at, comment = approval(milestone)
    assert (by, at.isoformat(), comment) == (member, "2026-03-06T15:00:00+00:00", "Looks good.")
    with pytest.raises(ValidationError) as error:
        services.milestone_approve(by=member, milestone=milestone)
    assert error.value.message_dict == {
        "approved_at": [f"Already approved by {member} on 6 Mar 2026."]
    }
    assert selectors.approvals_waiting_for(member) == []


def test_a_milestone_without_approval_cannot_be_approved(project, lead):
    milestone = services.milestone_create(by=lead, project=project, name="Checkpoint")
    with pytest.raises(ValidationError) as error:
        services.milestone_approve(by=lead, milestone=milestone)
    assert error.value.message_dict == {
        "requires_approval": ["This milestone does not require approval."]
    }


def test_a_milestone_requiring_approval_needs_an_approver_who_sees_the_project(project, lead, rep):
    with pytest.raises(ValidationError) as error:
        services.milestone_create(by=lead, project=project, name="S", requires_approval=True)
    assert error.value.message_dict == {"approver_id": ["Name the approver of this milestone."]}
    with pytest.raises(ValidationError) as error:
        services.milestone_create(
            by=lead, project=project, name="S", requires_approval=True, approver=rep
        )
    assert error.value.message_dict == {
        "approver_id": [f"{rep} cannot see this project; add them as a member first."]
    }
    assert Milestone.objects.count() == 0


def test_approvals_waiting_for_me(signoff, member):
    waiting = selectors.approvals_waiting_for(member)
    counts = [(m.name, m.open_task_count) for m in waiting]  # type: ignore[attr-defined]
    assert counts == [("Sign-off", 2)]


# Comments, mentions, checklist ----------------------------------------------------------------


def test_comments_record_mentions_of_people_who_can_see_the_project(
    project, lead, member, rep, add_task
):
    make_user(username="outsider", role=Role.DELIVERY_MEMBER)
    task = add_task("Build")
    comment = services.comment_create(
        by=member,
        task=task,
        body="@lead can you check? cc @Rep @outsider @nobody and @member. Mail a@b.c",
    )
    assert comment.body.startswith("@lead")
    assert list(Mention.objects.values_list("user__username", flat=True)) == ["lead"]
    assert services.mentioned_usernames("@lead, @max. @a.b! @lead") == ["lead", "max", "a.b"]


def test_an_empty_comment_is_refused(project, lead, add_task):
    task = add_task("Build")
    with pytest.raises(ValidationError) as error:
        services.comment_create(by=lead, task=task, body="   ")
    assert error.value.message_dict == {"body": ["Write something first."]}


def test_members_of_the_project_comment_others_cannot(project, add_task, rep):
    task = add_task("Build")
    with pytest.raises(PermissionDenied):
        services.comment_create(by=rep, task=task, body="hi")


def test_checklist_items_are_ticked_by_whom_and_when(project, lead, member, rep):
    item = services.checklist_item_create(by=lead, project=project, text="Book kickoff")
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        services.checklist_item_set_done(by=member, item=item, done=True)
    item.refresh_from_db()
    assert (item.done_by, item.done_at) == (member, datetime(2026, 3, 2, 8, tzinfo=UTC))
    services.checklist_item_set_done(by=lead, item=item, done=False)
    item.refresh_from_db()
    assert (item.done_by, item.done_at) == (None, None)
    with pytest.raises(PermissionDenied):
        services.checklist_item_set_done(by=rep, item=item, done=True)
    with pytest.raises(PermissionDenied):
        services.checklist_item_create(by=member, project=project, text="Nope")


# One write pattern (issue 11): the locked row is changed, never the caller's copy ----------


@pytest.fixture
def chain(lead):
    project = services.project_create(by=lead, name="Chain", delivery_lead=lead, start_date=MONDAY)
    first = services.task_create(by=lead, project=project, title="First", duration_days=3)
    second = services.task_create(by=lead, project=project, title="Second", duration_days=2)
    services.dependency_create(by=lead, successor=second, predecessor=first)
    return project, first, second


def test_renaming_a_task_read_before_its_predecessor_grew_keeps_the_new_plan(lead, chain):
    _, first, second = chain
    stale = Task.objects.get(pk=second.pk)
    assert (stale.planned_start, stale.version) == (date(2026, 3, 5), 2)
    services.task_update(by=lead, task=first, duration_days=8)
    assert plan(second) == (date(2026, 3, 12), date(2026, 3, 13))
    second.refresh_from_db()
    assert second.version == 3  # the reschedule is a change too

    renamed = services.task_update(by=lead, task=stale, title="Second, renamed")
    assert (renamed.title, renamed.planned_start, renamed.version) == (
        "Second, renamed",
        date(2026, 3, 12),
        4,
    )
    assert plan(second) == (date(2026, 3, 12), date(2026, 3, 13))
    with pytest.raises(EditConflict):
        services.task_update(by=lead, task=stale, version=stale.version, title="Stale edit")
    second.refresh_from_db()
    assert second.title == "Second, renamed"


@time_machine.travel("2026-03-02 08:00:00+00:00", tick=False)  # the forecast is the plan
def test_renaming_a_project_read_before_it_was_rescheduled_keeps_the_new_plan(lead, chain):
    project, first, _ = chain
    services.project_update(by=lead, project=project, promised_date=date(2026, 3, 10))
    stale = Project.objects.get(pk=project.pk)
    assert (stale.planned_finish, stale.at_risk) == (date(2026, 3, 6), False)
    services.task_update(by=lead, task=first, duration_days=8)
    project.refresh_from_db()
    assert (project.planned_finish, project.at_risk, project.version) == (
        date(2026, 3, 13),
        True,
        stale.version + 1,
    )

    renamed = services.project_update(by=lead, project=stale, name="Chain, renamed")
    project.refresh_from_db()
    assert (project.name, project.planned_finish, project.at_risk, project.version) == (
        "Chain, renamed",
        date(2026, 3, 13),
        True,
        stale.version + 2,
    )
    assert renamed.version == project.version
    with pytest.raises(EditConflict):
        services.project_update(by=lead, project=stale, version=stale.version, name="Stale")


def test_task_status_checks_the_version_on_the_locked_row(lead, chain):
    _, first, _ = chain
    read = Task.objects.get(pk=first.pk)
    services.task_update(by=lead, task=first, title="First, renamed")
    with pytest.raises(EditConflict):
        services.task_set_status(
            by=lead, task=read, status=TaskStatus.IN_PROGRESS, version=read.version
        )
    assert snapshot(first)[0] == TaskStatus.TODO
    moved = services.task_set_status(
        by=lead, task=read, status=TaskStatus.IN_PROGRESS, version=read.version + 1
    )
    assert (moved.status, moved.title, moved.version) == (
        TaskStatus.IN_PROGRESS,
        "First, renamed",
        read.version + 2,
    )


def test_overdue_task_has_one_meaning(lead):
    from projects.models import ProjectStatus

    today = date(2026, 3, 20)
    rows = {}
    for status in ProjectStatus.values:
        project = services.project_create(
            by=lead, name=status, delivery_lead=lead, start_date=MONDAY, status=status
        )
        late = services.task_create(by=lead, project=project, title=f"{status} late")
        done = services.task_create(by=lead, project=project, title=f"{status} done")
        services.task_set_status(by=lead, task=done, status=TaskStatus.DONE)
        rows[status] = late
    assert {t.title for t in Task.objects.overdue(today)} == {"planning late", "active late"}
    # Planned to finish on "today" itself is not overdue yet.
    assert not Task.objects.overdue(rows["active"].planned_finish).exists()


def test_project_create_checks_who_may_create(rep, lead, member):
    for user in (rep, member):
        with pytest.raises(PermissionDenied):
            services.project_create(by=user, name="X", delivery_lead=lead, start_date=MONDAY)
    assert not Project.objects.exists()
    assert services.project_create(by=lead, name="X", delivery_lead=lead, start_date=MONDAY)
