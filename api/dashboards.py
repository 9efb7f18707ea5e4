"""/api/v1 reports over the pipeline and delivery: thin adapters over dashboards.selectors.

``reports/pipeline`` lives with the CRM endpoints; these add the forecast, lead sources,
follow-up compliance and the expected delivery demand. Money and day counts are decimal
strings (money in the installation currency, named by each row's ``currency``), months
``YYYY-MM``, rates fractions between 0 and 1 (null when undefined).
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from accounts.models import User
from api.auth import current_user
from api.errors import READ, answers
from api.fields import Date, MoneyOut, QueryId, QueryInt
from crm.models import installation_currency
from dashboards import selectors

router = Router(tags=["reports"])
MAX_MONTHS = 24
Months = Annotated[int, QueryInt(1, MAX_MONTHS)]


CURRENCY_FIELD = Field(description="The installation currency, that of every amount.")


class ForecastRow(Schema):
    month: str
    count: int
    total: MoneyOut
    weighted: MoneyOut
    currency: str = CURRENCY_FIELD


class SourceRow(Schema):
    source: str
    source_id: int | None
    deals: int
    won: int
    lost: int
    won_amount: MoneyOut
    win_rate: float | None
    currency: str = CURRENCY_FIELD


class FollowUpOut(Schema):
    open_deals: int
    with_next_action: int
    overdue: int
    compliance: float | None


class DemandRow(Schema):
    month: str
    deals: int
    weighted_deals: str
    demand_days: str
    people: int
    working_days: int
    capacity_days: int
    utilisation: float | None


def _sales_user(request: HttpRequest) -> User:
    user = current_user(request)
    if not selectors.can_see_sales_dashboard(user):
        raise PermissionDenied("Sales reports are for sales and admins.")
    return user


def _months(value: int) -> int:
    if not 1 <= value <= MAX_MONTHS:
        raise ValidationError({"months": [f"Must be between 1 and {MAX_MONTHS}."]})
    return value


def _month(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _decimal(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _rate(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _today(user: User) -> dt.date:
    return timezone.localtime(timezone.now(), user.zone).date()


@router.get("reports/forecast", response=answers({200: list[ForecastRow]}, *READ, 403))
def report_forecast(
    request: HttpRequest, months: Months = 6, owner_id: QueryId | None = None
) -> list[dict[str, Any]]:
    """Open deals per month of expected close, from this month: count, total, weighted
    (in the installation currency)."""
    user = _sales_user(request)
    rows = selectors.forecast_by_month(
        today=_today(user), months=_months(months), owner_id=owner_id
    )
    currency = installation_currency()
    return [
        {
            "month": _month(row["month"]),
            "count": row["count"],
            "total": _decimal(row["total"]),
            "weighted": _decimal(row["weighted"]),
            "currency": currency,
        }
        for row in rows
    ]


@router.get("reports/sources", response=answers({200: list[SourceRow]}, *READ, 403))
def report_sources(
    request: HttpRequest,
    since: Date | None = None,
    until: Date | None = None,
    owner_id: QueryId | None = None,
) -> list[dict[str, Any]]:
    """Per lead source, deals created between ``since`` and ``until`` (inclusive, in your
    time zone): how many, won, lost, won revenue (in the installation currency) and win
    rate = won / (won + lost)."""
    user = _sales_user(request)
    if since and until and since > until:
        raise ValidationError({"until": ["Must be on or after since."]})
    rows = selectors.source_funnel(
        period=selectors.Period(since, until), zone=user.zone, owner_id=owner_id
    )
    currency = installation_currency()
    return [
        {
            **row,
            "won_amount": _decimal(row["won_amount"]),
            "win_rate": _rate(row["win_rate"]),
            "currency": currency,
        }
        for row in rows
    ]


@router.get("reports/follow-up", response=answers({200: FollowUpOut}, *READ, 403))
def report_follow_up(request: HttpRequest, owner_id: QueryId | None = None) -> dict[str, Any]:
    """Open deals, those with a next action, those overdue; compliance = the share of open
    deals with a next action that is not overdue."""
    _sales_user(request)
    totals = selectors.follow_up_totals(
        selectors.follow_up_by_owner(now=timezone.now(), owner_id=owner_id)
    )
    return {**totals, "compliance": _rate(totals["compliance"])}


@router.get("reports/delivery-demand", response=answers({200: list[DemandRow]}, *READ, 403))
def report_delivery_demand(request: HttpRequest, months: Months = 6) -> list[dict[str, Any]]:
    """Expected delivery work per month (open deals by expected close month, weighted by
    probability times their template's planned working days) against capacity (active
    delivery people times the month's working days)."""
    user = current_user(request)
    if not selectors.can_see_delivery_demand(user):
        raise PermissionDenied("Delivery demand is for delivery leads, sales managers and admins.")
    today = _today(user)
    months = _months(months)
    first, last = selectors.demand_window(today, months)
    rows = selectors.delivery_demand(
        today=today, holidays=selectors.holidays_between(first, last), months=months
    )
    return [
        {
            **row,
            "month": _month(row["month"]),
            "weighted_deals": _decimal(row["weighted_deals"]),
            "demand_days": _decimal(row["demand_days"]),
            "utilisation": _rate(row["utilisation"]),
        }
        for row in rows
    ]
