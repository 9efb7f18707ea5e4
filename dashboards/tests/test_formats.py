"""Dashboard cells in the house formats on screen (accounts.formats) and plainly in CSV."""

import datetime as dt
from decimal import Decimal

import pytest

from dashboards.widgets import (
    BOOL,
    DATE,
    DAYS,
    INT,
    MONEY,
    MONTH,
    RATE,
    WEEK,
    Column,
    Widget,
    display,
    raw,
)


@pytest.mark.parametrize(
    ("value", "kind", "shown", "cell"),
    [
        (Decimal("81000.00"), MONEY, "81,000\u00a0EUR", "81000.00"),
        (Decimal("8873.05"), MONEY, "8,873\u00a0EUR", "8873.05"),  # a total: whole units
        (Decimal("8873.50"), MONEY, "8,874\u00a0EUR", "8873.50"),
        (dt.date(2026, 12, 2), DATE, "2 Dec 2026", "2026-12-02"),
        (dt.date(2026, 11, 30), WEEK, "30 Nov", "2026-11-30"),
        (dt.date(2026, 12, 1), MONTH, "Dec 2026", "2026-12"),
        (Decimal("0.6667"), RATE, "66.7%", Decimal("0.6667")),
        (1234, INT, "1,234", 1234),
        (Decimal("2.5"), DAYS, "2.5", Decimal("2.5")),
        (True, BOOL, "Yes", "yes"),
        (None, MONEY, "—", ""),
    ],
)
def test_a_cell_reads_the_house_way_and_exports_plainly(value, kind, shown, cell):
    assert (display(value, kind), raw(value, kind)) == (shown, cell)


def test_a_widget_with_amounts_exports_their_currency_in_a_column_of_its_own():
    columns = [Column("label", "Stage"), Column("total", "Total", MONEY)]
    widget = Widget(
        name="pipeline",
        title="Pipeline",
        columns=columns,
        rows=[{"label": "Lead", "total": Decimal("1000")}],
        footer={"label": "Open pipeline", "total": Decimal("1000.5")},
    )
    assert widget.csv_header() == ["label", "total", "currency"]
    assert list(widget.csv_rows()) == [
        ["Lead", "1000.00", "EUR"],
        ["Open pipeline", "1000.50", "EUR"],
    ]
    counts = Widget(name="health", title="Health", columns=[Column("n", "Count", INT)], rows=[])
    assert counts.csv_header() == ["n"]
