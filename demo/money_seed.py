"""The demo's exchange rates: quarterly rates for three currencies besides the installation's,
from before the bulk demo's two years of history until today, so a few percent of demo deals
can be priced in USD, GBP or CHF (or EUR, when the installation's currency is one of those).

The rates are made up (close to those of 2025, wobbling by up to 2 % a quarter); an
installation whose currency is not EUR, USD, GBP or CHF gets none, and its demo stays in
one currency. Idempotent: a rate that exists is left as it is.
"""

import bisect
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from crm.models import ExchangeRate, installation_currency

# What one unit of each demo currency is worth in euros.
IN_EUROS = {
    "EUR": Decimal(1),
    "USD": Decimal("0.92"),
    "GBP": Decimal("1.17"),
    "CHF": Decimal("1.05"),
}
QUARTERS = 10  # two and a half years: the bulk demo's history, and a quarter to spare
# The share of demo deals priced in another currency than the installation's.
FOREIGN_SHARE = 0.05


def _quarter_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 4 + (day.month - 1) // 3 - back
    return dt.date(index // 4, index % 4 * 3 + 1, 1)


def demo_rates(today: dt.date) -> list[tuple[str, dt.date, Decimal]]:
    """(currency, valid from, rate) for every demo currency and quarter, oldest first."""
    base = installation_currency()
    if base not in IN_EUROS:
        return []
    rates = []
    for back in range(QUARTERS - 1, -1, -1):
        day = _quarter_start(today, back)
        for i, code in enumerate(c for c in IN_EUROS if c != base):
            wobble = Decimal(1) + Decimal((back * 7 + i * 3) % 9 - 4) / 200
            rate = (IN_EUROS[code] / IN_EUROS[base] * wobble).quantize(Decimal("0.0001"))
            rates.append((code, day, rate))
    return rates


def seed_exchange_rates(today: dt.date) -> int:
    """The demo's rates (those missing); how many were made."""
    wanted = demo_rates(today)
    have = set(ExchangeRate.objects.values_list("currency", "valid_from"))
    new = [
        ExchangeRate(currency=code, valid_from=day, rate=rate)
        for code, day, rate in wanted
        if (code, day) not in have
    ]
    ExchangeRate.objects.bulk_create(new)
    return len(new)


@dataclass
class RateBook:
    """Every rate in memory (one query), for converting many rows: the rate of a currency
    on a day, as ``crm.services.exchange_rate_for`` finds it."""

    days: dict[str, list[dt.date]]
    rates: dict[str, list[Decimal]]

    @classmethod
    def load(cls) -> "RateBook":
        days: dict[str, list[dt.date]] = {}
        rates: dict[str, list[Decimal]] = {}
        rows = ExchangeRate.objects.order_by("currency", "valid_from")
        for code, day, rate in rows.values_list("currency", "valid_from", "rate"):
            days.setdefault(code, []).append(day)
            rates.setdefault(code, []).append(rate)
        return cls(days, rates)

    @property
    def currencies(self) -> list[str]:
        return sorted(self.days)

    def on(self, currency: str, day: dt.date) -> Decimal | None:
        """The latest rate of ``currency`` valid on ``day``; 1 for the installation's."""
        if currency == installation_currency():
            return Decimal(1)
        days = self.days.get(currency, [])
        at = bisect.bisect_right(days, day)
        return self.rates[currency][at - 1] if at else None
