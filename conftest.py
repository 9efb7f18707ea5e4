"""Fixtures shared by every app's tests: one user per role, and reference data."""

from importlib import import_module

import pytest

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from records.events import occurred


@pytest.fixture
def rep(db):
    return UserFactory(username="rep", role=Role.SALES_REP)


@pytest.fixture
def other_rep(db):
    return UserFactory(username="other_rep", role=Role.SALES_REP)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.SALES_MANAGER)


@pytest.fixture
def lead(db):
    return UserFactory(username="lead", role=Role.DELIVERY_LEAD)


@pytest.fixture
def member(db):
    return UserFactory(username="member", role=Role.DELIVERY_MEMBER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN)


@pytest.fixture
def no_role(db):
    return UserFactory(username="norole")


# The data migrations that ship reference rows (roles, lead sources, lost reasons, stage
# settings, the ready template). A transactional test's flush empties those tables, so
# they are laid again (idempotently) before every transactional test.
REFERENCE_DATA = [
    ("accounts.migrations.0002_roles", "create_roles"),
    ("crm.migrations.0002_defaults", "seed_defaults"),
    ("projects.migrations.0002_standard_delivery_template", "create_template"),
]


@pytest.fixture(autouse=True)
def _reference_data(request):
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    for module, function in REFERENCE_DATA:
        try:
            seed = getattr(import_module(module), function)
        except ModuleNotFoundError:
            continue
        seed(apps, None)


@pytest.fixture
def events():
    """Every domain event (``records.events``) emitted during the test, as (type, data)."""
    seen: list[tuple[str, dict]] = []

    def receive(sender, events, **kwargs):
        seen.extend((event.type, dict(event.data)) for event in events)

    occurred.connect(receive, dispatch_uid="test-events")
    yield seen
    occurred.disconnect(dispatch_uid="test-events")
