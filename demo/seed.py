"""Demo data: one user per role, then (as the apps grow) companies, deals and projects.

Idempotent: running it twice changes nothing the second time.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_create
from demo.bulk import seed_bulk
from demo.crm_seed import seed_crm
from demo.handoff_seed import seed_handoff_drafts, seed_won_deals
from demo.integrations_seed import seed_integrations
from demo.money_seed import seed_exchange_rates
from demo.projects_seed import seed_projects

DEMO_PASSWORD = "relay-demo"
# Above this many deals the demo is written in bulk (``demo.bulk``), not through the services.
BULK_THRESHOLD = 1000


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    time_zone: str = "Europe/Berlin"


DEMO_USERS = [
    DemoUser("rita", "Rita Rep", Role.SALES_REP),
    DemoUser("ravi", "Ravi Rep", Role.SALES_REP, "Asia/Kolkata"),
    DemoUser("sam", "Sam Manager", Role.SALES_MANAGER),
    DemoUser("dana", "Dana Lead", Role.DELIVERY_LEAD),
    DemoUser("max", "Max Member", Role.DELIVERY_MEMBER),
    DemoUser("admin", "Ada Admin", Role.ADMIN, "UTC"),
]


def sign_ins() -> list[str]:
    """The demo users, as ``make run`` and ``seed_demo`` print them."""
    return [
        f"Demo sign-ins (password for all: {DEMO_PASSWORD}):",
        *(f"  {demo.username:<8} {demo.role}" for demo in DEMO_USERS),
    ]


@dataclass
class SeedResult:
    users_created: int = 0
    deals_created: int = 0
    deals_won: int = 0
    projects_created: int = 0


@transaction.atomic
def seed_users(result: SeedResult) -> dict[str, User]:
    users = {}
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = user_create(
                username=demo.username,
                role=demo.role,
                email=f"{demo.username}@example.com",
                password=DEMO_PASSWORD,
                full_name=demo.full_name,
                time_zone=demo.time_zone,
            )
            result.users_created += 1
        users[demo.username] = user
    return users


def seed(*, deals: int = 40, bulk: bool | None = None) -> SeedResult:
    """The demo; in bulk when ``bulk``, or by default when ``deals`` > ``BULK_THRESHOLD``."""
    result = SeedResult()
    users = seed_users(result)
    seed_exchange_rates(timezone.localdate())
    if deals > BULK_THRESHOLD if bulk is None else bulk:
        outcome = seed_bulk(users=users, deals=deals, password=DEMO_PASSWORD)
        result.users_created += outcome.users_created
        result.deals_created = outcome.deals_created
        result.deals_won = outcome.deals_won
        result.projects_created = outcome.projects_created
        return result
    result.deals_created = seed_crm(users=users, deals=deals)
    result.deals_won = seed_won_deals(users=users)
    result.projects_created = seed_projects(users=users)
    seed_handoff_drafts(users=users)
    seed_integrations(users=users)
    return result
