"""The sales reports in the installation currency: sums of base amounts, each deal at its
own rate (on PostgreSQL from the running totals, elsewhere from the deals)."""

import datetime as dt
from decimal import Decimal

import pytest

from crm.tests import test_money as crm_money
from dashboards import selectors as reports

# The fixtures of the CRM's money tests: the frozen clock, the rates, the mixed deals.
frozen, rates, mixed = crm_money.frozen, crm_money.rates, crm_money.mixed
on_sqlite = crm_money.on_sqlite

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_forecast_adds_base_amounts(rep, mixed, monkeypatch, vendor):
    if vendor == "other":
        on_sqlite(monkeypatch, reports)
    rows = reports.forecast_by_month(today=dt.date(2026, 11, 26), months=2)
    assert rows == [
        {"month": dt.date(2026, 11, 1), "count": 0, "total": Decimal("0.00"),
         "weighted": Decimal("0.00")},
        # 1000.00 + 1070.59 + 390.00; weighted 500 + 535.295 + 39.00 = 1074.295 (the cent
        # rounded once, from the exact sum)
        {"month": dt.date(2026, 12, 1), "count": 3, "total": Decimal("2460.59"),
         "weighted": Decimal("1074.30")},
    ]  # fmt: skip


def test_won_revenue_and_sources_add_base_amounts(rep, mixed):
    period = reports.Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    won = reports.won_by_month(period=period, zone=dt.UTC)
    assert won == [{"month": dt.date(2026, 11, 1), "count": 2, "revenue": Decimal("2600.00")}]
    (row,) = reports.source_funnel(period=period, zone=dt.UTC)
    assert (row["deals"], row["won"], row["lost"], row["won_amount"]) == (
        6,
        2,
        1,
        Decimal("2600.00"),
    )
