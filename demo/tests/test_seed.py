import pytest
from django.core.management import call_command

from accounts.models import User
from demo.seed import DEMO_USERS

pytestmark = pytest.mark.django_db


def test_seed_demo_runs_twice_and_changes_nothing_the_second_time(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = {"users": User.objects.count()}
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert counts == {"users": User.objects.count()}
    assert f"({len(DEMO_USERS)} new users)" in first
    assert "(0 new users)" in second
    for demo in DEMO_USERS:
        assert f"  {demo.username:<8} {demo.role}" in second
        assert User.objects.get(username=demo.username).roles == frozenset({demo.role})
