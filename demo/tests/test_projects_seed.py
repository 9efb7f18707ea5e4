from datetime import date

import pytest
import time_machine

from demo.projects_seed import seed_projects
from demo.seed import SeedResult, seed_users
from projects import selectors
from projects.models import Mention, Project, Task

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-03-18 10:00:00+00:00", tick=False)
def test_seed_projects_makes_two_projects_once_with_progress():
    users = seed_users(SeedResult())
    assert seed_projects(users=users) == 2
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
