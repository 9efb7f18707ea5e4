import itertools
from datetime import date

import factory

from accounts.models import User
from accounts.roles import Role
from accounts.tests.factories import UserFactory
from projects.models import Milestone, Project, Task

MONDAY = date(2026, 3, 2)


class ProjectFactory(factory.django.DjangoModelFactory):
    """A bare project row (no schedule yet); use services to add tasks and links."""

    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Project {n}")
    delivery_lead = factory.SubFactory(UserFactory, role=Role.DELIVERY_LEAD)
    start_date = MONDAY

    @factory.post_generation
    def members(obj: Project, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            obj.members.add(*extracted)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    duration_days = 1


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Milestone {n}")


def make_user(username: str, role: str) -> User:
    user = UserFactory(username=username, role=role)
    assert isinstance(user, User)
    return user


def bulk_plan(project: Project, chains: int, length: int, **task_fields) -> list[list[Task]]:
    """``chains`` independent chains of ``length`` one-day tasks (each waits on the one
    before, finish to start), inserted in bulk and scheduled once: a big plan, quickly.
    Titles are "C<chain>.<step>" with both numbers from 1; returns the tasks by chain."""
    from projects.models import Dependency
    from projects.services import project_reschedule

    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            title=f"C{c + 1}.{s + 1}",
            position=c * length + s + 1,
            **task_fields,
        )
        for c in range(chains)
        for s in range(length)
    )
    by_chain = [tasks[c * length : (c + 1) * length] for c in range(chains)]
    Dependency.objects.bulk_create(
        Dependency(project=project, predecessor=chain[s - 1], successor=chain[s])
        for chain in by_chain
        for s in range(1, length)
    )
    project_reschedule(project=project, created=True)
    return by_chain


def small_template(name: str = "Small", *, design: int = 3, build: int = 5, launch: bool = True):
    """A template "Design" (``design`` days) → "Build" (``build`` days) → "Launch"
    (a milestone, unless ``launch`` is false), finish to start."""
    from projects.models import ProjectTemplate, TemplateDependency, TemplateTask

    template = ProjectTemplate.objects.create(name=name)
    steps = [("Design", design), ("Build", build), ("Launch", 0)][: 3 if launch else 2]
    tasks = [
        TemplateTask.objects.create(template=template, title=title, duration_days=days, position=i)
        for i, (title, days) in enumerate(steps)
    ]
    for pred, succ in itertools.pairwise(tasks):
        TemplateDependency.objects.create(template=template, predecessor=pred, successor=succ)
    return template


def finished_project(template, lead: User, actuals: dict[str, tuple[date, date]], **fields):
    """A project made from ``template`` and done, its tasks (by title) with these actual
    start and finish days; other tasks without actuals."""
    from projects.models import ProjectStatus
    from projects.services import project_create_from_template

    project = project_create_from_template(
        by=lead,
        template=template,
        name=fields.pop("name", f"Done from {template.name}"),
        start_date=fields.pop("start_date", MONDAY),
        delivery_lead=lead,
    )
    for title, (first, last) in actuals.items():
        Task.objects.filter(project=project, title=title).update(
            actual_start=first, actual_finish=last, status="done"
        )
    Project.objects.filter(pk=project.pk).update(status=fields.pop("status", ProjectStatus.DONE))
    return project
