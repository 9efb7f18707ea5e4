"""Admin is for setup: holidays go through the services (and reschedule), templates edit with
inlines, projects are read-only."""

from datetime import date

import pytest
from django.urls import reverse

from projects import services
from projects.models import ActualCorrection, Holiday, Task, TemplateTask
from projects.tests.factories import MONDAY

pytestmark = pytest.mark.django_db


def test_a_holiday_added_in_admin_reschedules_open_projects(client, admin_user, lead):
    project = services.project_create(by=lead, name="P", delivery_lead=lead, start_date=MONDAY)
    task = services.task_create(by=lead, project=project, title="Build", duration_days=3)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:projects_holiday_add"), {"date": "2026-03-03", "name": "Carnival"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.planned_start, task.planned_finish) == (date(2026, 3, 2), date(2026, 3, 5))
    holiday = Holiday.objects.get()
    client.post(reverse("admin:projects_holiday_delete", args=[holiday.pk]), {"post": "yes"})
    task.refresh_from_db()
    assert task.planned_finish == date(2026, 3, 4)
    assert Task.objects.count() == 1


def test_the_template_admin_shows_its_inlines(client, admin_user, standard_template):
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:projects_projecttemplate_change", args=[standard_template.pk])
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Template dependencies" in text and "Requirements workshop" in text
    listing = client.get(reverse("admin:projects_projecttemplate_changelist")).content.decode()
    assert '<td class="field-planned_working_days">23</td>' in listing


def test_the_template_admin_refuses_a_cycle(client, admin_user, standard_template):
    client.force_login(admin_user)
    url = reverse("admin:projects_projecttemplate_change", args=[standard_template.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"name": standard_template.name, "description": standard_template.description})
    data["is_active"] = "on"
    for inline in client.get(url).context["inline_admin_formsets"]:
        formset = inline.formset
        prefix = formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(len(formset.forms))
        data[f"{prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, sub in enumerate(formset.forms):
            for name, field in sub.fields.items():
                value = sub.initial.get(name, field.initial)
                if value is None:
                    continue
                if hasattr(value, "pk"):
                    value = value.pk
                if isinstance(value, bool):
                    if value:
                        data[f"{prefix}-{i}-{name}"] = "on"
                    continue
                data[f"{prefix}-{i}-{name}"] = value
    tasks = {t.title: t.pk for t in TemplateTask.objects.filter(template=standard_template)}
    dep_prefix = "dependencies"
    total = int(data[f"{dep_prefix}-TOTAL_FORMS"])
    data.update(
        {
            f"{dep_prefix}-TOTAL_FORMS": str(total + 1),
            f"{dep_prefix}-{total}-predecessor": tasks["Go-live"],
            f"{dep_prefix}-{total}-successor": tasks["Kickoff meeting"],
            f"{dep_prefix}-{total}-kind": "FS",
            f"{dep_prefix}-{total}-lag_days": 0,
            f"{dep_prefix}-{total}-template": standard_template.pk,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "These links close a cycle: Kickoff meeting → Requirements workshop" in (
        response.content.decode()
    )
    assert standard_template.dependencies.count() == 9


def test_projects_are_read_only_in_admin(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("admin:projects_project_add")).status_code == 403


def test_actual_corrections_are_read_only_in_admin(client, admin_user, lead):
    project = services.project_create(by=lead, name="P", delivery_lead=lead, start_date=MONDAY)
    task = services.task_create(by=lead, project=project, title="Build", duration_days=3)
    services.task_set_status(by=lead, task=task, status="in_progress")
    services.task_correct_actuals(
        by=lead, task=task, actual_start=MONDAY, actual_finish=None, reason="Began Monday"
    )
    correction = ActualCorrection.objects.get()
    client.force_login(admin_user)
    listing = client.get(reverse("admin:projects_actualcorrection_changelist"))
    assert listing.status_code == 200
    assert '<td class="field-reason">Began Monday</td>' in listing.content.decode()
    assert client.get(reverse("admin:projects_actualcorrection_add")).status_code == 403
    change = reverse("admin:projects_actualcorrection_change", args=[correction.pk])
    assert client.post(change, {"reason": "Rewritten"}).status_code == 403
    delete = reverse("admin:projects_actualcorrection_delete", args=[correction.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ActualCorrection.objects.get().reason == "Began Monday"
