"""The API against its own OpenAPI schema, as an integrator's tools see it: schemathesis runs
every operation with ``--checks all`` (at least 100 examples each) as an admin and as a sales
rep, against Relay served by gunicorn on a seeded test database. Zero failures.

Checks are configured, operation by operation, in ``schemathesis.toml`` beside this file;
each exception there says which documented rule makes it right.
"""

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts.roles import Role
from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from crm.models import LostReason
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, DealFactory
from handoff import services as handoff_services
from handoff.tests.factories import HandoffFactory
from projects import services as project_services
from tests.servers import gunicorn

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "100"))
SEED = os.environ.get("SCHEMATHESIS_SEED", "20261201")

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]


def seed_world() -> dict[str, object]:
    """A small installation in use: companies with contacts, deals in every stage with
    activities, a won deal whose kickoff project has tasks, links, milestones, comments."""
    today = dt.date.today()
    admin = UserFactory(username="st_admin", role=Role.ADMIN)
    rep = UserFactory(username="st_rep", role=Role.SALES_REP)
    manager = UserFactory(username="st_manager", role=Role.SALES_MANAGER)
    lead = UserFactory(username="st_lead", role=Role.DELIVERY_LEAD)
    member = UserFactory(username="st_member", role=Role.DELIVERY_MEMBER)
    companies = [
        CompanyFactory(name=name, domain=f"{name.lower()}.example", owner=rep)
        for name in ("Acme", "Globex", "Initech")
    ]
    contacts = [ContactFactory(company=c, first_name=f"Ann {c.name}") for c in companies]
    deals = [
        DealFactory(owner=rep, company=companies[0], contact=contacts[0], title="Lead deal"),
        DealFactory(owner=rep, company=companies[1], qualified=True, title="Qualified deal"),
        DealFactory(owner=rep, company=companies[1], proposal=True, title="Proposal deal"),
        DealFactory(owner=manager, company=companies[2], negotiation=True, title="Big deal"),
        DealFactory(
            owner=rep,
            company=companies[2],
            lost=True,
            lost_reason=LostReason.objects.first(),
            title="Lost deal",
        ),
        DealFactory(owner=rep, company=companies[0], amount=Decimal("1234.50"), title="Mine"),
    ]
    for deal in deals:
        ActivityFactory(deal=deal, body=f"Called about {deal.title}.")
    handoff = HandoffFactory(
        deal__title="Won deal",
        deal__company=companies[0],
        deal__owner=rep,
        main_stakeholder=contacts[0],
        kickoff_date=today + dt.timedelta(days=7),
        promised_date=today + dt.timedelta(days=365),
        delivery_lead=lead,
    )
    handoff_services.deal_win(deal=handoff.deal, by=rep)
    handoff.refresh_from_db()
    project = handoff.project
    assert project is not None
    project_services.project_update(by=lead, project=project, members=[member])
    design = project_services.task_create(
        by=lead, project=project, title="Design", duration_days=3, assignee=member
    )
    build = project_services.task_create(by=lead, project=project, title="Build", duration_days=5)
    project_services.dependency_create(by=lead, successor=build, predecessor=design, lag_days=1)
    project_services.milestone_create(
        by=lead, project=project, name="Sign-off", requires_approval=True, approver=lead
    )
    project_services.comment_create(by=lead, task=design, body="@st_member over to you.")
    return {"admin": admin, "rep": rep}


def _environment() -> dict[str, str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": "schemathesis-test-key-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONUNBUFFERED": "1",
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


@pytest.fixture
def live_api(transactional_db, tmp_path) -> Iterator[str]:
    """gunicorn on a free port of 127.0.0.1 serving the test database; yields its base URL."""
    log_path = tmp_path / "gunicorn.log"
    # Relay's limit is DATA_UPLOAD_MAX_MEMORY_SIZE (413, JSON); gunicorn's own limits on the
    # request line and header sizes (4094 and 8190 bytes) would answer an HTML 414/400
    # before Relay sees the request.
    limits = ["--limit-request-line", "0", "--limit-request-field_size", "0"]
    try:
        with gunicorn(
            _environment(), log_path, ["--workers", "3", "--timeout", "60", *limits]
        ) as base:
            yield base
    finally:
        errors = [
            line for line in log_path.read_text(errors="replace").splitlines() if "Error" in line
        ]
        print("\n".join(errors[-50:]))  # shown when the test fails


def run_schemathesis(base: str, token: str, report: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base}/api/v1/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            SEED,
            "--workers",
            "2",
            "--header",
            f"Authorization: Bearer {token}",
            "--no-color",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        cwd=report.parent,  # schemathesis keeps its .schemathesis/ cache there, not in the repo
        env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    return result.returncode, result.stdout + result.stderr, time.monotonic() - started


def _summary(output: str) -> str:
    """The closing part of schemathesis' output (operations, test cases, failures, time)."""
    start = output.rfind("SUMMARY")
    return output[start:] if start >= 0 else output[-3000:]


@pytest.mark.parametrize("role", ["admin", "rep"])
def test_the_api_keeps_its_schema(live_api, tmp_path, role):
    users = seed_world()
    _, token = api_token_create(user=users[role])
    code, output, seconds = run_schemathesis(live_api, token, tmp_path / "junit.xml")
    print(f"schemathesis as {role}: exit {code} in {seconds:.0f} s\n{_summary(output)}")
    assert code == 0, output[-20000:]
