"""Reminder time rules: each user's own time zone decides "today", "overdue" and 07:00."""

import datetime as dt
import zoneinfo

#: Daily digests go out at the first planner run at or after this local time.
DIGEST_TIME = dt.time(7, 0)


def local_now(now: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return now.astimezone(zone)


def daily_digest_due(local: dt.datetime) -> bool:
    """True from 07:00 local until midnight: the window in which a day's digest is made."""
    return local.time() >= DIGEST_TIME


def weekly_digest_due(local: dt.datetime) -> bool:
    """True from Monday 07:00 local until the end of that ISO week.

    A week whose Monday run was missed (worker down) still gets its digest later that week.
    """
    return local.isoweekday() > 1 or daily_digest_due(local)


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def daily_key(kind: str, user_id: int, day: dt.date) -> str:
    return f"{kind}:{user_id}:{day.isoformat()}"


def weekly_key(kind: str, user_id: int, day: dt.date) -> str:
    return f"{kind}:{user_id}:{iso_week(day)}"


def mention_key(mention_id: int) -> str:
    return f"mention:{mention_id}"
