from datetime import date

import pytest
import time_machine
from django.db.models import F

from demo.projects_seed import FINISHED_PROJECTS, seed_projects
from demo.seed import SeedResult, seed_users
from projects import selectors
from projects.models import Dependency, Mention, Milestone, Project, Task

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-03-18 10:00:00+00:00", tick=False)
def test_seed_projects_makes_two_projects_once_with_progress():
    users = seed_users(SeedResult())
    assert seed_projects(users=users) == 8  # these two and six finished ones
    assert seed_projects(users=users) == 0
    intranet = Project.objects.get(name="Intranet refresh (internal)")
    assert (intranet.start_date, intranet.status) == (date(2026, 2, 23), "active")
    # Its build ran three working days over: later than the baseline kept at kickoff.
    assert (
        intranet.planned_finish,
        intranet.baseline_finish,
        intranet.promised_date,
        intranet.at_risk,
    ) == (date(2026, 3, 30), date(2026, 3, 25), date(2026, 3, 23), True)
    statuses = dict(Task.objects.filter(project=intranet).values_list("title", "status"))
    assert statuses == {
        "Kickoff meeting": "done",
        "Requirements workshop": "done",
        "Design": "done",
        "Test planning": "done",
        "Build": "in_progress",
        "Review with the customer": "todo",
        "Sign-off": "todo",
        "Go-live": "todo",
        "Handover to support": "todo",
    }
    mention = Mention.objects.select_related("comment__task", "user").get()
    assert (mention.user.username, mention.comment.task.title) == ("dana", "Build")
    playbook = Project.objects.get(name="Support playbook (internal)")
    assert (playbook.start_date, playbook.status) == (date(2026, 3, 23), "planning")
    assert [t.title for t in selectors.my_open_tasks(users["max"])][:2] == [
        "Build",
        "Review with the customer",
    ]


@time_machine.travel("2026-03-18 10:00:00+00:00", tick=False)
def test_seed_projects_finishes_six_projects_on_their_actual_days():
    users = seed_users(SeedResult())
    seed_projects(users=users)
    done = Project.objects.filter(status="done").order_by("start_date")
    assert [p.name for p in done] == [name for name, _ in FINISHED_PROJECTS]
    assert done[0].start_date == date(2025, 1, 6)  # 62 weeks before Monday 16 March 2026
    tasks = Task.objects.filter(project__in=done)
    assert tasks.count() == 6 * 9
    assert not tasks.exclude(status="done").exists()
    assert not tasks.filter(actual_start__isnull=True).exists()
    assert not tasks.filter(actual_finish__lt=F("actual_start")).exists()
    assert not Milestone.objects.filter(
        project__in=done, requires_approval=True, approved_at__isnull=True
    ).exists()
    # R8 holds on the actual days: a finish-to-start successor starts after its predecessor.
    for link in Dependency.objects.filter(project__in=done, kind="FS", lag_days__gte=0):
        assert link.successor.actual_start > link.predecessor.actual_finish or (
            link.successor.duration_days == 0
        )
    # Durations vary around the plan: the six builds did not all take the same time.
    builds = tasks.filter(title="Build").values_list("actual_start", "actual_finish")
    assert len(set(builds)) > 1
