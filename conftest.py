"""Fixtures shared by every app's tests: one user per role."""

import pytest

from accounts.roles import Role
from accounts.tests.factories import UserFactory


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
