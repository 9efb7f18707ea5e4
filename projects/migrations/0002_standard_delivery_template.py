"""Ship one ready-to-use template, "Standard delivery" (R6 starts projects from it)."""

from django.db import migrations

NAME = "Standard delivery"

MILESTONES = [
    # key, name, requires approval
    ("agreed", "Requirements agreed", False),
    ("signoff", "Customer sign-off", True),
    ("live", "Live", False),
]

TASKS = [
    # key, title, working days, offset, milestone key
    ("kickoff", "Kickoff meeting", 1, 0, "agreed"),
    ("workshop", "Requirements workshop", 2, 0, "agreed"),
    ("design", "Design", 5, 0, "signoff"),
    ("build", "Build", 10, 0, "signoff"),
    ("testplan", "Test planning", 3, 0, "signoff"),
    ("review", "Review with the customer", 2, 0, "signoff"),
    ("signoff", "Sign-off", 0, 0, "signoff"),
    ("golive", "Go-live", 1, 0, "live"),
    ("handover", "Handover to support", 2, 0, "live"),
]

LINKS = [
    # predecessor, successor, kind, lag
    ("kickoff", "workshop", "FS", 0),
    ("workshop", "design", "FS", 0),
    ("design", "build", "FS", 0),
    ("build", "testplan", "SS", 3),
    ("build", "review", "FS", 0),
    ("testplan", "review", "FS", 0),
    ("review", "signoff", "FS", 0),
    ("signoff", "golive", "FS", 1),
    ("golive", "handover", "FF", 1),
]

CHECKLIST = [
    "Kickoff meeting booked with the customer",
    "Scope summary shared with the team",
    "Stakeholder contact list confirmed",
    "Access to the customer's systems requested",
    "Project channel set up",
]


def create_template(apps, schema_editor):
    ProjectTemplate = apps.get_model("projects", "ProjectTemplate")
    TemplateMilestone = apps.get_model("projects", "TemplateMilestone")
    TemplateTask = apps.get_model("projects", "TemplateTask")
    TemplateDependency = apps.get_model("projects", "TemplateDependency")
    TemplateChecklistItem = apps.get_model("projects", "TemplateChecklistItem")
    template, created = ProjectTemplate.objects.get_or_create(
        name=NAME,
        defaults={
            "description": "Kickoff to go-live for a typical service project, "
            "with a customer sign-off before going live."
        },
    )
    if not created:
        return
    milestones = {
        key: TemplateMilestone.objects.create(
            template=template, name=name, requires_approval=approval, position=i
        )
        for i, (key, name, approval) in enumerate(MILESTONES, start=1)
    }
    tasks = {
        key: TemplateTask.objects.create(
            template=template,
            title=title,
            duration_days=days,
            offset_days=offset,
            milestone=milestones[milestone],
            position=i,
        )
        for i, (key, title, days, offset, milestone) in enumerate(TASKS, start=1)
    }
    for pred, succ, kind, lag in LINKS:
        TemplateDependency.objects.create(
            template=template,
            predecessor=tasks[pred],
            successor=tasks[succ],
            kind=kind,
            lag_days=lag,
        )
    for i, text in enumerate(CHECKLIST, start=1):
        TemplateChecklistItem.objects.create(template=template, text=text, position=i)


def remove_template(apps, schema_editor):
    apps.get_model("projects", "ProjectTemplate").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(create_template, remove_template)]
