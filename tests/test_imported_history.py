"""Imported history counts in the sales reports as if it had happened in Relay: won revenue
by month, the win rate by source and the sales cycle, worked out here from the generator's
ground truth (tests/data/imports) rather than from what landed."""

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

from crm.models import Stage
from dashboards import selectors
from imports.models import Status
from imports.tests.test_vendors import CURRENCY, RATES, SETS, _import, sam  # noqa: F401
from tests.data.imports import make_files

pytestmark = pytest.mark.django_db
ZONE = zoneinfo.ZoneInfo("Europe/Zurich")
ALL_TIME = selectors.Period(dt.date(2020, 1, 1), dt.date(2027, 12, 31))
CENT = Decimal("0.01")


def test_imported_won_and_lost_deals_count_in_revenue_win_rate_and_cycle(sam):  # noqa: F811
    for kind, name in SETS["zoho"]:
        assert _import(sam, kind, name).status == Status.DONE
    _, _, deals = make_files.build()

    def base(deal: make_files.Deal) -> Decimal:
        rate = RATES[CURRENCY["zoho"](deal.currency)]
        return ((deal.amount or Decimal(0)) * rate).quantize(CENT, rounding=ROUND_HALF_UP)

    won = [d for d in deals if d.stage == Stage.WON]
    lost = [d for d in deals if d.stage == Stage.LOST]
    assert (len(won), len(lost)) == (5, 4)  # the set has history of both kinds

    revenue: dict[dt.date, list[Decimal]] = defaultdict(list)
    for d in won:
        revenue[d.close.replace(day=1)].append(base(d))
    months = selectors.won_by_month(period=ALL_TIME, zone=ZONE)
    assert {row["month"]: (row["count"], row["revenue"]) for row in months if row["count"]} == {
        month: (len(amounts), sum(amounts, Decimal(0))) for month, amounts in revenue.items()
    }

    # A deal won on a day was won at noon of that day where the importer works.
    seconds = [
        (dt.datetime.combine(d.close, dt.time(12), ZONE) - d.created).total_seconds() for d in won
    ]
    average = (Decimal(sum(seconds)) / len(won) / Decimal(86400)).quantize(Decimal("0.1"))
    assert selectors.sales_cycle(period=ALL_TIME, zone=ZONE) == {
        "won": len(won),
        "average_days": average,
    }

    by_source: dict[str, list[make_files.Deal]] = defaultdict(list)
    for d in deals:
        by_source[d.source or selectors.NO_SOURCE].append(d)
    expected = {}
    for source, group in by_source.items():
        won_here = [d for d in group if d.stage == Stage.WON]
        lost_here = [d for d in group if d.stage == Stage.LOST]
        expected[source] = (
            len(group),
            len(won_here),
            len(lost_here),
            sum((base(d) for d in won_here), Decimal(0)),
            selectors.rate(len(won_here), len(won_here) + len(lost_here)),
        )
    funnel = selectors.source_funnel(period=ALL_TIME, zone=ZONE)
    assert {
        row["source"]: (row["deals"], row["won"], row["lost"], row["won_amount"], row["win_rate"])
        for row in funnel
    } == expected
