"""The bigger team of the bulk demo: 20 sales users (reps and two managers) and 10 delivery
users (leads and members), made through ``user_create`` beside the six demo users."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create

ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata", "UTC"]


@dataclass(frozen=True)
class TeamMember:
    username: str
    role: str
    time_zone: str


def _members(prefix: str, role: str, count: int, offset: int = 0) -> list[TeamMember]:
    return [
        TeamMember(f"{prefix}{i:02d}", role, ZONES[(i + offset) % len(ZONES)])
        for i in range(1, count + 1)
    ]


SALES_TEAM = [*_members("rep", Role.SALES_REP, 18), *_members("manager", Role.SALES_MANAGER, 2)]
DELIVERY_TEAM = [
    *_members("lead", Role.DELIVERY_LEAD, 3, offset=1),
    *_members("member", Role.DELIVERY_MEMBER, 7, offset=2),
]


@transaction.atomic
def seed_team(*, password: str) -> tuple[dict[str, User], int]:
    """The team's users by username, and how many were created now. The password is
    hashed once and shared: 30 separate hashes of the same demo password would cost
    seconds and say nothing more."""
    existing = {u.username: u for u in User.objects.filter(username__in=_usernames())}
    created = [m for m in [*SALES_TEAM, *DELIVERY_TEAM] if m.username not in existing]
    hashed = make_password(password) if created else ""
    for member in created:
        user = user_create(
            username=member.username,
            role=member.role,
            email=f"{member.username}@example.com",
            full_name=member.username.rstrip("0123456789").title() + " " + member.username[-2:],
            time_zone=member.time_zone,
        )
        user.password = hashed
        user.save(update_fields=["password"])
        existing[member.username] = user
    return existing, len(created)


def _usernames() -> list[str]:
    return [m.username for m in [*SALES_TEAM, *DELIVERY_TEAM]]
