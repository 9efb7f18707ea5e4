"""Delivery's domain events (records.events): project.created once per project (not for a
kickoff project, which the handoff gate announces with its deal), task.done when a task
becomes done, milestone.approved on approval; each once, none on a refusal."""

import pytest
from django.core.exceptions import PermissionDenied

from crm.services import WinPermit
from projects import services
from projects.models import ProjectTemplate
from projects.tests.factories import MONDAY

pytestmark = pytest.mark.django_db


def test_creating_a_project_emits_project_created_once(lead, events):
    project = services.project_create(
        by=lead, name="Intranet", delivery_lead=lead, start_date=MONDAY
    )
    assert events == [
        (
            "project.created",
            {
                "id": project.pk,
                "name": "Intranet",
                "status": "planning",
                "company_id": None,
                "deal_id": None,
                "template_id": None,
                "delivery_lead_id": lead.pk,
                "start_date": MONDAY.isoformat(),
                "promised_date": None,
            },
        )
    ]


def test_a_project_from_a_template_emits_once_with_its_template(lead, events):
    template = ProjectTemplate.objects.get(name="Standard delivery")
    project = services.project_create_from_template(
        by=lead, template=template, name="Shop", start_date=MONDAY, delivery_lead=lead
    )
    assert [(t, d["id"], d["template_id"]) for t, d in events] == [
        ("project.created", project.pk, template.pk)
    ]


def test_a_kickoff_project_is_left_to_the_handoff_to_announce(lead, events):
    template = ProjectTemplate.objects.get(name="Standard delivery")
    services.project_create_from_template(
        by=lead,
        template=template,
        name="Won",
        start_date=MONDAY,
        delivery_lead=lead,
        permit=WinPermit(handoff_id=1),
    )
    assert events == []


def test_only_the_gate_announces_a_kickoff_project(lead):
    project = services.project_create(by=lead, name="P", delivery_lead=lead, start_date=MONDAY)
    with pytest.raises(PermissionDenied):
        services.project_announce(project=project, permit=None, deal_id=1)


def test_a_task_becoming_done_emits_task_done_once(lead, member, events):
    project = services.project_create(by=lead, name="P", delivery_lead=lead, start_date=MONDAY)
    services.project_update(by=lead, project=project, members=[member])
    task = services.task_create(by=lead, project=project, title="Design", assignee=member)
    events.clear()
    task = services.task_set_status(by=member, task=task, status="in_progress")
    assert events == []
    task = services.task_update(by=member, task=task, status="done")
    assert events == [
        (
            "task.done",
            {
                "id": task.pk,
                "title": "Design",
                "project_id": project.pk,
                "milestone_id": None,
                "assignee_id": member.pk,
                "actual_finish": task.actual_finish.isoformat(),
            },
        )
    ]
    services.task_set_status(by=member, task=task, status="done")  # already done: no change
    assert len(events) == 1


def test_a_blocked_task_emits_nothing(lead, events):
    project = services.project_create(by=lead, name="P", delivery_lead=lead, start_date=MONDAY)
    first = services.task_create(by=lead, project=project, title="First")
    second = services.task_create(by=lead, project=project, title="Second")
    services.dependency_create(by=lead, successor=second, predecessor=first)
    events.clear()
    with pytest.raises(Exception, match="cannot start or finish"):
        services.task_set_status(by=lead, task=second, status="done")
    assert events == []


def test_approving_a_milestone_emits_milestone_approved_once(lead, events):
    project = services.project_create(by=lead, name="P", delivery_lead=lead, start_date=MONDAY)
    milestone = services.milestone_create(
        by=lead, project=project, name="Sign-off", requires_approval=True, approver=lead
    )
    events.clear()
    approved = services.milestone_approve(by=lead, milestone=milestone, comment="Fine")
    assert events == [
        (
            "milestone.approved",
            {
                "id": milestone.pk,
                "name": "Sign-off",
                "project_id": project.pk,
                "approved_by_id": lead.pk,
                "approved_at": approved.approved_at.isoformat(),
            },
        )
    ]
    with pytest.raises(Exception, match="Already approved"):
        services.milestone_approve(by=lead, milestone=milestone)
    assert len(events) == 1
