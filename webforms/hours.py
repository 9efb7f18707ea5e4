"""Working hours: when a web-form lead's "Respond to the enquiry" is due. Pure functions."""

import datetime as dt
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass

# A calendar with no working day at all cannot answer: stop looking after this many days.
SEARCH_DAYS = 3660


@dataclass(frozen=True)
class Schedule:
    """Working days (0 = Monday), the working day's start and end (local wall-clock times)
    and the zone they are in; holidays are dates that are not worked."""

    weekdays: frozenset[int]
    start: dt.time
    end: dt.time
    zone: zoneinfo.ZoneInfo
    holidays: frozenset[dt.date] = frozenset()

    def works_on(self, day: dt.date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays


def due_after(moment: dt.datetime, schedule: Schedule, hours: int) -> dt.datetime:
    """The moment ``hours`` working hours after ``moment`` (aware), in the schedule's zone.

    Time counts only inside working hours of working days: a lead that arrives on Friday at
    20:00 with Monday to Friday 09:00-17:00 and 1 hour is due on Monday at 10:00; one at
    16:30 on a Wednesday is due on Thursday at 09:30. Wall-clock times: a working day that
    crosses a change of the clocks keeps its 09:00 and 17:00.
    """
    if not schedule.weekdays or schedule.start >= schedule.end:
        raise ValueError("A schedule needs a working day and a start before its end.")
    remaining = dt.timedelta(hours=hours)
    local = moment.astimezone(schedule.zone).replace(tzinfo=None)
    day = local.date()
    for _ in range(SEARCH_DAYS):
        if schedule.works_on(day):
            opens = dt.datetime.combine(day, schedule.start)
            closes = dt.datetime.combine(day, schedule.end)
            begin = max(opens, local)
            if begin < closes:
                if begin + remaining <= closes:
                    return (begin + remaining).replace(tzinfo=schedule.zone)
                remaining -= closes - begin
        day += dt.timedelta(days=1)
    raise ValueError("No working hours in the next ten years.")


def schedule_of(
    weekdays: Collection[int],
    start: dt.time,
    end: dt.time,
    zone: str,
    holidays: Collection[dt.date] = (),
) -> Schedule:
    return Schedule(
        weekdays=frozenset(weekdays),
        start=start,
        end=end,
        zone=zoneinfo.ZoneInfo(zone),
        holidays=frozenset(holidays),
    )
