"""Deals in their currency through the API: ``currency`` in and out, ``amount_base`` and
``exchange_rate`` read-only, refusals naming ``currency``, reports in the installation's."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from api.tests.test_api_crm import Api, new_deal_body
from api.urls import api
from crm.models import Deal
from crm.tests.factories import CompanyFactory, DealFactory, ExchangeRateFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def company(rep):
    return CompanyFactory(owner=rep)


@pytest.fixture
def chf():
    ExchangeRateFactory(currency="CHF", rate=Decimal("1.05"), valid_from=dt.date(2026, 1, 1))
    return ExchangeRateFactory(
        currency="CHF", rate=Decimal("1.0725"), valid_from=dt.date(2026, 11, 1)
    )


def money(body: dict) -> tuple:
    return (body["amount"], body["currency"], body["exchange_rate"], body["amount_base"])


def test_a_deal_is_in_the_installation_currency_by_default(rep, company):
    response = Api(rep).post("deals", new_deal_body(company, amount="1500.50"))
    assert response.status_code == 201
    assert money(response.json()) == ("1500.50", "EUR", "1", "1500.50")


def test_a_deal_in_another_currency_is_converted_at_todays_rate(rep, company, chf):
    api = Api(rep)
    response = api.post("deals", new_deal_body(company, amount="1000.00", currency="chf"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert money(body) == ("1000.00", "CHF", "1.0725", "1072.50")
    assert api.get(f"deals/{body['id']}").json()["amount_base"] == "1072.50"
    patched = api.patch(f"deals/{body['id']}", {"amount": "2000.01", "version": 1})
    # 2000.01 * 1.0725 = 2145.010725
    assert money(patched.json()) == ("2000.01", "CHF", "1.0725", "2145.01")
    back = api.patch(f"deals/{body['id']}", {"currency": "EUR"}).json()
    assert (money(back), back["version"]) == (("2000.01", "EUR", "1", "2000.01"), 3)


def test_amount_base_and_exchange_rate_are_read_only(rep, company, chf):
    api = Api(rep)
    deal = api.post("deals", new_deal_body(company, amount="10.00")).json()
    patched = api.patch(f"deals/{deal['id']}", {"amount_base": "99.00", "exchange_rate": "7"})
    assert money(patched.json()) == ("10.00", "EUR", "1", "10.00")


@pytest.mark.parametrize(
    ("currency", "status", "message"),
    [
        ("XYZ", 422, "XYZ is not an ISO 4217 currency code."),
        ("EURO", 422, "Use a three-letter ISO 4217 currency code, such as EUR."),
        ("E1R", 422, "Use a three-letter ISO 4217 currency code, such as EUR."),
        ("USD", 422, "No exchange rate for USD; an admin adds one under Exchange rates."),
        (978, 400, 'Send a currency as a three-letter ISO 4217 code, e.g. "EUR".'),
        (None, 400, 'Send a currency as a three-letter ISO 4217 code, e.g. "EUR".'),
    ],
)
def test_a_bad_currency_is_refused_naming_currency(rep, company, chf, currency, status, message):
    api = Api(rep)
    response = api.post("deals", new_deal_body(company, currency=currency))
    assert (response.status_code, response.json()["errors"]) == (status, {"currency": [message]})
    deal = DealFactory(owner=rep, company=company)
    response = api.patch(f"deals/{deal.pk}", {"currency": currency})
    assert (response.status_code, response.json()["errors"]) == (status, {"currency": [message]})
    deal.refresh_from_db()
    assert (deal.currency, deal.version, Deal.objects.count()) == ("EUR", 1, 1)


def test_the_schema_documents_currency_and_the_read_only_amounts():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    assert schemas["DealIn"]["properties"]["currency"]["pattern"] == "^[A-Za-z]{3}$"
    assert schemas["DealPatch"]["properties"]["currency"]["pattern"] == "^[A-Za-z]{3}$"
    assert "amount_base" not in schemas["DealPatch"]["properties"]
    assert "exchange_rate" not in schemas["DealIn"]["properties"]
    out = schemas["DealOut"]
    assert {"currency", "amount_base", "exchange_rate"} <= set(out["required"])
    operations = api.get_openapi_schema()["paths"]["/api/v1/deals"]
    assert {400, 401, 403, 413, 422} <= set(operations["post"]["responses"])


def test_reports_are_in_the_installation_currency_and_say_so(rep, other_rep, chf):
    close = dt.date(2026, 12, 15)
    DealFactory(owner=rep, proposal=True, amount=Decimal("1000.00"), expected_close_date=close)
    DealFactory(
        owner=other_rep,
        proposal=True,
        amount=Decimal("1000.00"),
        currency="CHF",
        exchange_rate=Decimal("1.0725"),
        expected_close_date=close,
    )
    DealFactory(
        owner=rep, won=True, amount=Decimal("100.00"), currency="CHF", exchange_rate=Decimal("1.05")
    )
    api = Api(rep)
    pipeline = {row["stage"]: row for row in api.get("reports/pipeline").json()}
    assert pipeline["proposal"] == {
        "stage": "proposal",
        "count": 2,
        "total": "2072.50",
        "weighted": "1036.25",
        "currency": "EUR",
    }
    assert pipeline["won"]["total"] == "105.00"
    forecast = api.get("reports/forecast?months=2").json()
    assert forecast[1] == {
        "month": "2026-12",
        "count": 2,
        "total": "2072.50",
        "weighted": "1036.25",
        "currency": "EUR",
    }
    (source,) = api.get("reports/sources").json()
    assert (source["won_amount"], source["currency"]) == ("105.00", "EUR")
