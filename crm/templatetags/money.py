"""Money on screen, in the house format (``accounts.formats.money``: ``81,000 EUR``, cents
only when there are any): a deal's amount in its own currency, with its amount in the
installation currency beside it when the two differ; any amount with its currency; the
installation's currency code for totals. ``{% load money %}``, then
``{% deal_amount deal %}``, ``{{ amount|money:currency }}`` (``{{ total|money }}``: in the
installation currency), ``{{ total|money_whole }}`` for a computed figure and
``{% installation_currency %}``."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.formats import money as format_money
from accounts.formats import money_whole as format_money_whole
from crm import models

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str | None = None) -> str:
    """``{{ deal.weighted_amount|money:deal.currency }}``: ``24,300 EUR``; a total without
    a currency (``{{ total|money }}``) is in the installation's."""
    return format_money(amount, currency or models.installation_currency())


@register.filter
def money_whole(amount: Decimal | None, currency: str | None = None) -> str:
    """``{{ column.total|money_whole:currency }}``: a computed figure in whole units
    (``accounts.formats.money_whole``), in the installation currency without one."""
    return format_money_whole(amount, currency or models.installation_currency())


@register.simple_tag
def deal_amount(deal: models.Deal) -> SafeString:
    """``12,000 CHF ≈ 12,840 EUR`` (the second part only when the currencies differ, in
    whole units: it is a conversion); the house rules of ``accounts.formats``."""
    own = format_money(deal.amount, deal.currency)
    if deal.in_installation_currency:
        return format_html("{}", own)
    return format_html(
        '{} <span class="muted small" title="At {} {} per {}">≈ {}</span>',
        own,
        f"{deal.exchange_rate.normalize():f}",
        models.installation_currency(),
        deal.currency,
        format_money_whole(deal.amount_base, models.installation_currency()),
    )


@register.simple_tag
def installation_currency() -> str:
    return models.installation_currency()
