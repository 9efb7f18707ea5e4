import datetime as dt

import pytest
from django.core.exceptions import BadRequest, ValidationError
from django.http import QueryDict

from inputs.dates import MAX_DATE, MIN_DATE, check_date, in_window, validate_date
from inputs.numbers import MAX_ID, parse_int, query_ids, query_int, query_page
from inputs.text import clean_query_text, has_breaking_characters, validate_single_line


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (dt.date(1900, 1, 1), True),
        (dt.date(2999, 12, 31), True),
        (dt.date(1899, 12, 31), False),
        (dt.date(3000, 1, 1), False),
        (dt.date(1, 1, 1), False),
        (dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))), False),
        (dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC), True),
    ],
)
def test_the_window_of_accepted_dates(value, ok):
    assert in_window(value) is ok
    if ok:
        validate_date(value)
        check_date(value, "due")
    else:
        with pytest.raises(ValidationError) as caught:
            check_date(value, "due")
        assert caught.value.message_dict == {"due": ["Enter a date from 1900-01-01 to 2999-12-31."]}
    assert (dt.date(1900, 1, 1), dt.date(2999, 12, 31)) == (MIN_DATE, MAX_DATE)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), (" 42 ", 42), ("", None), (None, None), (3, 3), ("-1", -1)],
)
def test_parse_int_accepts_ascii_whole_numbers(raw, expected):
    assert parse_int(raw, field="n", minimum=-5) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("²", "Enter a whole number."),
        ("1e3", "Enter a whole number."),
        ("1.0", "Enter a whole number."),
        ("٣", "Enter a whole number."),
        ("9" * 20, "Enter a whole number."),
        (True, "Enter a whole number."),
        (str(MAX_ID + 1), f"Enter a number from 0 to {MAX_ID}."),
        ("-1", f"Enter a number from 0 to {MAX_ID}."),
    ],
)
def test_parse_int_refuses_anything_else_naming_the_field(raw, message):
    with pytest.raises(ValidationError) as caught:
        parse_int(raw, field="offset")
    assert caught.value.message_dict == {"offset": [message]}


def test_query_helpers_answer_400_or_a_default():
    params = QueryDict("page=²&deal=3&deal=x&ok=5")
    assert query_int(params, "ok") == 5
    assert query_int(params, "missing", default=9) == 9
    with pytest.raises(BadRequest, match=r"deal: Enter a whole number\."):
        query_ids(params, "deal")
    assert query_ids(QueryDict("deal=3&deal=4"), "deal") == [3, 4]
    assert query_page(params) == 1
    assert query_page(QueryDict("page=4")) == 4


@pytest.mark.parametrize(
    ("value", "breaking"),
    [
        ("Plain title", False),
        ("Émoji 👩‍💻 with a zero-width joiner", False),
        ("two\nlines", True),
        ("carriage\rreturn", True),
        ("nul\x00byte", True),
        ("line\u2028separator", True),
        ("tab\there", True),
    ],
)
def test_one_line_text(value, breaking):
    assert has_breaking_characters(value) is breaking
    if breaking:
        with pytest.raises(ValidationError):
            validate_single_line(value)
    else:
        validate_single_line(value)


def test_search_terms_lose_control_characters_and_length():
    assert clean_query_text("  a\x00b\r\nc  ") == "a b c"
    assert clean_query_text(None) == ""
    assert clean_query_text("x" * 500) == "x" * 200
    assert clean_query_text("é" * 300, max_length=10) == "é" * 10
