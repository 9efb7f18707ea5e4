"""Money in its currency: each deal's amount in its currency, converted to the installation
currency (EUR here) at the rate of its date of record; totals and reports in EUR."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from crm import selectors, services
from crm.models import Activity, Deal, DealTotal, ExchangeRate, LostReason, Stage
from crm.tests.factories import CompanyFactory, DealFactory, ExchangeRateFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
TOMORROW = dt.date(2026, 11, 27)
NO_CHF = "No exchange rate for CHF; an admin adds one under Exchange rates."
NO_USD = "No exchange rate for USD; an admin adds one under Exchange rates."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rates():
    """CHF: 1.05 from January, 1.07 from November, 1.20 from mid-December (not yet);
    GBP: 1.17 from June. No USD."""
    return [
        ExchangeRateFactory(currency="CHF", rate=Decimal("1.05"), valid_from=dt.date(2026, 1, 1)),
        ExchangeRateFactory(currency="CHF", rate=Decimal("1.07"), valid_from=dt.date(2026, 11, 1)),
        ExchangeRateFactory(currency="CHF", rate=Decimal("1.2"), valid_from=dt.date(2026, 12, 15)),
        ExchangeRateFactory(currency="GBP", rate=Decimal("1.17"), valid_from=dt.date(2026, 6, 1)),
    ]


def create(rep, **fields):
    return services.deal_create(
        by=rep,
        title=fields.pop("title", "Website"),
        company=fields.pop("company", None) or CompanyFactory(owner=rep),
        next_action="Call",
        next_action_due=TOMORROW,
        **fields,
    )


def money(deal: Deal) -> tuple:
    fresh = Deal.objects.get(pk=deal.pk)
    return (fresh.amount, fresh.currency, fresh.exchange_rate, fresh.amount_base, fresh.version)


# Conversion on every write ---------------------------------------------------------------


def test_a_deal_in_the_installation_currency_has_rate_1(rep):
    deal = create(rep, amount=Decimal("1234.56"))
    assert money(deal) == (Decimal("1234.56"), "EUR", Decimal(1), Decimal("1234.56"), 1)


def test_the_rate_for_a_new_deal_is_the_latest_valid_today(rep, rates):
    deal = create(rep, amount=Decimal("1000.55"), currency=" chf")
    # 1000.55 * 1.07 = 1070.5885: to the cent, half up (the December rate is not valid yet).
    assert money(deal) == (Decimal("1000.55"), "CHF", Decimal("1.07"), Decimal("1070.59"), 1)
    gbp = create(rep, amount=Decimal("3000"), currency="GBP")
    assert money(gbp) == (Decimal("3000.00"), "GBP", Decimal("1.17"), Decimal("3510.00"), 1)


def test_a_changed_amount_or_currency_is_converted_again_other_edits_keep_the_rate(
    rep, rates, frozen
):
    deal = create(rep, amount=Decimal("2000"), currency="CHF")
    assert money(deal)[2:] == (Decimal("1.07"), Decimal("2140.00"), 1)
    # A new rate valid today: an edit of the title keeps the rate the deal has ...
    ExchangeRateFactory(currency="CHF", rate=Decimal("1.1"), valid_from=dt.date(2026, 11, 20))
    deal = services.deal_update(deal=deal, by=rep, title="Webshop", amount=Decimal("2000.00"))
    assert money(deal)[2:] == (Decimal("1.07"), Decimal("2140.00"), 2)
    # ... a new amount takes today's rate ...
    deal = services.deal_update(deal=deal, by=rep, amount=Decimal("3000"))
    assert money(deal) == (Decimal("3000.00"), "CHF", Decimal("1.1"), Decimal("3300.00"), 3)
    # ... and so does a new currency, and back to the installation's at 1.
    deal = services.deal_update(deal=deal, by=rep, currency="gbp")
    assert money(deal) == (Decimal("3000.00"), "GBP", Decimal("1.17"), Decimal("3510.00"), 4)
    deal = services.deal_update(deal=deal, by=rep, currency="EUR")
    assert money(deal) == (Decimal("3000.00"), "EUR", Decimal(1), Decimal("3000.00"), 5)


def test_propose_with_an_amount_converts_it(rep, rates):
    deal = create(rep, currency="CHF", qualification_notes="Budget confirmed.")
    assert money(deal)[2:4] == (Decimal("1.07"), Decimal("0.00"))
    deal = services.deal_transition(deal=deal, by=rep, name="qualify")
    params = {"amount": Decimal("500"), "expected_close_date": dt.date(2027, 1, 31)}
    deal = services.deal_transition(deal=deal, by=rep, name="propose", params=params)
    assert money(deal)[:4] == (Decimal("500.00"), "CHF", Decimal("1.07"), Decimal("535.00"))


# Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("XYZ", "XYZ is not an ISO 4217 currency code."),
        ("EURO", "Use a three-letter ISO 4217 currency code, such as EUR."),
        ("", "Use a three-letter ISO 4217 currency code, such as EUR."),
    ],
)
def test_an_unknown_currency_is_refused_naming_currency(rep, rates, code, message):
    with pytest.raises(ValidationError) as refused:
        create(rep, amount=Decimal(10), currency=code)
    assert refused.value.message_dict == {"currency": [message]}
    deal = create(rep, amount=Decimal(10), currency="CHF")
    before = money(deal)
    with pytest.raises(ValidationError) as refused:
        services.deal_update(deal=deal, by=rep, currency=code)
    assert refused.value.message_dict == {"currency": [message]}
    assert money(deal) == before
    assert Deal.objects.count() == 1


def test_a_currency_without_a_rate_is_refused_naming_currency(rep, rates):
    with pytest.raises(ValidationError) as refused:
        create(rep, amount=Decimal(10), currency="USD")
    assert refused.value.message_dict == {"currency": [NO_USD]}
    assert refused.value.error_dict["currency"][0].code == "no_exchange_rate"
    deal = create(rep, amount=Decimal(10))
    before = money(deal)
    with pytest.raises(ValidationError) as refused:
        services.deal_update(deal=deal, by=rep, currency="USD", amount=Decimal(20))
    assert refused.value.message_dict == {"currency": [NO_USD]}
    assert money(deal) == before


def test_a_rate_valid_only_later_is_no_rate_today(rep):
    ExchangeRateFactory(currency="CHF", valid_from=dt.date(2026, 12, 1))
    with pytest.raises(ValidationError) as refused:
        create(rep, currency="CHF")
    assert refused.value.message_dict == {"currency": [NO_CHF]}


def test_other_refusals_come_with_the_currency_one(rep):
    with pytest.raises(ValidationError) as refused:
        services.deal_create(
            by=rep,
            title="X",
            company=CompanyFactory(owner=rep),
            next_action="",
            next_action_due=None,
            currency="CHF",
        )
    assert sorted(refused.value.message_dict) == ["currency", "next_action", "next_action_due"]


# The date of record: today while open, the day of the win or loss once closed ------------


def test_a_lost_deal_keeps_the_rate_of_the_day_it_was_lost_and_a_reopen_takes_todays(
    rep, manager, rates, frozen
):
    frozen.move_to(dt.datetime(2026, 10, 15, 9, 0, tzinfo=dt.UTC))
    deal = create(rep, amount=Decimal("1000"), currency="CHF")
    assert money(deal)[2:4] == (Decimal("1.05"), Decimal("1050.00"))
    frozen.move_to(NOW)
    # Lost today: the rate of today (1.07), though the deal was made at October's.
    params = {"lost_reason": LostReason.objects.order_by("pk").first()}
    deal = services.deal_transition(deal=deal, by=rep, name="lose", params=params)
    assert money(deal)[2:4] == (Decimal("1.07"), Decimal("1070.00"))
    # A month on, with December's rate in force, its amount is corrected: still the rate
    # of the day it was lost.
    frozen.move_to(dt.datetime(2026, 12, 20, 9, 0, tzinfo=dt.UTC))
    deal = services.deal_update(deal=deal, by=rep, amount=Decimal("2000"))
    assert money(deal)[2:4] == (Decimal("1.07"), Decimal("2140.00"))
    assert deal.date_of_record() == dt.date(2026, 11, 26)
    # Reopened, it is open again: today's rate.
    deal = services.deal_transition(
        deal=deal,
        by=manager,
        name="reopen",
        params={"next_action": "Call", "next_action_due": TOMORROW},
    )
    assert money(deal)[2:4] == (Decimal("1.2"), Decimal("2400.00"))


def test_a_won_deals_currency_is_corrected_only_by_a_manager_with_a_reason(rep, manager, rates):
    won = DealFactory(owner=rep, won=True, currency="CHF", exchange_rate=Decimal("1.07"))
    before = money(won)
    with pytest.raises(ValidationError) as refused:
        services.deal_update(deal=won, by=rep, currency="GBP")
    assert refused.value.message_dict == {
        "currency": ["This deal is won: only a sales manager can correct it, with a reason."]
    }
    assert money(won) == before
    corrected = services.deal_update(
        deal=won, by=manager, currency="gbp", correction_reason="Invoiced in pounds"
    )
    assert money(corrected) == (Decimal("10000.00"), "GBP", Decimal("1.17"), Decimal("11700.00"), 2)
    assert Activity.objects.get(deal=won).body == (
        "Corrected after the win. currency: CHF → GBP. Reason: Invoiced in pounds"
    )


# Re-converting open deals after a rate change --------------------------------------------


def test_reconvert_brings_open_deals_to_todays_rate_and_bumps_their_versions(
    rep, admin_user, rates
):
    chf = create(rep, amount=Decimal("1000"), currency="CHF")
    gbp = create(rep, amount=Decimal("1000"), currency="GBP")
    eur = create(rep, amount=Decimal("1000"))
    lost = DealFactory(
        owner=rep, lost=True, currency="CHF", amount=Decimal("1000"), exchange_rate=Decimal("1.05")
    )
    ExchangeRateFactory(currency="CHF", rate=Decimal("1.1"), valid_from=dt.date(2026, 11, 25))
    ExchangeRateFactory(currency="GBP", rate=Decimal("1.2"), valid_from=dt.date(2026, 11, 25))
    assert services.deals_reconvert(by=admin_user, currencies=["chf"]) == 1
    assert money(chf)[2:] == (Decimal("1.1"), Decimal("1100.00"), 2)
    assert money(gbp)[2:] == (Decimal("1.17"), Decimal("1170.00"), 1)  # not asked for
    assert money(lost)[2:] == (Decimal("1.05"), Decimal("1050.00"), 1)  # closed: kept
    assert services.deals_reconvert(by=admin_user) == 1  # every currency: GBP's turn
    assert money(gbp)[2:] == (Decimal("1.2"), Decimal("1200.00"), 2)
    assert services.deals_reconvert(by=admin_user) == 0  # nothing left to change
    assert money(chf)[4] == 2 and money(eur)[2:] == (Decimal(1), Decimal("1000.00"), 1)


def test_reconvert_is_for_admins_and_refuses_a_currency_without_a_rate(
    rep, manager, admin_user, rates
):
    chf = create(rep, amount=Decimal("1000"), currency="CHF")
    for user in (rep, manager):
        with pytest.raises(PermissionDenied):
            services.deals_reconvert(by=user)
    ExchangeRate.objects.filter(currency="CHF").delete()
    with pytest.raises(ValidationError) as refused:
        services.deals_reconvert(by=admin_user)
    assert refused.value.message_dict == {"currency": [NO_CHF]}
    assert money(chf)[2:] == (Decimal("1.07"), Decimal("1070.00"), 1)


# Totals and reports in the installation currency ----------------------------------------


@pytest.fixture
def mixed(rep, other_rep, rates):
    """Open deals in EUR, CHF and GBP; a won CHF deal and a won EUR one, a lost GBP one."""
    close = dt.date(2026, 12, 10)
    return {
        "eur": DealFactory(owner=rep, proposal=True, amount=Decimal("1000.00"),
                           expected_close_date=close),
        "chf": DealFactory(owner=rep, proposal=True, amount=Decimal("1000.55"), currency="CHF",
                           exchange_rate=Decimal("1.07"), expected_close_date=close),
        "gbp": DealFactory(owner=other_rep, amount=Decimal("333.33"), currency="GBP",
                           exchange_rate=Decimal("1.17"), expected_close_date=close),
        "won_chf": DealFactory(owner=rep, won=True, amount=Decimal("2000.00"), currency="CHF",
                               exchange_rate=Decimal("1.05")),
        "won_eur": DealFactory(owner=rep, won=True, amount=Decimal("500.00")),
        "lost": DealFactory(owner=rep, lost=True, amount=Decimal("100.00"), currency="GBP",
                            exchange_rate=Decimal("1.17")),
    }  # fmt: skip


# proposal: 1000.00 + 1070.59 (1000.55 CHF) = 2070.59, weighted at 50 % = 1035.295;
# lead: 389.9961 -> 390.00 (333.33 GBP), weighted at 10 % = 39.00; won: 2100.00 + 500.00.
EXPECTED_TOTALS = {
    "lead": {"count": 1, "total": Decimal("390.00"), "weighted": Decimal("39.00")},
    "proposal": {"count": 2, "total": Decimal("2070.59"), "weighted": Decimal("1035.30")},
    "won": {"count": 2, "total": Decimal("2600.00"), "weighted": Decimal("2600.00")},
    "lost": {"count": 1, "total": Decimal("117.00"), "weighted": Decimal("0.00")},
}


def on_sqlite(monkeypatch, *modules):
    for module in modules:
        monkeypatch.setattr(module, "connection", SimpleNamespace(vendor="sqlite"))


@pytest.mark.parametrize("vendor", ["postgresql", "other"])
def test_pipeline_totals_add_base_amounts(rep, mixed, monkeypatch, vendor):
    if vendor == "other":  # the grouped query over the deals, as off PostgreSQL
        on_sqlite(monkeypatch, selectors)
    totals = selectors.pipeline_totals(user=rep)
    empty = {"count": 0, "total": Decimal("0.00"), "weighted": Decimal("0.00")}
    assert totals == {stage: EXPECTED_TOTALS.get(stage, empty) for stage in Stage.values}


def test_the_running_totals_follow_currency_changes_and_reconversion(rep, admin_user, rates):
    deal = create(rep, amount=Decimal("1000"), currency="CHF")
    lead = DealTotal.objects.get(stage="lead", owner=rep)
    assert (lead.count, lead.amount, lead.weighted) == (1, Decimal("1070.00"), Decimal("107.0000"))
    deal = services.deal_update(deal=deal, by=rep, currency="GBP")
    lead.refresh_from_db()
    assert (lead.amount, lead.weighted) == (Decimal("1170.00"), Decimal("117.0000"))
    ExchangeRateFactory(currency="GBP", rate=Decimal("1.25"), valid_from=dt.date(2026, 11, 26))
    services.deals_reconvert(by=admin_user)
    lead.refresh_from_db()
    assert (lead.amount, lead.weighted) == (Decimal("1250.00"), Decimal("125.0000"))
    assert connection.vendor == "postgresql"


def test_the_deal_list_sorts_by_the_base_amount(rep, mixed):
    found = selectors.deal_list(user=rep, filters=selectors.DealFilters(sort="-amount"))
    assert [d.pk for d in found] == [
        mixed[key].pk for key in ("won_chf", "chf", "eur", "won_eur", "gbp", "lost")
    ]
