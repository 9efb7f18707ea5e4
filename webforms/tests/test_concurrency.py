"""Two submissions at the same moment: one lead per person, and the round robin advances
once per lead (the email's transaction lock, then the form's row lock)."""

import threading

import pytest
from django.db import connection

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Deal, LeadSource
from webforms import services
from webforms.models import Submission
from webforms.tests.conftest import enquiry

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(calls):
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


@pytest.fixture
def form():
    admin = UserFactory(username="ada", role=Role.ADMIN)
    owners = [UserFactory(username=f"o{i}", role=Role.SALES_REP) for i in range(2)]
    source = LeadSource.objects.get(name="Website")
    return services.webform_create(by=admin, name="Contact", source=source, owners=owners), owners


def test_the_same_person_twice_at_once_is_one_lead(form, no_broker):
    webform, _ = form
    run_together(
        [
            lambda i=i: services.submission_accept(webform, enquiry(), ip=f"198.51.100.{i}")
            for i in range(2)
        ]
    )
    assert Deal.objects.count() == 1
    assert sorted(Submission.objects.values_list("status", flat=True)) == ["accepted", "duplicate"]


def test_two_people_at_once_go_to_two_owners(form, no_broker):
    webform, owners = form
    run_together(
        [
            lambda i=i: services.submission_accept(
                webform, enquiry(email=f"p{i}@example.org", company=f"Co {i}"), ip=f"198.51.100.{i}"
            )
            for i in range(2)
        ]
    )
    assert sorted(Deal.objects.values_list("owner_id", flat=True)) == sorted(o.pk for o in owners)
    webform.refresh_from_db()
    assert webform.next_owner == 0  # advanced twice, around the two owners
