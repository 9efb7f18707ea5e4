"""The number of queries per dashboard does not grow with the data (one per widget)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from crm.models import LeadSource
from crm.tests.factories import DealFactory
from handoff.models import Handoff
from projects.models import ProjectTemplate
from projects.tests.factories import MilestoneFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

# session, user, the user's groups (roles), then one query per widget:
# pipeline, forecast, won, sources, cycle, follow-up (open deals per owner, overdue ones),
# stuck (the stale limits it asks first, its capped count, its page); then the owner
# filter's validation and the owner choices; and one per widget an app above adds through
# dashboards.hooks (webforms: web-form leads by source and campaign).
SALES_QUERIES = 3 + 10 + 2 + 1
# health, at-risk, overdue, approvals, holidays, load, variance (projects, then the holidays
# its working days skip); demand adds its grouped query, the template tasks and links, and
# the delivery headcount, and the templates' history (their tasks, the finished projects'
# tasks and the holidays).
DELIVERY_QUERIES = 3 + 8
DEMAND_QUERIES = 4 + 3


def add_sales_data(n, owners):
    sources = list(LeadSource.objects.all())
    for i in range(n):
        owner = owners[i % len(owners)]
        source = sources[i % len(sources)]
        DealFactory(owner=owner, source=source, amount=Decimal(100 + i))
        DealFactory(
            proposal=True, owner=owner, source=source, next_action_due_date=dt.date(2020, 1, 1)
        )
        DealFactory(won=True, owner=owner, source=None)
        DealFactory(lost=True, owner=owner, source=source)


def add_delivery_data(n, people, template):
    today = dt.date.today()
    for i in range(n):
        project = ProjectFactory(
            status="active",
            at_risk=bool(i % 2),
            promised_date=today,
            planned_finish=today + dt.timedelta(days=i),
            baseline_finish=today,
            members=people,
        )
        milestone = MilestoneFactory(project=project, requires_approval=True, approver=people[0])
        for person in people:
            TaskFactory(
                project=project,
                assignee=person,
                milestone=milestone,
                planned_start=today - dt.timedelta(days=3),
                planned_finish=today + dt.timedelta(days=10),
            )
        deal = DealFactory(proposal=True, expected_close_date=today + dt.timedelta(days=30 * i))
        if i % 2:
            Handoff.objects.create(deal=deal, template=template)


@pytest.mark.parametrize("size", [0, 2, 12])
def test_sales_dashboard_query_count_is_constant(
    client, manager, rep, other_rep, size, django_assert_num_queries
):
    add_sales_data(size, [rep, other_rep])
    client.force_login(manager)
    with django_assert_num_queries(SALES_QUERIES):
        response = client.get(reverse("dashboards:sales"), {"owner": rep.pk})
    assert response.status_code == 200
    with django_assert_num_queries(SALES_QUERIES - 1):  # no owner to validate
        assert client.get(reverse("dashboards:sales")).status_code == 200


@pytest.mark.parametrize("size", [0, 2, 12])
def test_delivery_dashboard_query_count_is_constant(
    client, manager, lead, member, size, django_assert_num_queries
):
    template = ProjectTemplate.objects.create(name="Other")
    add_delivery_data(size, [lead, member], template)
    client.force_login(manager)
    with django_assert_num_queries(DELIVERY_QUERIES + DEMAND_QUERIES):
        assert client.get(reverse("dashboards:delivery")).status_code == 200
    client.force_login(member)
    with django_assert_num_queries(DELIVERY_QUERIES):
        assert client.get(reverse("dashboards:delivery")).status_code == 200


@pytest.mark.parametrize("size", [0, 5])
def test_one_widget_csv_runs_one_widget(client, manager, rep, size, django_assert_num_queries):
    add_sales_data(size, [rep])
    client.force_login(manager)
    with django_assert_num_queries(3 + 1):
        response = client.get(reverse("dashboards:sales"), {"format": "csv", "widget": "forecast"})
        b"".join(response.streaming_content)
