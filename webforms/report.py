"""Web-form leads by lead source and campaign, on the sales dashboard (a widget registered
through ``dashboards.hooks``) and in the API (``reports/campaigns``)."""

from decimal import Decimal

from dashboards.widgets import INT, MONEY, TEXT, Column, SalesQuery, Widget, chart
from webforms import selectors


def campaigns_widget(q: SalesQuery) -> Widget:
    rows = [
        {**row, "campaign": row["campaign"] or selectors.NO_CAMPAIGN}
        for row in selectors.leads_by_campaign(period=q.period, zone=q.zone, owner_id=q.owner_id)
    ]
    footer = {
        "source": "All web-form leads",
        "campaign": "",
        "leads": sum(r["leads"] for r in rows),
        "won": sum(r["won"] for r in rows),
        "won_amount": sum((r["won_amount"] for r in rows), Decimal("0.00")),
    }
    return Widget(
        name="campaigns",
        title="Web-form leads by source and campaign",
        columns=[
            Column("source", "Source", TEXT),
            Column("campaign", "Campaign", TEXT),
            Column("leads", "Leads", INT),
            Column("won", "Won", INT),
            Column("won_amount", "Revenue", MONEY),
        ],
        rows=rows,
        footer=footer,
        note="Leads that web forms created in the period; the campaign is their utm_campaign.",
        empty="No web-form leads in the period.",
        chart=chart(
            "bar",
            [f"{r['source']} · {r['campaign']}" for r in rows],
            [{"label": "Leads", "data": [r["leads"] for r in rows]}],
            horizontal=True,
        ),
    )
