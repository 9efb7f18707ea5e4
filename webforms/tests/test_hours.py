"""When a new lead's "Respond to the enquiry" is due: exact moments."""

import datetime as dt

import pytest

from webforms.hours import due_after, schedule_of
from webforms.tests.conftest import at

WEEK = schedule_of(range(5), dt.time(9), dt.time(17), "UTC")
BERLIN = schedule_of(range(5), dt.time(9), dt.time(17), "Europe/Berlin")


@pytest.mark.parametrize(
    ("moment", "hours", "due"),
    [
        (at(2026, 12, 4, 20), 1, at(2026, 12, 7, 10)),  # Friday evening: Monday 10:00
        (at(2026, 12, 5, 11), 1, at(2026, 12, 7, 10)),  # Saturday
        (at(2026, 12, 7, 8), 1, at(2026, 12, 7, 10)),  # Monday before opening
        (at(2026, 12, 7, 9, 15), 1, at(2026, 12, 7, 10, 15)),  # inside the day
        (at(2026, 12, 9, 16, 30), 1, at(2026, 12, 10, 9, 30)),  # half an hour left today
        (at(2026, 12, 4, 16, 30), 1, at(2026, 12, 7, 9, 30)),  # ... on a Friday
        (at(2026, 12, 9, 17), 1, at(2026, 12, 10, 10)),  # exactly at closing
        (at(2026, 12, 9, 15), 3, at(2026, 12, 10, 10)),  # hours across two days
        (at(2026, 12, 4, 12), 8, at(2026, 12, 7, 12)),  # a working day across a weekend
    ],
)
def test_due_in_working_hours(moment, hours, due):
    assert due_after(moment, WEEK, hours) == due


def test_another_time_zone():
    # Friday 16:30 UTC is 17:30 in Berlin, after work: Monday 10:00 Berlin, 09:00 UTC.
    due = due_after(at(2026, 12, 4, 16, 30), BERLIN, 1)
    assert due == at(2026, 12, 7, 10, tz="Europe/Berlin")
    assert due.astimezone(dt.UTC) == at(2026, 12, 7, 9)


def test_the_clocks_change_over_the_weekend():
    # Europe/Berlin moves to summer time on Sunday 28 March 2027: Monday's 10:00 is 08:00 UTC.
    due = due_after(at(2027, 3, 26, 20, tz="Europe/Berlin"), BERLIN, 1)
    assert due.astimezone(dt.UTC) == at(2027, 3, 29, 8)


def test_holidays_are_skipped():
    schedule = schedule_of(range(5), dt.time(9), dt.time(17), "UTC", [dt.date(2026, 12, 7)])
    assert due_after(at(2026, 12, 4, 20), schedule, 1) == at(2026, 12, 8, 10)


def test_weekend_work_and_short_days():
    schedule = schedule_of({5}, dt.time(10), dt.time(12), "UTC")  # Saturdays 10-12 only
    assert due_after(at(2026, 12, 5, 11, 30), schedule, 1) == at(2026, 12, 12, 10, 30)


def test_a_schedule_without_working_days_is_refused():
    with pytest.raises(ValueError):
        due_after(at(2026, 12, 4), schedule_of([], dt.time(9), dt.time(17), "UTC"), 1)
