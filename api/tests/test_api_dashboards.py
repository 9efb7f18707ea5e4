"""Report endpoints: exact JSON against the dashboards' factory worlds, roles, bad input."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.services import api_token_create
from crm.tests.factories import DealFactory
from dashboards.tests import worlds

pytestmark = pytest.mark.django_db

# The dashboards' factory worlds (fixtures), shared with these tests.
sales_now, sales_world = worlds.sales_now, worlds.sales_world
delivery_now, demand_world = worlds.delivery_now, worlds.demand_world


def api_get(user, path, **params):
    _, raw = api_token_create(user=user)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    return client.get(f"/api/v1/{path}", params)


SALES_REPORTS = ["reports/forecast", "reports/sources", "reports/follow-up"]


@pytest.mark.parametrize(
    ("who", "sales", "demand"),
    [
        ("rep", 200, 403),
        ("manager", 200, 200),
        ("lead", 403, 200),
        ("member", 403, 403),
        ("admin_user", 200, 200),
        ("no_role", 403, 403),
    ],
)
def test_report_roles(request, who, sales, demand):
    user = request.getfixturevalue(who)
    for path in SALES_REPORTS:
        response = api_get(user, path)
        assert response.status_code == sales, path
        if sales == 403:
            assert response.json() == {
                "detail": "Sales reports are for sales and admins.",
                "errors": {},
            }
    assert api_get(user, "reports/delivery-demand").status_code == demand


def test_reports_need_authentication():
    client = Client()
    for path in [*SALES_REPORTS, "reports/delivery-demand"]:
        assert client.get(f"/api/v1/{path}").status_code == 401


def test_forecast(rep, sales_world):
    response = api_get(rep, "reports/forecast")
    assert response.status_code == 200
    rows = response.json()
    assert {row.pop("currency") for row in rows} == {"EUR"}  # the installation's, each row
    assert rows == [
        {"month": "2026-05", "count": 1, "total": "10000.00", "weighted": "5000.00"},
        {"month": "2026-06", "count": 1, "total": "1000.00", "weighted": "100.00"},
        {"month": "2026-07", "count": 1, "total": "20000.00", "weighted": "15000.00"},
        {"month": "2026-08", "count": 0, "total": "0.00", "weighted": "0.00"},
        {"month": "2026-09", "count": 0, "total": "0.00", "weighted": "0.00"},
        {"month": "2026-10", "count": 0, "total": "0.00", "weighted": "0.00"},
    ]


def test_forecast_months_and_owner(manager, other_rep, sales_world):
    body = api_get(manager, "reports/forecast", months=8, owner_id=other_rep.pk).json()
    assert [(r["month"], r["count"], r["weighted"]) for r in body if r["count"]] == [
        ("2026-07", 1, "15000.00"),
        ("2026-12", 1, "1000.00"),
    ]
    assert len(api_get(manager, "reports/forecast", months=1).json()) == 1


@pytest.mark.parametrize("months", [0, 25, -3])
def test_forecast_months_out_of_range(manager, months):
    response = api_get(manager, "reports/forecast", months=months)
    assert response.status_code == 422
    assert response.json()["errors"] == {"months": ["Must be between 1 and 24."]}


def test_forecast_months_not_a_number(manager):
    response = api_get(manager, "reports/forecast", months="six")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["months"]


def test_sources(manager, sales_world):
    response = api_get(manager, "reports/sources", since="2025-06-01", until="2026-05-15")
    assert response.status_code == 200
    website, referral = sales_world["lead"].source_id, sales_world["proposal"].source_id
    rows = response.json()
    assert {row.pop("currency") for row in rows} == {"EUR"}
    assert rows == [
        {
            "source": "Referral",
            "source_id": referral,
            "deals": 2,
            "won": 1,
            "lost": 0,
            "won_amount": "5000.00",
            "win_rate": 1.0,
        },
        {
            "source": "Website",
            "source_id": website,
            "deals": 4,
            "won": 1,
            "lost": 1,
            "won_amount": "10000.00",
            "win_rate": 0.5,
        },
        {
            "source": "No source",
            "source_id": None,
            "deals": 1,
            "won": 0,
            "lost": 0,
            "won_amount": "0.00",
            "win_rate": None,
        },
    ]


def test_sources_all_time_and_bounds(manager, sales_world):
    body = api_get(manager, "reports/sources").json()
    assert [(r["source"], r["deals"], r["won"], r["won_amount"], r["win_rate"]) for r in body] == [
        ("Referral", 2, 1, "5000.00", 1.0),
        ("Website", 5, 2, "13000.00", 0.6667),
        ("No source", 1, 0, "0.00", None),
    ]
    # until is inclusive: the deal created on 1 May counts.
    body = api_get(manager, "reports/sources", since="2026-05-01", until="2026-05-01").json()
    assert [(r["source"], r["deals"]) for r in body] == [("Website", 1)]


def test_sources_bad_dates(manager):
    response = api_get(manager, "reports/sources", since="2026-05-02", until="2026-05-01")
    assert response.status_code == 422
    assert response.json()["errors"] == {"until": ["Must be on or after since."]}
    response = api_get(manager, "reports/sources", since="yesterday")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["since"]


def test_follow_up(rep, other_rep, sales_world):
    assert api_get(rep, "reports/follow-up").json() == {
        "open_deals": 4,
        "with_next_action": 4,
        "overdue": 1,
        "compliance": 0.75,
    }
    assert api_get(rep, "reports/follow-up", owner_id=rep.pk).json() == {
        "open_deals": 2,
        "with_next_action": 2,
        "overdue": 1,
        "compliance": 0.5,
    }


def test_follow_up_without_open_deals(rep):
    assert api_get(rep, "reports/follow-up").json() == {
        "open_deals": 0,
        "with_next_action": 0,
        "overdue": 0,
        "compliance": None,
    }


def test_delivery_demand(lead, demand_world):
    response = api_get(lead, "reports/delivery-demand", months=3)
    assert response.status_code == 200
    assert response.json() == [
        {
            "month": "2026-05",
            "deals": 1,
            "weighted_deals": "0.10",
            "demand_days": "2.30",
            "people": 2,
            "working_days": 20,
            "capacity_days": 40,
            "utilisation": 0.0575,
        },
        {
            "month": "2026-06",
            "deals": 2,
            "weighted_deals": "1.25",
            "demand_days": "14.50",
            "people": 2,
            "working_days": 22,
            "capacity_days": 44,
            "utilisation": 0.3295,
        },
        {
            "month": "2026-07",
            "deals": 0,
            "weighted_deals": "0.00",
            "demand_days": "0.00",
            "people": 2,
            "working_days": 23,
            "capacity_days": 46,
            "utilisation": 0.0,
        },
    ]
    assert len(api_get(lead, "reports/delivery-demand").json()) == 6
    assert api_get(lead, "reports/delivery-demand", months=30).status_code == 422


def test_reports_in_the_openapi_schema(rep):
    paths = api_get(rep, "openapi.json").json()["paths"]
    for path in [*SALES_REPORTS, "reports/delivery-demand", "reports/pipeline"]:
        assert f"/api/v1/{path}" in paths


def test_report_query_counts_are_constant(rep, sales_world, django_assert_num_queries):
    _, raw = api_token_create(user=rep)
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.get("/api/v1/me")  # records the token's last use (throttled: once)
    # the token with its user, the user's roles; then one grouped query (follow-up: two,
    # the open deals per owner and the overdue ones)
    for _ in range(2):
        for path, queries in [
            ("reports/forecast", 3),
            ("reports/sources", 3),
            ("reports/follow-up", 4),
        ]:
            with django_assert_num_queries(queries):
                assert client.get(f"/api/v1/{path}").status_code == 200
        for i in range(5):
            DealFactory(proposal=True, owner=rep, amount=Decimal(i + 1))
