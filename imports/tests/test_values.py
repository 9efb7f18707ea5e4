import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from imports.values import (
    detect_date_order,
    detect_decimal,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_money,
    split_full_name,
    split_multi,
)

ZURICH = ZoneInfo("Europe/Zurich")


def messages(call, *args, **kwargs):
    with pytest.raises(ValidationError) as error:
        call(*args, **kwargs)
    return error.value.messages


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12,5", Decimal("12.5")),
        ("0,5", Decimal("0.5")),
        ("0.5", Decimal("0.5")),
        (",5", Decimal("0.5")),
        (".5", Decimal("0.5")),
        ("51.500,00", Decimal("51500.00")),
        ("1.234,56", Decimal("1234.56")),
        ("3,200.00", Decimal("3200.00")),
        ("1,234,567", Decimal("1234567")),
        ("1.234.567", Decimal("1234567")),
        ("1.234.567,8", Decimal("1234567.8")),
        ("12'500.00", Decimal("12500.00")),
        ("12\u2019500.00", Decimal("12500.00")),
        ("1 234 567,89", Decimal("1234567.89")),
        ("1\u00a0234,567", Decimal("1234.567")),
        ("1\u202f234", Decimal("1234")),
        ("0,500", Decimal("0.500")),
        ("1234,567", Decimal("1234.567")),
        ("1,2345", Decimal("1.2345")),
        ("3200", Decimal("3200")),
        ("  3200.00 ", Decimal("3200.00")),
        ("-1,234.5", Decimal("-1234.5")),
        ("\u22121.234,5", Decimal("-1234.5")),
        ("+12,5", Decimal("12.5")),
        ("(1,234.00)", Decimal("-1234.00")),
        ("20%", Decimal("20")),
        ("12,5 %", Decimal("12.5")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_decimal_auto(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12,500", "'12,500' is ambiguous: set the decimal separator ('.' or ',')."),
        ("1.234", "'1.234' is ambiguous: set the decimal separator ('.' or ',')."),
        ("-1,000", "'-1,000' is ambiguous: set the decimal separator ('.' or ',')."),
        ("12a", "'12a' is not a number."),
        ("%", "'%' is not a number."),
        ("-", "'-' is not a number."),
        ("1e5", "'1e5' is not a number."),
        ("1,2,3", "'1,2,3' is not a number."),
        ("12,34.5", "'12,34.5' is not a number."),
        ("1.234 567", "'1.234 567' is not a number."),
        ("12,", "'12,' is not a number."),
        ("abc", "'abc' is not a number."),
        ("NaN", "'NaN' is not a number."),
        ("١٢", "'١٢' is not a number."),
        ("1000000000000", "'1000000000000' is too large: enter less than 1,000,000,000,000."),
        ("1" * 101, "'11111111111111111111'... is too long for a number."),
    ],
)
def test_parse_decimal_errors(text, message):
    assert messages(parse_decimal, text) == [message]


def test_parse_decimal_ambiguity_has_a_code():
    with pytest.raises(ValidationError) as error:
        parse_decimal("12,500")
    assert error.value.code == "ambiguous"


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("12,500", ",", Decimal("12.500")),
        ("12,500", ".", Decimal("12500")),
        ("1.234", ",", Decimal("1234")),
        ("1.234", ".", Decimal("1.234")),
        ("0,5", ",", Decimal("0.5")),
        ("51.500,00", ",", Decimal("51500.00")),
        ("3,200.00", ".", Decimal("3200.00")),
        ("1 234,5", ",", Decimal("1234.5")),
    ],
)
def test_parse_decimal_with_separator(text, decimal, value):
    assert parse_decimal(text, decimal=decimal) == value


@pytest.mark.parametrize(
    ("text", "decimal", "message"),
    [
        ("12,5", ".", "'12,5' is not a number with '.' as the decimal separator."),
        ("3,200.00", ",", "'3,200.00' is not a number with ',' as the decimal separator."),
        ("1.234.567", ".", "'1.234.567' is not a number with '.' as the decimal separator."),
    ],
)
def test_parse_decimal_with_separator_errors(text, decimal, message):
    assert messages(parse_decimal, text, decimal=decimal) == [message]


