"""Money on screen: a deal's amount in its own currency, with its amount in the
installation currency beside it when the two differ; the installation's currency code for
totals. ``{% load money %}``, then ``{% deal_amount deal %}`` (``places=0`` on the board) and
``{% installation_currency %}``."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import SafeString

from crm import models

register = template.Library()


def _number(value: Decimal, places: int) -> str:
    return intcomma(f"{value:.{places}f}")


@register.simple_tag
def deal_amount(deal: models.Deal, places: int = 2) -> SafeString:
    """``12,000.00 CHF ≈ 12,840.00 EUR`` (the second part only when the currencies differ)."""
    own = format_html("{} {}", _number(deal.amount, places), deal.currency)
    if deal.in_installation_currency:
        return own
    return format_html(
        '{} <span class="muted small" title="At {} {} per {}">≈ {} {}</span>',
        own,
        f"{deal.exchange_rate.normalize():f}",
        models.installation_currency(),
        deal.currency,
        _number(deal.amount_base, places),
        models.installation_currency(),
    )


@register.simple_tag
def installation_currency() -> str:
    return models.installation_currency()
