"""The house formats (accounts.formats) on their own, and the zone each request renders in."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import formats
from accounts.models import PasswordResetRequest
from accounts.tests.factories import UserFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")
# 19:15 UTC on 2 December 2026: 20:15 in Berlin, 00:45 on 3 December in Kolkata.
MOMENT = dt.datetime(2026, 12, 2, 19, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("81000.00"), "EUR", "81,000\u00a0EUR"),
        (Decimal("81000"), "EUR", "81,000\u00a0EUR"),
        (Decimal("81000.50"), "EUR", "81,000.50\u00a0EUR"),
        (Decimal("0.05"), "CHF", "0.05\u00a0CHF"),
        (Decimal("1234567.891"), "USD", "1,234,567.89\u00a0USD"),
        (Decimal("999.995"), "EUR", "1,000\u00a0EUR"),  # to the cent, half up
        (Decimal("-1200.00"), "GBP", "-1,200\u00a0GBP"),
        (Decimal("0.00"), "EUR", "0\u00a0EUR"),
        (12, "EUR", "12\u00a0EUR"),
        (None, "EUR", "—"),
    ],
)
def test_money_has_its_currency_and_cents_only_when_there_are_any(amount, currency, shown):
    assert formats.money(amount, currency) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("807443.70"), "807,444\u00a0EUR"),
        (Decimal("105487.20"), "105,487\u00a0EUR"),
        (Decimal("0.50"), "1\u00a0EUR"),  # half up
        (Decimal("2.495"), "2\u00a0EUR"),  # rounded once (via 2.50 it would be 3)
        (Decimal("-1200.50"), "-1,201\u00a0EUR"),
        (Decimal("81000"), "81,000\u00a0EUR"),
        (None, "—"),
    ],
)
def test_a_computed_figure_is_shown_in_whole_units(amount, shown):
    assert formats.money_whole(amount, "EUR") == shown


@pytest.mark.parametrize(
    ("amount", "cell"),
    [
        (Decimal("81000"), "81000.00"),
        (Decimal("81000.5"), "81000.50"),
        (Decimal("1234567.891"), "1234567.89"),
        (Decimal("-3.5"), "-3.50"),
        (None, ""),
    ],
)
def test_csv_money_is_a_plain_decimal_with_two_places(amount, cell):
    assert formats.csv_money(amount) == cell


def test_dates_and_times_read_the_house_way_in_the_current_zone():
    with timezone.override(BERLIN):
        assert formats.format_date(dt.date(2026, 12, 2)) == "2 Dec 2026"
        assert formats.format_datetime(MOMENT) == "2 Dec 2026, 20:15"
        assert formats.format_time(MOMENT) == "20:15"
        assert formats.format_time(dt.time(7, 5)) == "07:05"
    with timezone.override(KOLKATA):
        assert formats.format_datetime(MOMENT) == "3 Dec 2026, 00:45"
        assert formats.format_date(MOMENT) == "3 Dec 2026"  # the local day
    assert formats.format_date(None) == formats.format_datetime(None) == "—"


def test_templates_get_the_house_formats_by_name():
    template = Template(
        '{{ d|date }} | {{ m|date:"DATETIME_FORMAT" }} | {{ m }} | {{ m|time }} | '
        '{{ d|date:"MONTH_DAY_FORMAT" }} | {{ d|date:"YEAR_MONTH_FORMAT" }}'
    )
    with timezone.override(BERLIN):
        shown = template.render(Context({"d": dt.date(2026, 12, 2), "m": MOMENT}))
    assert shown == "2 Dec 2026 | 2 Dec 2026, 20:15 | 2 Dec 2026, 20:15 | 20:15 | 2 Dec | Dec 2026"


def test_csv_values_are_iso_with_the_offset_of_the_zone():
    assert formats.csv_value(MOMENT, BERLIN) == "2026-12-02T20:15:00+01:00"
    assert formats.csv_value(MOMENT, KOLKATA) == "2026-12-03T00:45:00+05:30"
    with timezone.override(BERLIN):  # no zone given: the current one
        assert formats.csv_value(MOMENT) == "2026-12-02T20:15:00+01:00"
    assert formats.csv_value(dt.date(2026, 12, 2), BERLIN) == "2026-12-02"
    assert formats.csv_value(dt.time(9, 30), BERLIN) == "09:30"
    assert formats.csv_value("text", BERLIN) == "text"
    assert formats.csv_value(7, BERLIN) == 7


@override_settings(TIME_ZONE="America/New_York")
def test_the_zone_is_the_users_once_signed_in_else_the_installations(db):
    berlin = UserFactory(username="berlin", time_zone="Europe/Berlin")
    assert formats.zone_of(berlin) == BERLIN
    assert formats.zone_of(AnonymousUser()) == zoneinfo.ZoneInfo("America/New_York")
    assert formats.zone_of(None) == zoneinfo.ZoneInfo("America/New_York")
    with formats.users_zone(berlin) as zone:
        assert zone == BERLIN
        assert timezone.get_current_timezone() == BERLIN
    assert timezone.get_current_timezone() == zoneinfo.ZoneInfo("America/New_York")


def test_each_page_renders_in_its_users_zone_and_the_zone_ends_with_the_request(client, db):
    kolkata = UserFactory(username="kolkata", time_zone="Asia/Kolkata")
    client.force_login(kolkata)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["TIME_ZONE"] == "Asia/Kolkata"
    assert timezone.get_current_timezone_name() == "UTC"  # settings.TIME_ZONE again
    client.logout()
    login = client.get(reverse("accounts:login"))
    assert login.context["TIME_ZONE"] == "UTC"


def test_the_profile_says_the_zone_decides_the_times_shown(client, db):
    berlin = UserFactory(username="berlin", time_zone="Europe/Berlin")
    client.force_login(berlin)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert '<option value="Europe/Berlin" selected>Europe/Berlin</option>' in html
    assert "Times on every page and in your emails are shown in it;" in html


def test_admin_rows_name_their_moment_the_house_way_in_the_viewers_zone():
    request = PasswordResetRequest(email="ann@example.com", created_at=MOMENT)
    with timezone.override(BERLIN):
        assert str(request) == "ann@example.com at 2 Dec 2026, 20:15"


def test_the_account_menu_names_the_zone_times_are_shown_in(client, db):
    client.force_login(UserFactory(username="kolkata", time_zone="Asia/Kolkata"))
    html = client.get(reverse("accounts:profile")).content.decode()
    assert '<a href="/accounts/profile/">Your profile and time zone (Asia/Kolkata)</a>' in html


@pytest.mark.parametrize(
    ("day", "shown"),
    [
        (dt.date(2026, 12, 3), "today"),  # 00:45 on 3 December in Kolkata
        (dt.date(2026, 12, 4), "tomorrow"),
        (dt.date(2026, 12, 2), "yesterday"),
        (dt.date(2026, 12, 5), "5 Dec"),
        (dt.date(2026, 11, 1), "1 Nov"),
    ],
)
def test_a_due_day_close_by_reads_as_a_word_in_the_viewers_zone(day, shown):
    with (
        time_machine.travel(MOMENT, tick=False),
        timezone.override(zoneinfo.ZoneInfo("Asia/Kolkata")),
    ):
        assert formats.format_near_day(day) == shown
        assert Template("{% load house %}{{ day|near_day }}").render(Context({"day": day})) == shown
