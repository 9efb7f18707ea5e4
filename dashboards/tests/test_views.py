"""Dashboard pages: role matrix, content, htmx partial, CSV per widget, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from crm.tests.factories import DealFactory
from projects.models import Project

pytestmark = pytest.mark.django_db
SALES = reverse("dashboards:sales")
DELIVERY = reverse("dashboards:delivery")


def csv_lines(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()


@pytest.mark.parametrize(
    ("who", "sales", "delivery"),
    [
        ("rep", 200, 403),
        ("manager", 200, 200),
        ("lead", 403, 200),
        ("member", 403, 200),
        ("admin_user", 200, 200),
        ("no_role", 403, 403),
    ],
)
def test_role_matrix(client, request, who, sales, delivery):
    client.force_login(request.getfixturevalue(who))
    assert client.get(SALES).status_code == sales
    assert client.get(DELIVERY).status_code == delivery
    assert client.get(SALES + "?format=csv&widget=pipeline").status_code == sales
    assert client.get(DELIVERY + "?format=csv&widget=load").status_code == delivery


def test_anonymous_is_sent_to_sign_in(client):
    for url in (SALES, DELIVERY, SALES + "?format=csv&widget=won"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_post_is_not_allowed(client, manager):
    client.force_login(manager)
    assert client.post(SALES).status_code == 405
    assert client.post(DELIVERY).status_code == 405


def test_sales_dashboard_shows_every_widget_with_chart_data(client, manager, sales_world):
    client.force_login(manager)
    response = client.get(SALES)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("pipeline", "forecast", "won", "sources", "follow_up"):
        assert f'data-chart="chart-{name}"' in html
        assert f'<script id="chart-{name}" type="application/json">' in html
        assert f"format=csv&amp;widget={name}" in html
    assert "<script>" not in html  # no inline script: strict CSP
    assert ' style="' not in html
    w = response.context["w"]
    assert w["pipeline"].chart["datasets"][1] == {
        "label": "Weighted",
        "data": [100.0, 1000.0, 5000.0, 15000.0],
    }
    assert w["pipeline"].footer["weighted"] == Decimal("21100.00")
    assert w["cycle"].extra == {"won": 2, "average_days": Decimal("35.0")}
    assert w["follow_up"].extra["totals"]["compliance"] == Decimal("0.7500")
    assert w["stuck"].extra["total"] == 2
    assert "Weighted forecast by expected close (EUR)" in html
    # The weighted pipeline figure and its total, in the house money format.
    assert '<span class="kpi-value">21,100\u00a0EUR</span>' in html
    assert "4 open deals · 35,000\u00a0EUR total" in html
    assert "75%" in html  # follow-up compliance
    assert "35.0 days" in html


def test_sales_dashboard_filters_by_owner_and_period(client, manager, rep, sales_world):
    client.force_login(manager)
    response = client.get(SALES, {"owner": rep.pk, "period": "ytd"})
    w = response.context["w"]
    assert response.context["period"].since == dt.date(2026, 1, 1)
    assert len(w["won"].rows) == 5  # January to May
    assert w["won"].footer["revenue"] == Decimal("10000.00")
    assert [r["owner"] for r in w["follow_up"].rows] == ["Rita Rep"]
    assert w["pipeline"].footer["count"] == 2
    assert (
        f"owner={rep.pk}&amp;period=ytd&amp;format=csv&amp;widget=won" in response.content.decode()
    )


def test_sales_dashboard_last_year_period(client, manager, sales_world):
    client.force_login(manager)
    w = client.get(SALES, {"period": "last_year"}).context["w"]
    assert [(r["month"], r["count"]) for r in w["won"].rows if r["count"]] == [
        (dt.date(2025, 4, 1), 1)
    ]


def test_bad_filters_fall_back_to_the_defaults(client, manager, sales_world):
    client.force_login(manager)
    response = client.get(SALES, {"owner": "nope", "period": "forever"})
    assert response.status_code == 200
    assert response.context["period"].since == dt.date(2025, 6, 1)
    assert response.context["w"]["pipeline"].footer["count"] == 4


def test_sales_csv_exports(client, manager, sales_world):
    client.force_login(manager)
    assert csv_lines(client.get(SALES, {"format": "csv", "widget": "pipeline"})) == [
        "label,count,total,weighted,currency",
        "Lead,1,1000.00,100.00,EUR",
        "Qualified,1,4000.00,1000.00,EUR",
        "Proposal,1,10000.00,5000.00,EUR",
        "Negotiation,1,20000.00,15000.00,EUR",
        "Open pipeline,4,35000.00,21100.00,EUR",
    ]
    assert csv_lines(client.get(SALES, {"format": "csv", "widget": "forecast"})) == [
        "month,count,total,weighted,currency",
        "2026-05,1,10000.00,5000.00,EUR",
        "2026-06,1,1000.00,100.00,EUR",
        "2026-07,1,20000.00,15000.00,EUR",
        "2026-08,0,0.00,0.00,EUR",
        "2026-09,0,0.00,0.00,EUR",
        "2026-10,0,0.00,0.00,EUR",
    ]
    assert csv_lines(client.get(SALES, {"format": "csv", "widget": "sources"})) == [
        "source,deals,won,lost,won_amount,win_rate,currency",
        "Referral,2,1,0,5000.00,1.0000,EUR",
        "Website,4,1,1,10000.00,0.5000,EUR",
        "No source,1,0,0,0.00,,EUR",
        "All sources,7,2,1,15000.00,0.6667,EUR",
    ]
    won = csv_lines(client.get(SALES, {"format": "csv", "widget": "won", "period": "3m"}))
    assert won == [
        "month,count,revenue,currency",
        "2026-03,0,0.00,EUR",
        "2026-04,1,10000.00,EUR",
        "2026-05,1,5000.00,EUR",
        ",2,15000.00,EUR",
    ]
    assert csv_lines(client.get(SALES, {"format": "csv", "widget": "cycle"})) == [
        "won,average_days",
        "2,35.0",
    ]
    assert csv_lines(client.get(SALES, {"format": "csv", "widget": "follow_up"})) == [
        "owner,open_deals,with_next_action,overdue,compliance",
        "Rita Rep,2,2,1,0.5000",
        "Otto Rep,2,2,0,1.0000",
        "Team,4,4,1,0.7500",
    ]
    stuck = csv_lines(client.get(SALES, {"format": "csv", "widget": "stuck"}))
    assert stuck[0] == "deal,company,owner,stage,amount,next_action_due,days_in_stage,why,currency"
    assert stuck[1:] == [
        f"{sales_world['proposal'].title},{sales_world['proposal'].company.name},Rita Rep,Proposal,10000.00,2026-05-10,5,next action overdue,EUR",
        f"{sales_world['negotiation'].title},{sales_world['negotiation'].company.name},Otto Rep,Negotiation,20000.00,2026-05-18,40,stale in stage,EUR",
    ]


def test_the_stuck_deals_widget_shows_ten_and_links_to_the_rest(client, manager, rep):
    late = [
        DealFactory(owner=rep, title=f"Late {i:02}", next_action_due_date=dt.date(2026, 5, 1 + i))
        for i in range(11)
    ]
    client.force_login(manager)
    with time_machine.travel(dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC), tick=False):
        stuck = client.get(SALES).context["w"]["stuck"]
        mine = client.get(SALES, {"owner": rep.pk}).context["w"]["stuck"]
    assert [row["deal"] for row in stuck.rows] == [deal.title for deal in late[:10]]
    assert stuck.note.endswith("Showing 10 of 11.")
    assert stuck.more == (
        "/deals/?stage=open&stale=on&sort=next_action_due_at",
        "All stuck deals (11) in the deal list",
    )
    assert mine.more == (
        f"/deals/?stage=open&stale=on&sort=next_action_due_at&owner={rep.pk}",
        "All stuck deals (11) in the deal list",
    )


def test_every_stuck_deal_shown_needs_no_link(client, manager, rep):
    DealFactory(owner=rep, next_action_due_date=dt.date(2026, 5, 1))
    client.force_login(manager)
    with time_machine.travel(dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC), tick=False):
        response = client.get(SALES)
    assert response.context["w"]["stuck"].more is None
    assert "widget-more" not in response.content.decode()


def test_unknown_widget_is_a_bad_request(client, manager):
    client.force_login(manager)
    assert client.get(SALES, {"format": "csv", "widget": "nope"}).status_code == 400
    assert client.get(DELIVERY, {"format": "csv", "widget": "nope"}).status_code == 400


def test_delivery_dashboard_widgets(client, lead, delivery_world):
    client.force_login(lead)
    response = client.get(DELIVERY)
    html = response.content.decode()
    w = response.context["w"]
    assert list(w) == ["health", "at_risk", "overdue", "approvals", "load", "variance", "demand"]
    for name in ("overdue", "load", "variance"):
        assert f'data-chart="chart-{name}"' in html
    assert w["health"].extra["at_risk"] == 1
    assert w["load"].chart["datasets"] == [
        {"label": "Mia Member", "data": [5.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0]},
        {"label": "Lena Lead", "data": [2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]},
    ]
    assert "Alpha" in html and "Sign-off" in html
    assert "<script>" not in html and ' style="' not in html


def test_the_variance_chart_plots_working_days_per_project(client, lead, delivery_world):
    client.force_login(lead)
    response = client.get(DELIVERY)
    variance = response.context["w"]["variance"]
    assert variance.chart["labels"] == ["Alpha", "Beta"]
    assert variance.chart["datasets"] == [{"label": "Variance (working days)", "data": [9.0, -2.0]}]
    assert variance.chart["horizontal"] is True
    html = response.content.decode()
    assert '<canvas data-chart="chart-variance"' in html
    assert '<script id="chart-variance" type="application/json">' in html


def test_the_variance_widget_says_in_words_when_there_is_nothing_to_chart(
    client, lead, delivery_world
):
    client.force_login(lead)
    Project.objects.filter(name="Alpha").update(forecast_finish=dt.date(2026, 6, 1))
    Project.objects.filter(name="Beta").update(forecast_finish=dt.date(2026, 7, 3))
    html = client.get(DELIVERY).content.decode()
    assert 'data-chart="chart-variance"' not in html
    assert (
        "Every open project with a baseline is forecast to finish on its baseline finish." in html
    )
    Project.objects.update(baseline_finish=None)
    response = client.get(DELIVERY)
    assert response.context["w"]["variance"].rows == []
    html = response.content.decode()
    assert 'data-chart="chart-variance"' not in html
    assert "No open project has a baseline yet, so there is no variance to chart" in html


def test_delivery_members_see_their_projects_and_no_demand(client, member, delivery_world):
    client.force_login(member)
    response = client.get(DELIVERY)
    w = response.context["w"]
    assert "demand" not in w
    assert w["health"].extra["open"] == 1
    assert [r["project"] for r in w["variance"].rows] == ["Beta"]
    assert client.get(DELIVERY, {"format": "csv", "widget": "demand"}).status_code == 403


def test_delivery_csv_exports(client, lead, delivery_world):
    client.force_login(lead)
    assert csv_lines(client.get(DELIVERY, {"format": "csv", "widget": "load"})) == [
        "person,w0,w1,w2,w3,w4,w5,w6,w7",
        "Mia Member,5,2,0,0,0,0,0,5",
        "Lena Lead,2,0,0,0,0,0,0,0",
        "Working days per person,5,4,5,5,5,5,5,5",
    ]
    assert csv_lines(client.get(DELIVERY, {"format": "csv", "widget": "overdue"})) == [
        "person,count,oldest,days_late",
        "Mia Member,1,2026-05-15,3",
        "Unassigned,1,2026-05-05,13",
        "Everyone,2,,",
    ]
    assert csv_lines(client.get(DELIVERY, {"format": "csv", "widget": "variance"})) == [
        "project,baseline_finish,planned_finish,forecast_finish,variance_days",
        "Alpha,2026-06-01,2026-06-11,2026-06-12,9",
        "Beta,2026-07-03,2026-07-01,2026-07-01,-2",
    ]
    assert csv_lines(client.get(DELIVERY, {"format": "csv", "widget": "approvals"})) == [
        "milestone,project,approver,due_date,open_tasks,ready",
        "Sign-off,Alpha,Lena Lead,2026-05-29,1,no",
        "Go-live,Beta,Lena Lead,,0,yes",
    ]
    assert csv_lines(client.get(DELIVERY, {"format": "csv", "widget": "at_risk"})) == [
        "project,company,lead,promised_date,planned_finish,forecast_finish,slip_days",
        "Alpha,,Lena Lead,2026-06-01,2026-06-11,2026-06-12,11",
    ]
    assert csv_lines(client.get(DELIVERY, {"format": "csv", "widget": "health"})) == [
        "status,count",
        "Open projects,3",
        "Planning,1",
        "Active,2",
        "On hold,0",
        "At risk,1",
    ]


def test_delivery_demand_csv(client, manager, demand_world):
    client.force_login(manager)
    assert csv_lines(client.get(DELIVERY, {"format": "csv", "widget": "demand"})) == [
        "month,deals,weighted_deals,demand_days,capacity_days,utilisation",
        "2026-05,1,0.10,2.30,40,0.0575",
        "2026-06,2,1.25,14.50,44,0.3295",
        "2026-07,0,0.00,0.00,46,0.0000",
        "2026-08,0,0.00,0.00,42,0.0000",
        "2026-09,0,0.00,0.00,44,0.0000",
        "2026-10,0,0.00,0.00,44,0.0000",
    ]


def test_empty_dashboards_render(client, admin_user):
    client.force_login(admin_user)
    assert "Nothing to show." in client.get(SALES).content.decode()
    assert "Nothing to show." in client.get(DELIVERY).content.decode()
