"""A widget's table rows are built as HTML in Python (``Widget.body_html``)."""

from decimal import Decimal

from dashboards.widgets import DAYS, MONEY, Column, Widget


def test_a_widgets_rows_and_footer_as_html():
    widget = Widget(
        name="t",
        title="T",
        columns=[
            Column("who", "Person"),
            Column("days", "Days", DAYS),
            Column("money", "€", MONEY),
        ],
        rows=[
            {
                "who": "<Ann>",
                "who_url": "/p/1/?a=1&b=2",
                "days": 6,
                "days_css": "bad",
                "money": None,
            },
            {"who": "Ben", "days": 0, "money": Decimal("1234.5"), "money_css": "warn"},
        ],
        footer={"who": "All", "who_url": "/x/", "days": 6, "days_css": "bad", "money": Decimal(1)},
    )
    assert widget.body_html == (
        '<tr><th scope="row" data-label="Person"><a href="/p/1/?a=1&amp;b=2">&lt;Ann&gt;</a></th>'
        '<td data-label="Days" class="num is-bad">6</td>'
        '<td data-label="€" class="num">—</td></tr>'
        '<tr><th scope="row" data-label="Person">Ben</th>'
        '<td data-label="Days" class="num">0</td>'
        '<td data-label="€" class="num is-warn">1,235\u00a0EUR</td></tr>'
    )
    assert widget.footer_html == (
        '<tr><th scope="row" data-label="Person">All</th>'
        '<td data-label="Days" class="num">6</td><td data-label="€" class="num">1\u00a0EUR</td></tr>'
    )