@pytest.mark.parametrize(
    ("values", "decimal"),
    [
        (["1.234,56", "12"], ","),
        (["12,5"], ","),
        (["51.500,00", "500,00", "1.200"], ","),
        (["3,200.00"], "."),
        (["1,234", ".5"], "."),
        (["1,234", "2,500"], None),
        (["500", "", "1200"], None),
        (["$3,200.00", "CHF 12'500.00", "£8,750.00"], "."),
        (["51.500,00 €", "EUR 1.200,00"], ","),
        (["12.5", "12,5"], None),
        (["12.5", "12,5", "1.5"], "."),
        ([], None),
    ],
)
def test_detect_decimal(values, decimal):
    assert detect_decimal(values) == decimal


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$3,200.00", Decimal("3200.00"), "USD"),
        ("US$ 3,200.00", Decimal("3200.00"), "USD"),
        ("-$5.50", Decimal("-5.50"), "USD"),
        ("€1.200,50", Decimal("1200.50"), "EUR"),
        ("51.500,00 €", Decimal("51500.00"), "EUR"),
        ("EUR 51.500,00", Decimal("51500.00"), "EUR"),
        ("£8,750.00", Decimal("8750.00"), "GBP"),
        ("8750 GBP", Decimal("8750"), "GBP"),
        ("CHF 12'500.00", Decimal("12500.00"), "CHF"),
        ("12'500.00 CHF", Decimal("12500.00"), "CHF"),
        ("USD 3200", Decimal("3200"), "USD"),
        ("usd3200", Decimal("3200"), "USD"),
        ("3200", Decimal("3200"), None),
        ("12,5", Decimal("12.5"), None),
        ("", None, None),
    ],
)
def test_parse_money(text, amount, currency):
    assert parse_money(text, decimal="auto") == (amount, currency)


def test_parse_money_with_separator():
    assert parse_money("EUR 12,500", decimal=",") == (Decimal("12.500"), "EUR")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("$12,500", "'$12,500' is ambiguous: set the decimal separator ('.' or ',')."),
        ("USD 12a", "'USD 12a' is not a number."),
        ("USD", "'USD' has no amount."),
        ("$5 EUR", "'$5 EUR' names two currencies."),
        ("XYZ 5", "'XYZ 5' is not a number."),
    ],
)
def test_parse_money_errors(text, message):
    assert messages(parse_money, text, decimal="auto") == [message]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2027-05-13", dt.date(2027, 5, 13)),
        ("2027-05-13 16:30", dt.date(2027, 5, 13)),
        ("2027-05-13T16:30:00Z", dt.date(2027, 5, 13)),
        ("2027-05-13 16:30:00", dt.date(2027, 5, 13)),
        ("2027/05/13", dt.date(2027, 5, 13)),
        ("4/22/2027", dt.date(2027, 4, 22)),
        ("04/22/2027 3:15 PM", dt.date(2027, 4, 22)),
        ("22.04.2027", dt.date(2027, 4, 22)),
        ("1.4.2027", dt.date(2027, 4, 1)),
        ("22.04.2027 16:30", dt.date(2027, 4, 22)),
        ("13/05/2027", dt.date(2027, 5, 13)),
        ("13-05-2027", dt.date(2027, 5, 13)),
        ("03/03/2027", dt.date(2027, 3, 3)),
        ("13-May-2027", dt.date(2027, 5, 13)),
        ("May 13, 2027", dt.date(2027, 5, 13)),
        ("Sept 3 2027", dt.date(2027, 9, 3)),
        ("13 May 2027", dt.date(2027, 5, 13)),
        ("13. März 2027", dt.date(2027, 3, 13)),
        ("1 Okt 2027", dt.date(2027, 10, 1)),
        ("1900-01-01", dt.date(1900, 1, 1)),
        ("2999-12-31", dt.date(2999, 12, 31)),
        ("", None),
    ],
)
def test_parse_date_auto(text, value):
    assert parse_date(text) == value


@pytest.mark.parametrize(
    ("text", "order", "value"),
    [
        ("03/04/2027", "DMY", dt.date(2027, 4, 3)),
        ("03/04/2027", "MDY", dt.date(2027, 3, 4)),
        ("2027-03-04", "MDY", dt.date(2027, 3, 4)),
        ("13/05/2027", "YMD", dt.date(2027, 5, 13)),
    ],
)
def test_parse_date_with_order(text, order, value):
    assert parse_date(text, order=order) == value


