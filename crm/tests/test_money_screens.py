"""Deals in their currency on the screens: the browser form, the deal's pages, the board,
CSV import and export, and the admin (exchange rates, re-conversion, roles)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from crm.models import Deal, ExchangeRate
from crm.tests.factories import CompanyFactory, DealFactory, ExchangeRateFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
NO_USD = "No exchange rate for USD; an admin adds one under Exchange rates."


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def chf():
    return ExchangeRateFactory(currency="CHF", rate=Decimal("1.08"), valid_from=dt.date(2026, 1, 1))


@pytest.fixture
def company(rep):
    return CompanyFactory(owner=rep, name="Acme", domain="acme.example")


def deal_form(company, **extra):
    return {
        "title": "Swiss site",
        "company": company.pk,
        "amount": "2500",
        "next_action": "Call",
        "next_action_due_date": "2026-12-01",
        **extra,
    }


# The browser form -----------------------------------------------------------------------


def test_the_form_creates_a_deal_in_its_currency(client, rep, company, chf):
    client.force_login(rep)
    page = client.get(reverse("crm:deal-create")).content.decode()
    assert '<option value="EUR" selected>EUR · Euro</option>' in page
    response = client.post(reverse("crm:deal-create"), deal_form(company, currency="CHF"))
    deal = Deal.objects.get(title="Swiss site")
    assert response.status_code == 302
    assert (deal.currency, deal.exchange_rate, deal.amount_base) == (
        "CHF",
        Decimal("1.08"),
        Decimal("2700.00"),
    )
    # Not sent at all: the installation currency.
    client.post(reverse("crm:deal-create"), deal_form(company, title="Plain"))
    assert Deal.objects.get(title="Plain").currency == "EUR"


def test_the_form_refuses_a_bad_currency_or_one_without_a_rate_on_currency(
    client, rep, company, chf
):
    client.force_login(rep)
    response = client.post(reverse("crm:deal-create"), deal_form(company, currency="XYZ"))
    assert response.status_code == 422
    assert response.context["form"].errors == {
        "currency": ["Select a valid choice. XYZ is not one of the available choices."]
    }
    response = client.post(reverse("crm:deal-create"), deal_form(company, currency="USD"))
    assert response.status_code == 422
    assert response.context["form"].errors == {"currency": [NO_USD]}
    assert NO_USD in response.content.decode()
    assert not Deal.objects.exists()


def test_the_edit_form_changes_the_currency_or_keeps_it(client, rep, company, chf):
    deal = DealFactory(owner=rep, company=company, amount=Decimal("100.00"))
    client.force_login(rep)
    url = reverse("crm:deal-edit", args=[deal.pk])
    assert client.get(url).context["form"]["currency"].value() == "EUR"
    response = client.post(url, deal_form(company, currency="CHF", version=1))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.currency, deal.amount_base, deal.version) == ("CHF", Decimal("2700.00"), 2)
    response = client.post(url, deal_form(company, amount="100", version=2))  # no currency
    deal.refresh_from_db()
    assert (deal.currency, deal.amount_base, deal.version) == ("CHF", Decimal("108.00"), 3)
    response = client.post(url, deal_form(company, currency="USD", version=3))
    assert (response.status_code, response.context["form"].errors) == (422, {"currency": [NO_USD]})


# What the pages show ------------------------------------------------------------------------


def test_pages_show_the_deals_own_amount_and_the_base_amount_when_it_differs(
    client, rep, company, chf
):
    swiss = DealFactory(
        owner=rep,
        company=company,
        title="Swiss",
        amount=Decimal("12500.00"),
        currency="CHF",
        exchange_rate=Decimal("1.08"),
    )
    DealFactory(owner=rep, company=company, title="Local", amount=Decimal("1000.00"))
    client.force_login(rep)
    # One house rule everywhere (accounts.formats.money): cents only when there are any.
    swiss_html = '12,500\u00a0CHF <span class="muted small" title="At 1.08 EUR per CHF">≈ 13,500\u00a0EUR</span>'
    detail = client.get(reverse("crm:deal-detail", args=[swiss.pk])).content.decode()
    assert f"<dt>Amount</dt><dd>{swiss_html}</dd>" in detail
    for url in (reverse("crm:deal-list"), reverse("crm:company-detail", args=[company.pk])):
        html = client.get(url).content.decode()
        assert (
            swiss_html in html and "1,000\u00a0EUR" in html and "1,000\u00a0EUR <span" not in html
        )
    board = client.get(reverse("crm:pipeline")).content.decode()
    assert swiss_html in board
    assert "14,500\u00a0EUR · weighted 1,450\u00a0EUR" in board  # the lead column, in EUR


def test_the_deal_csv_export_has_the_currency_and_the_base_amount(client, rep, company, chf):
    DealFactory(owner=rep, amount=Decimal("10.00"), currency="CHF", exchange_rate=Decimal("1.08"))
    client.force_login(rep)
    response = client.get(reverse("crm:deal-list") + "?format=csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    header = lines[0].lstrip("\ufeff").split(",")
    row = dict(zip(header, lines[1].split(","), strict=True))
    assert (row["amount"], row["currency"], row["amount_base"]) == ("10.00", "CHF", "10.80")


# The admin ----------------------------------------------------------------------------------


def admin_url(view: str, *args) -> str:
    return reverse(f"admin:crm_exchangerate_{view}", args=args)


def test_admins_keep_exchange_rates(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        admin_url("add"), {"currency": "CHF", "rate": "1.0612", "valid_from": "2026-11-01"}
    )
    assert response.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.rate, rate.valid_from) == (
        "CHF",
        Decimal("1.0612"),
        dt.date(2026, 11, 1),
    )
    changelist = client.get(admin_url("changelist") + "?currency=CHF")
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [rate]
    assert [f.title for f in changelist.context["cl"].filter_specs] == ["currency", "valid from"]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"rate": "0"}, {"rate": ["Ensure this value is greater than or equal to 1E-8."]}),
        ({"rate": "-1"}, {"rate": ["Ensure this value is greater than or equal to 1E-8."]}),
        (
            {"rate": "1000001"},
            {"rate": ["Ensure this value is less than or equal to 1000000."]},
        ),
        ({"rate": "abc"}, {"rate": ["Enter a number."]}),
        (
            {"currency": "EUR"},
            {"currency": ["Select a valid choice. EUR is not one of the available choices."]},
        ),
        (
            {"currency": "XYZ"},
            {"currency": ["Select a valid choice. XYZ is not one of the available choices."]},
        ),
        (
            {"valid_from": "2026-01-01"},
            {"__all__": ["This currency already has a rate from that day."]},
        ),
    ],
)
def test_the_admin_refuses_bad_rates(client, admin_user, data, errors):
    ExchangeRateFactory(currency="CHF", valid_from=dt.date(2026, 1, 1))
    client.force_login(admin_user)
    body = {"currency": "CHF", "rate": "1.05", "valid_from": "2026-06-01", **data}
    response = client.post(admin_url("add"), body)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == errors
    assert ExchangeRate.objects.count() == 1


@pytest.mark.parametrize("role", ["rep", "manager", "lead", "member", "no_role"])
def test_only_admins_reach_the_exchange_rates(client, request, role, chf):
    client.force_login(request.getfixturevalue(role))
    for url in (admin_url("changelist"), admin_url("add"), admin_url("change", chf.pk)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(
        admin_url("changelist"), {"action": "reconvert", "_selected_action": [chf.pk]}
    )
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert client.post(admin_url("delete", chf.pk), {"post": "yes"}).status_code == 302
    assert ExchangeRate.objects.filter(pk=chf.pk).exists()


def test_the_reconvert_action_brings_open_deals_to_todays_rate(client, admin_user, rep, chf):
    deal = DealFactory(
        owner=rep, amount=Decimal("1000.00"), currency="CHF", exchange_rate=Decimal("1.08")
    )
    new = ExchangeRateFactory(currency="CHF", rate=Decimal("1.1"), valid_from=dt.date(2026, 11, 2))
    client.force_login(admin_user)
    response = client.post(
        admin_url("changelist"),
        {"action": "reconvert", "_selected_action": [new.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "1 open deal(s) in CHF re-converted at today's rates."
    ]
    deal.refresh_from_db()
    assert (deal.exchange_rate, deal.amount_base, deal.version) == (
        Decimal("1.1"),
        Decimal("1100.00"),
        2,
    )
    ExchangeRate.objects.filter(currency="CHF").delete()
    response = client.post(
        admin_url("changelist"),
        {"action": "reconvert", "_selected_action": [ExchangeRateFactory(currency="CHF",
                                                       valid_from=dt.date(2027, 1, 1)).pk]},
        follow=True,
    )  # fmt: skip
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing re-converted: currency: No exchange rate for CHF; an admin adds one under "
        "Exchange rates."
    ]


def test_saving_a_rate_says_open_deals_keep_theirs_until_reconverted(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        admin_url("add"),
        {"currency": "GBP", "rate": "1.17", "valid_from": "2026-11-01"},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert (
        "Open GBP deals keep the rate they were converted at until you re-convert them "
        "(the action on this list)." in messages
    )


def test_the_deal_admin_takes_a_currency_and_refuses_one_without_a_rate(
    client, admin_user, rep, company, chf
):
    client.force_login(admin_user)
    body = {
        "title": "Admin deal",
        "company": company.pk,
        "owner": rep.pk,
        "amount": "100",
        "next_action": "Call",
        "next_action_due_date": "2026-12-01",
    }
    response = client.post(reverse("admin:crm_deal_add"), {**body, "currency": "USD"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"currency": [NO_USD]}
    assert not Deal.objects.exists()
    response = client.post(reverse("admin:crm_deal_add"), {**body, "currency": "CHF"})
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.currency, deal.amount_base) == ("CHF", Decimal("108.00"))
    page = client.get(reverse("admin:crm_deal_change", args=[deal.pk])).content.decode()
    assert "108.00" in page and 'name="amount_base"' not in page  # shown, read-only