@pytest.mark.parametrize(
    ("text", "order", "message"),
    [
        (
            "03/04/2027",
            "auto",
            "'03/04/2027' is ambiguous: set the date order (day/month or month/day).",
        ),
        (
            "03/04/2027",
            "YMD",
            "'03/04/2027' is ambiguous: set the date order (day/month or month/day).",
        ),
        ("4/22/2027", "DMY", "'4/22/2027' is not a date in the order DMY."),
        ("4/22/27", "auto", "'4/22/27' has a two-digit year: write the year with four digits."),
        ("1899-12-31", "auto", "'1899-12-31' is outside the years 1900 to 2999."),
        ("1/1/3000", "auto", "'1/1/3000' is outside the years 1900 to 2999."),
        ("0001-01-01", "auto", "'0001-01-01' is outside the years 1900 to 2999."),
        ("2027-02-30", "auto", "'2027-02-30' is not a valid date."),
        ("2027-05-13 25:00", "auto", "'2027-05-13 25:00' is not a valid time."),
        ("4/22/2027 13:15 PM", "auto", "'4/22/2027 13:15 PM' is not a valid time."),
        ("13 Foo 2027", "auto", "'13 Foo 2027' is not a date: unknown month 'Foo'."),
        ("yesterday", "auto", "'yesterday' is not a date."),
        ("46500", "auto", "'46500' is not a date."),
    ],
)
def test_parse_date_errors(text, order, message):
    assert messages(parse_date, text, order=order) == [message]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2027-05-13 16:30", dt.datetime(2027, 5, 13, 16, 30, tzinfo=ZURICH)),
        ("2027-05-13 16:30:00", dt.datetime(2027, 5, 13, 16, 30, tzinfo=ZURICH)),
        ("2027-05-13T16:30:00Z", dt.datetime(2027, 5, 13, 18, 30, tzinfo=ZURICH)),
        (
            "2027-05-13T16:30:00.250+00:00",
            dt.datetime(2027, 5, 13, 18, 30, 0, 250000, tzinfo=ZURICH),
        ),
        ("2027-05-13T16:30:00-0400", dt.datetime(2027, 5, 13, 22, 30, tzinfo=ZURICH)),
        ("04/22/2027 3:15 PM", dt.datetime(2027, 4, 22, 15, 15, tzinfo=ZURICH)),
        ("04/22/2027 12:05 AM", dt.datetime(2027, 4, 22, 0, 5, tzinfo=ZURICH)),
        ("22.04.2027 16:30", dt.datetime(2027, 4, 22, 16, 30, tzinfo=ZURICH)),
        ("2027-01-13", dt.datetime(2027, 1, 13, 0, 0, tzinfo=ZURICH)),
        ("", None),
    ],
)
def test_parse_datetime(text, value):
    moment = parse_datetime(text, zone=ZURICH)
    assert moment == value
    if moment is not None:
        assert moment.tzinfo == ZURICH


def test_parse_datetime_naive_is_in_the_zone():
    moment = parse_datetime("2027-05-13 16:30", zone=ZoneInfo("America/New_York"))
    assert moment == dt.datetime(2027, 5, 13, 20, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("values", "order"),
    [
        (["13/05/2027", "01/02/2027"], "DMY"),
        (["4/22/2027", "3/3/2027"], "MDY"),
        (["22.04.2027", "01.02.2027"], "DMY"),
        (["01.02.2027"], "DMY"),
        (["2027-05-13", "2027-05-13 16:30"], "YMD"),
        (["03/04/2027", "05/06/2027"], None),
        (["13/05/2027", "4/22/2027"], None),
        (["2027-05-13", "03/04/2027"], None),
        (["May 13, 2027", ""], None),
        ([], None),
    ],
)
def test_detect_date_order(values, order):
    assert detect_date_order(values) == order


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Meyer, Chloe", ("Chloe", "Meyer")),
        ("Chloe Meyer", ("Chloe", "Meyer")),
        ("  Zoë   Müller ", ("Zoë", "Müller")),
        ("Anna Maria Müller", ("Anna Maria", "Müller")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Vincent van der Berg", ("Vincent", "van der Berg")),
        ("Martin Luther King Jr.", ("Martin Luther", "King Jr.")),
        ("Martin Luther King, Jr.", ("Martin Luther", "King Jr.")),
        ("Cher", ("Cher", "")),
        ("", ("", "")),
    ],
)
def test_split_full_name(text, parts):
    assert split_full_name(text) == parts


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("12345;67890", ["12345", "67890"]),
        ("12345, 67890 ,12345", ["12345", "67890"]),
        ("12345\n67890", ["12345", "67890"]),
        (" ; ", []),
        ("", []),
    ],
)
def test_split_multi(text, items):
    assert split_multi(text) == items


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("True", True),
        ("false", False),
        ("YES", True),
        ("no", False),
        ("1", True),
        ("0", False),
        ("ja", True),
        ("Nein", False),
        ("wahr", True),
        ("FALSCH", False),
        ("", None),
    ],
)
def test_parse_bool(text, value):
    assert parse_bool(text) is value


def test_parse_bool_error():
    assert messages(parse_bool, "maybe") == ["'maybe' is not yes or no (true/false, 1/0)."]
