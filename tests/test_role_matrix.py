"""Issue 11: who may open what, on every route, as PRODUCT.md's "Roles and visibility" says.

One realistic world (companies, contacts, open, lost and won deals, the won ones through the
handoff so they have kickoff projects, an internal project, tasks, milestones, dependencies,
checklist items, comments, notes) is built once for the module inside a transaction that is
rolled back at the end; every case runs in its own savepoint, so a write in one case is never
seen by the next.

The matrix is role x method x object: for each route (URL pattern name, plus a few variants
such as a list's CSV) and each API operation (operationId), what each role gets for its own
object, another user's object it may see, and an object it may not see (``SLOTS`` says which
world object plays each part for each role; a part a role cannot have is ``_``). Expected
answers follow PRODUCT.md: allowed -> what the view answers (200/201/204/302, or 422 for an
allowed write whose empty form is refused), a forbidden action on a visible object -> 403, an
object the user may not see -> 404, anonymous -> 302 to the sign-in page (browser) or 401 (API).

Every answer (a page, a CSV, JSON) is also searched for the marker texts of everything the
role may not open (``INVISIBLE_TO``), and a successful one for links to and ids of the deals
and projects the role may not open: none may appear, on any route. Lists and search must show
exactly what the role may open (``lists``).

``test_every_route_has_a_matrix_entry`` walks the URL resolver and the API's OpenAPI schema:
a route or operation without an entry, or an entry for a route that no longer exists, fails.
"""

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import PasswordResetRequest
from accounts.roles import Role
from accounts.services import api_token_create, calendar_token
from accounts.tests.factories import UserFactory
from api.urls import api
from crm.models import Deal, ExchangeRate, LeadSource
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, DealFactory
from dashboards.widgets import DELIVERY_WIDGETS, SALES_WIDGETS
from handoff import services as handoff_services
from handoff.models import Handoff, PromiseSettings
from handoff.tests.factories import HandoffFactory
from imports.models import ExternalId, ImportJob, RowProblem
from inbox.models import InboundEmail, MailboxState
from projects import services as project_services
from projects.models import ChecklistItem, Dependency, Holiday, Task
from reminders.emails import unsubscribe_token
from reminders.models import Kind, OutboxEmail, ReminderPreference
from webforms.models import Submission, WebForm, WorkingHours
from webhooks.models import Attempt, Delivery, Endpoint

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)  # a Thursday
SOON = "2026-12-03"

# Roles ------------------------------------------------------------------------------------

REP, MANAGER, LEAD, MEMBER, ADMIN, NO_ROLE, ANON = (
    "sales_rep",
    "sales_manager",
    "delivery_lead",
    "delivery_member",
    "admin",
    "no_role",
    "anonymous",
)
ROLES = (REP, MANAGER, LEAD, MEMBER, ADMIN, NO_ROLE, ANON)
USERNAME = {
    REP: "rep",
    MANAGER: "manager",
    LEAD: "lead",
    MEMBER: "member",
    ADMIN: "admin",
    NO_ROLE: "norole",
}

# Answers that are not bare status codes.
LOGIN = "302 to sign-in"
ADMIN_LOGIN = "302 to admin sign-in"

# Objects ----------------------------------------------------------------------------------

_ = None
OWN, OTHER, INVISIBLE = "own", "other", "invisible"
PARTS = (OWN, OTHER, INVISIBLE)


def slots(*, rep, manager, lead, member, admin, no_role, anon) -> dict[str, tuple]:
    return {
        REP: rep,
        MANAGER: manager,
        LEAD: lead,
        MEMBER: member,
        ADMIN: admin,
        NO_ROLE: no_role,
        ANON: anon,
    }


def customers(rep: str, other: str) -> dict[str, tuple]:
    """Companies or contacts: everyone with a role sees them all; reps own theirs."""
    both = (rep, other)
    return slots(
        rep=(rep, other, _),
        manager=(_, both, _),
        lead=(_, both, _),
        member=(_, both, _),
        admin=(_, both, _),
        no_role=(_, _, both),
        anon=(_, _, rep),
    )


def project_family(p1: str, p2: str, p3: str, *, member_other: Any = _) -> dict[str, tuple]:
    """A project, or a task, milestone, dependency or checklist item of P1, P2 and P3."""
    return slots(
        rep=(p1, _, (p2, p3)),  # P1 is the project of rep's own won deal
        manager=(_, (p1, p2), p3),  # the projects of every won deal, not an internal one
        lead=(p1, (p2, p3), _),  # leads P1; sees every project
        member=(p1, member_other, (p2, p3)),  # on P1 only
        admin=(_, (p1, p2, p3), _),
        no_role=(_, _, (p1, p2, p3)),
        anon=(_, _, p1),
    )


# Which world objects are each role's own, another's it may see, and ones it may not see
# (a part may name several objects; ``_``: the role has no such object).
# P1 is the kickoff project of rep's won deal, led by lead, with member and member2 on it;
# P2 the kickoff project of other_rep's won deal, led by other_lead, nobody else on it;
# P3 an internal project (no deal) led by other_lead.
OPEN = ("deal_open_rep", "deal_open_other")
WON = ("deal_won_rep", "deal_won_other")
LOST = ("deal_lost_rep", "deal_lost_other")
SLOTS: dict[str, dict[str, tuple]] = {
    "company": customers("company_rep", "company_other"),
    "contact": customers("contact_rep", "contact_other"),
    # Open deals are for sales (and admins) only.
    "deal": slots(
        rep=(*OPEN, _),
        manager=(_, OPEN, _),
        lead=(_, _, OPEN),
        member=(_, _, OPEN),
        admin=(_, OPEN, _),
        no_role=(_, _, OPEN),
        anon=(_, _, "deal_open_rep"),
    ),
    # Delivery leads read every won deal (lead's own: the one whose project they lead);
    # members the won deals of their own projects.
    "won_deal": slots(
        rep=(*WON, _),
        manager=(_, WON, _),
        lead=(*WON, _),
        member=("deal_won_rep", _, "deal_won_other"),
        admin=(_, WON, _),
        no_role=(_, _, WON),
        anon=(_, _, "deal_won_rep"),
    ),
    "lost_deal": slots(
        rep=(*LOST, _),
        manager=(_, LOST, _),
        lead=(_, _, LOST),
        member=(_, _, LOST),
        admin=(_, LOST, _),
        no_role=(_, _, LOST),
        anon=(_, _, "deal_lost_rep"),
    ),
    # Imports are their importer's; sales managers and admins see everyone's.
    "import": slots(
        rep=("import_rep", _, "import_other"),
        manager=(_, ("import_rep", "import_other"), _),
        lead=(_, _, ("import_rep", "import_other")),
        member=(_, _, ("import_rep", "import_other")),
        admin=(_, ("import_rep", "import_other"), _),
        no_role=(_, _, ("import_rep", "import_other")),
        anon=(_, _, "import_rep"),
    ),
    # The inbox's review list: sales managers' and admins' alone (403 for every other role).
    "inbound_email": slots(
        rep=(_, "email_unmatched", _),
        manager=(_, "email_unmatched", _),
        lead=(_, "email_unmatched", _),
        member=(_, "email_unmatched", _),
        admin=(_, "email_unmatched", _),
        no_role=(_, "email_unmatched", _),
        anon=(_, _, "email_unmatched"),
    ),
    "project": project_family("p1", "p2", "p3"),
    # task_own: P1's, assigned to member; task_other: P1's, assigned to member2.
    "task": project_family("task_own", "task_p2", "task_p3", member_other="task_other"),
    # Each needs its approval: P1's by member (and has an open task), the others' by
    # other_lead.
    "milestone": project_family("milestone_p1", "milestone_p2", "milestone_p3"),
    "dependency": project_family("dependency_p1", "dependency_p2", "dependency_p3"),
    "checklist": project_family("checklist_p1", "checklist_p2", "checklist_p3"),
    # Webhook endpoints are an admin's set-up: every other role is refused (403) before any
    # lookup, so the one endpoint is "another's" for everyone.
    "webhook": slots(
        rep=(_, "webhook", _),
        manager=(_, "webhook", _),
        lead=(_, "webhook", _),
        member=(_, "webhook", _),
        admin=(_, "webhook", _),
        no_role=(_, "webhook", _),
        anon=(_, "webhook", _),
    ),
    # Web forms are set up by admins; everyone else is refused before any lookup.
    "webform": slots(
        **dict.fromkeys(("rep", "manager", "lead", "member", "admin"), (_, "webform", _)),
        no_role=(_, "webform", _),
        anon=(_, "webform", _),
    ),
}

# Markers: a unique text in each object, searched for in every answer.
MARKERS = {
    "company": {"MXq-CO-REP", "MXq-CO-OTHER"},
    "contact": {"MXq-K-REP", "MXq-K-OTHER"},
    "deal": {
        "MXq-D-OPEN-REP",
        "MXq-D-OPEN-OTHER",
        "MXq-D-LOST-REP",
        "MXq-D-LOST-OTHER",
        "MXq-D-WON-REP",
        "MXq-D-WON-OTHER",
    },
    "project": {"MXq-P-WON-REP", "MXq-P-WON-OTHER", "MXq-P-INTERNAL"},
}
OPEN_SALES = {
    "MXq-D-OPEN-REP",
    "MXq-D-OPEN-OTHER",
    "MXq-D-LOST-REP",
    "MXq-D-LOST-OTHER",
    "MXq-N-OPEN-REP",
    "MXq-N-LOST-REP",
    "MXq-H-OPEN-REP",
}
WON_OTHER = {"MXq-D-WON-OTHER", "MXq-N-WON-OTHER", "MXq-H-WON-OTHER"}
P2 = {"MXq-P-WON-OTHER", "MXq-M-P2", "MXq-C-P2", "MXq-CM-P2"}
P2 |= {"MXq-T-P2A", "MXq-T-P2B", "MXq-T-P2C"}
P3 = {"MXq-P-INTERNAL", "MXq-M-P3", "MXq-C-P3", "MXq-CM-P3"}
P3 |= {"MXq-T-P3A", "MXq-T-P3B", "MXq-T-P3C"}
EVERYTHING = (
    set().union(*MARKERS.values())
    | OPEN_SALES
    | WON_OTHER
    | P2
    | P3
    | {"MXq-N-WON-REP", "MXq-H-WON-REP", "MXq-T-OWN", "MXq-T-OTHER", "MXq-M-P1", "MXq-C-P1"}
    | {"MXq-CM-P1"}
)
# What each role may not open, so must never read anywhere.
INVISIBLE_TO = {
    REP: P2 | P3,
    MANAGER: P3,
    LEAD: OPEN_SALES,
    MEMBER: OPEN_SALES | WON_OTHER | P2 | P3,
    ADMIN: set(),
    NO_ROLE: EVERYTHING,
    ANON: EVERYTHING,
}


def visible(kind: str, role: str) -> set[str]:
    return MARKERS[kind] - INVISIBLE_TO[role]


# The matrix -------------------------------------------------------------------------------


def roles(*, rep, manager, lead, member, admin, no_role, anon) -> dict[str, Any]:
    """One answer per role: a status for every object the role has, or a tuple
    (own, other, invisible) with ``_`` where the role has no such object."""
    return {
        REP: rep,
        MANAGER: manager,
        LEAD: lead,
        MEMBER: member,
        ADMIN: admin,
        NO_ROLE: no_role,
        ANON: anon,
    }


def every(status: Any, *, anon: Any = LOGIN, no_role: Any = None) -> dict[str, Any]:
    """The same answer for every signed-in role (and ``no_role`` if given)."""
    return roles(
        rep=status,
        manager=status,
        lead=status,
        member=status,
        admin=status,
        no_role=status if no_role is None else no_role,
        anon=anon,
    )


def sales_only(status: Any, *, anon: Any = LOGIN) -> dict[str, Any]:
    """Sales and admins get ``status``; delivery and a user without a role 403."""
    return roles(
        rep=status, manager=status, lead=403, member=403, admin=status, no_role=403, anon=anon
    )


Body = dict[str, Any] | Callable[["World", Any], dict[str, Any]] | None


@dataclass(frozen=True)
class Route:
    kind: str | None  # the kind of object in the path (see SLOTS), None without one
    methods: dict[str, dict[str, Any]]
    kwargs: dict[str, Any] = field(default_factory=dict)  # more path arguments
    query: dict[str, str] = field(default_factory=dict)
    body: Body = None
    lists: tuple[str, ...] = ()  # kinds a 200 answer must list exactly (what the role sees)
    url: str | None = None  # for a pattern that cannot be reversed
    pk_in_path: bool = True  # False: the object goes in the body only


def route(kind: str | None = None, *, GET: dict, POST: dict, **options: Any) -> Route:
    return Route(kind, {"GET": GET, "POST": POST}, **options)


def get_only(kind: str | None = None, *, GET: dict, **options: Any) -> Route:
    """A read-only page: a POST answers 405 (anonymous: the sign-in page)."""
    return route(kind, GET=GET, POST=every(405), **options)


def post_only(kind: str | None = None, *, POST: dict, **options: Any) -> Route:
    """A write endpoint: a GET answers 405 (anonymous: the sign-in page)."""
    return route(kind, GET=every(405), POST=POST, **options)


def _another_task(world: "World", task: Task) -> Task:
    """A task of the same project with no link to ``task`` (so a new link closes no cycle)."""
    linked = Dependency.objects.filter(Q(successor=task) | Q(predecessor=task))
    ids = {task.pk} | {pk for link in linked for pk in (link.predecessor_id, link.successor_id)}
    return Task.objects.filter(project=task.project).exclude(pk__in=ids).order_by("pk").first()


def _pipeline_move(world: "World", deal: Deal) -> dict[str, Any]:
    return {"deal": deal.pk, "stage": "qualified", "version": deal.version}


# Object answers for the project family, as PRODUCT.md puts it: delivery leads manage the
# projects they lead; admins everything; sales and members read (members update their own
# tasks and comment); what a role may not see is 404.
def project_write(ok: Any) -> dict[str, Any]:
    """Only the project's lead (or an admin) may: ``ok``; everyone else who sees it 403."""
    return roles(
        rep=(403, _, 404),
        manager=(_, 403, 404),
        lead=(ok, 403, _),
        member=(403, _, 404),
        admin=(_, ok, _),
        no_role=404,
        anon=LOGIN,
    )


def project_read(ok: Any = 200, anon: Any = LOGIN) -> dict[str, Any]:
    return roles(
        rep=(ok, _, 404),
        manager=(_, ok, 404),
        lead=(ok, ok, _),
        member=(ok, _, 404),
        admin=(_, ok, _),
        no_role=404,
        anon=anon,
    )


def task_read(ok: Any = 200, anon: Any = LOGIN) -> dict[str, Any]:
    return roles(
        rep=(ok, _, 404),
        manager=(_, ok, 404),
        lead=(ok, ok, _),
        member=(ok, ok, 404),
        admin=(_, ok, _),
        no_role=404,
        anon=anon,
    )


def task_write(ok: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """The task's project's lead (or an admin) only."""
    return roles(
        rep=(403, _, 404),
        manager=(_, 403, 404),
        lead=(ok, 403, _),
        member=(403, 403, 404),
        admin=(_, ok, _),
        no_role=404,
        anon=anon,
    )


def task_status(ok: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """The lead, an admin, or the member the task is assigned to."""
    return roles(
        rep=(403, _, 404),
        manager=(_, 403, 404),
        lead=(ok, 403, _),
        member=(ok, 403, 404),
        admin=(_, ok, _),
        no_role=404,
        anon=anon,
    )


def task_comment(ok: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """Delivery people on the project, any delivery lead, admins; sales read only."""
    return roles(
        rep=(403, _, 404),
        manager=(_, 403, 404),
        lead=(ok, ok, _),
        member=(ok, ok, 404),
        admin=(_, ok, _),
        no_role=404,
        anon=anon,
    )


def milestone_approve(refused: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """R9: only the named approver (member, for P1's milestone), whatever other role anyone
    has; ``refused``: what the approver gets while the milestone's task is open."""
    return roles(
        rep=(403, _, 404),
        manager=(_, 403, 404),
        lead=(403, 403, _),
        member=(refused, _, 404),
        admin=(_, 403, _),
        no_role=404,
        anon=anon,
    )


def checklist_tick(ok: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """The project's people (lead and members) and admins."""
    return roles(
        rep=(403, _, 404),
        manager=(_, 403, 404),
        lead=(ok, 403, _),
        member=(ok, _, 404),
        admin=(_, ok, _),
        no_role=404,
        anon=anon,
    )


# Object answers for the CRM: sales see every company, contact and deal, and edit their
# own; managers and admins edit any; delivery sees customers and won deals' context.
def import_read(ok: Any = 200, anon: Any = LOGIN) -> dict[str, Any]:
    """An import: its importer, sales managers and admins; nobody else sees it."""
    return roles(
        rep=(ok, _, 404),
        manager=ok,
        lead=404,
        member=404,
        admin=ok,
        no_role=404,
        anon=anon,
    )


def import_own(ok: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """Only its importer sets an import up or runs it again (others who see it: 403)."""
    return import_read(ok, anon) | {MANAGER: 403, ADMIN: 403}


def customer_read(anon: Any = LOGIN) -> dict[str, Any]:
    return roles(
        rep=(200, 200, _),
        manager=200,
        lead=200,
        member=200,
        admin=200,
        no_role=404,
        anon=anon,
    )


def customer_write(ok: Any, anon: Any = LOGIN) -> dict[str, Any]:
    return roles(
        rep=(ok, 403, _),
        manager=ok,
        lead=403,
        member=403,
        admin=ok,
        no_role=404,
        anon=anon,
    )


def deal_read(ok: Any = 200, anon: Any = LOGIN) -> dict[str, Any]:
    """An open deal: sales and admins read it; delivery never sees one."""
    return roles(
        rep=(ok, ok, _),
        manager=ok,
        lead=404,
        member=404,
        admin=ok,
        no_role=404,
        anon=anon,
    )


def deal_write(ok: Any, *, others: Any = 403, anon: Any = LOGIN) -> dict[str, Any]:
    """An open deal: the owner, managers and admins: ``ok``; another rep: ``others``."""
    return roles(
        rep=(ok, others, _),
        manager=ok,
        lead=404,
        member=404,
        admin=ok,
        no_role=404,
        anon=anon,
    )


def won_read(ok: Any = 200, anon: Any = LOGIN) -> dict[str, Any]:
    """A won deal: sales, admins and delivery leads read it; members if it is their
    project's."""
    return roles(
        rep=(ok, ok, _),
        manager=ok,
        lead=ok,
        member=(ok, _, 404),
        admin=ok,
        no_role=404,
        anon=anon,
    )


def won_write(ok: Any, *, others: Any = 403, anon: Any = LOGIN) -> dict[str, Any]:
    """A won deal: the owner, managers and admins: ``ok``; delivery reads only."""
    return roles(
        rep=(ok, others, _),
        manager=ok,
        lead=403,
        member=(403, _, 404),
        admin=ok,
        no_role=404,
        anon=anon,
    )


def lost_read(ok: Any = 200, anon: Any = LOGIN) -> dict[str, Any]:
    return roles(
        rep=(ok, ok, _),
        manager=ok,
        lead=404,
        member=404,
        admin=ok,
        no_role=404,
        anon=anon,
    )


def deal_reopen(ok: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """Sales managers (and admins) reopen lost deals; delivery never sees a lost deal."""
    return roles(
        rep=(403, 403, _),
        manager=ok,
        lead=404,
        member=404,
        admin=ok,
        no_role=404,
        anon=anon,
    )


SALES_DASHBOARD = sales_only(200)
DELIVERY_DASHBOARD = roles(
    rep=403, manager=200, lead=200, member=200, admin=200, no_role=403, anon=LOGIN
)
DEMAND = roles(rep=403, manager=200, lead=200, member=403, admin=200, no_role=403, anon=LOGIN)


def reviewers(status: Any, anon: Any = LOGIN) -> dict[str, Any]:
    """Sales managers and admins get ``status``; everyone else 403."""
    return roles(
        rep=403, manager=status, lead=403, member=403, admin=status, no_role=403, anon=anon
    )


REVIEWERS = reviewers(200)
DELIVERY_CREATES = roles(
    rep=403, manager=403, lead=200, member=403, admin=200, no_role=403, anon=LOGIN
)

ROUTES: dict[str, Route] = {
    # Accounts: Django's sign-in, sign-out, password change and reset.
    "accounts:login": route(
        GET=every(302, anon=200),  # signed in: straight on to My work
        POST=every(302, anon=200),  # anonymous: the form again with its errors
    ),
    "accounts:logout": route(GET=every(405), POST=every(LOGIN)),
    "accounts:profile": route(GET=every(200), POST=every(422)),
    "accounts:sign-out-everywhere": post_only(POST=every(LOGIN)),
    "accounts:calendar-renew": post_only(POST=every(302)),  # back to the profile page
    # The calendar feed: its secret address is the credential (calendar apps do not sign
    # in); each role reads its own.
    "calendars:feed": route(
        GET=every(200, anon=404), POST=every(405, anon=405), kwargs={"token": "calendar"}
    ),
    "calendars:feed[bad-token]": route(
        GET=every(404, anon=404), POST=every(405, anon=405), kwargs={"token": "bad"}
    ),
    "accounts:password-change": route(GET=every(200), POST=every(200)),
    "accounts:password-reset": route(GET=every(200, anon=200), POST=every(200, anon=200)),
    "accounts:password-reset-done": route(GET=every(200, anon=200), POST=every(405, anon=405)),
    "accounts:password-reset-confirm": route(
        GET=every(200, anon=200),  # an invalid link says so
        POST=every(200, anon=200),
        kwargs={"uidb64": "MQ", "token": "no-such-token"},
    ),
    "accounts:password-reset-complete": route(GET=every(200, anon=200), POST=every(405, anon=405)),
    # The API's own pages: schema, docs, root, and JSON 404 for any other path.
    # (django-ninja's schema and docs views answer any method with the page.)
    "api-1.0.0:openapi-json": route(GET=every(200, anon=200), POST=every(200, anon=200)),
    "api-1.0.0:openapi-view": route(GET=every(200, anon=200), POST=every(200, anon=200)),
    "api-1.0.0:api-root": route(GET=every(404, anon=404), POST=every(404, anon=404)),
    "api-1.0.0:not-found": route(
        GET=every(404, anon=404), POST=every(404, anon=404), url="/api/v1/no-such-thing"
    ),
    # Reminders.
    "reminders:preferences": route(GET=every(200), POST=every(302)),
    "reminders:unsubscribe": route(  # the token is the secret: no sign-in needed
        GET=every(200, anon=200), POST=every(200, anon=200), kwargs={"token": "valid"}
    ),
    "reminders:unsubscribe[bad-token]": route(
        GET=every(404, anon=404), POST=every(404, anon=404), kwargs={"token": "bad"}
    ),
    "healthz": route(GET=every(200, anon=200), POST=every(200, anon=200)),
    # Web forms: public, by the form's key (the submit answers its empty post with the form
    # and its errors).
    "webforms:page": route(
        GET=every(200, anon=200), POST=every(405, anon=405), kwargs={"key": "matrix-form"}
    ),
    "webforms:submit": route(
        GET=every(405, anon=405), POST=every(422, anon=422), kwargs={"key": "matrix-form"}
    ),
    # Projects.
    "projects:project-list": get_only(GET=every(200), lists=("project",)),
    "projects:project-create": route(
        GET=DELIVERY_CREATES,
        POST=roles(rep=403, manager=403, lead=422, member=403, admin=422, no_role=403, anon=LOGIN),
    ),
    "projects:project-detail": get_only("project", GET=project_read()),
    "projects:project-edit": route("project", GET=project_write(200), POST=project_write(422)),
    "projects:project-board": get_only("project", GET=project_read()),
    "projects:project-timeline": get_only("project", GET=project_read()),
    "projects:project-baseline": post_only("project", POST=project_write(302)),
    "projects:task-create": post_only("project", POST=project_write(422)),
    "projects:milestone-create": post_only("project", POST=project_write(422)),
    "projects:checklist-create": post_only(
        "project", POST=project_write(302), body={"text": "MXq-NEW-ITEM"}
    ),
    "projects:task-detail": get_only("task", GET=task_read()),
    "projects:task-edit": post_only("task", POST=task_write(422)),
    "projects:task-status": post_only(
        "task", POST=task_status(302), body={"status": "in_progress"}
    ),
    "projects:task-actuals": post_only("task", POST=task_write(422)),  # no reason given
    "projects:task-delete": post_only("task", POST=task_write(302)),
    "projects:dependency-create": post_only(
        "task",
        POST=task_write(302),
        body=lambda w, task: {
            "predecessor": _another_task(w, task).pk,
            "kind": "SS",
            "lag_days": 0,
        },
    ),
    "projects:comment-create": post_only("task", POST=task_comment(302), body={"body": "Hello"}),
    "projects:dependency-delete": post_only("dependency", POST=project_write(302)),
    "projects:milestone-approve": post_only("milestone", POST=milestone_approve(302)),
    "projects:checklist-toggle": post_only(
        "checklist", POST=checklist_tick(302), body={"done": "1"}
    ),
    # CRM.
    "crm:pipeline": get_only(GET=sales_only(200)),
    "crm:pipeline-move": post_only(
        "deal", POST=deal_write(422), body=_pipeline_move, pk_in_path=False
    ),
    "crm:pipeline-move[won]": post_only(  # refused (no such move): the board again, saying so
        "won_deal", POST=won_write(302), body=_pipeline_move, pk_in_path=False
    ),
    "crm:deal-list": get_only(GET=sales_only(200), lists=("deal",)),
    "crm:deal-list[csv]": get_only(GET=sales_only(200), query={"format": "csv"}, lists=("deal",)),
    "crm:deal-create": route(GET=sales_only(200), POST=sales_only(422)),
    "crm:deal-bulk-reassign": post_only(
        POST=roles(rep=403, manager=302, lead=403, member=403, admin=302, no_role=403, anon=LOGIN)
    ),
    "crm:deal-detail": get_only("deal", GET=deal_read()),
    "crm:deal-detail[won]": get_only("won_deal", GET=won_read()),
    "crm:deal-detail[lost]": get_only("lost_deal", GET=lost_read()),
    "crm:deal-edit": route("deal", GET=deal_write(200), POST=deal_write(422)),
    "crm:deal-edit[won]": route("won_deal", GET=won_write(200), POST=won_write(422)),
    "crm:deal-complete-next-action": post_only("deal", POST=deal_write(422)),
    "crm:deal-complete-next-action[won]": post_only("won_deal", POST=won_write(422)),
    "crm:deal-activity-create": post_only("deal", POST=deal_write(422, others=422)),
    "crm:deal-activity-create[won]": post_only("won_deal", POST=won_write(422, others=422)),
    "crm:deal-transition[qualify]": route(
        "deal", GET=deal_write(200), POST=deal_write(422), kwargs={"name": "qualify"}
    ),
    "crm:deal-transition[reopen]": route(
        "lost_deal", GET=deal_reopen(200), POST=deal_reopen(422), kwargs={"name": "reopen"}
    ),
    "crm:deal-transition[win]": route(  # winning is the handoff panel's: a redirect there
        "deal", GET=deal_read(302), POST=deal_read(302), kwargs={"name": "win"}
    ),
    "crm:deal-transition[win][won]": route(
        "won_deal", GET=won_read(302), POST=won_read(302), kwargs={"name": "win"}
    ),
    "crm:company-list": get_only(GET=every(200, no_role=403), lists=("company",)),
    "crm:company-list[csv]": get_only(
        GET=every(200, no_role=403), query={"format": "csv"}, lists=("company",)
    ),
    "crm:company-create": route(GET=sales_only(200), POST=sales_only(422)),
    "crm:company-check-domain": get_only(GET=sales_only(200), query={"domain": "acme.example"}),
    "crm:company-detail": get_only("company", GET=customer_read()),
    "crm:company-edit": route("company", GET=customer_write(200), POST=customer_write(422)),
    "crm:contact-list": get_only(GET=every(200, no_role=403), lists=("contact",)),
    "crm:contact-list[csv]": get_only(
        GET=every(200, no_role=403), query={"format": "csv"}, lists=("contact",)
    ),
    "crm:contact-create": route(GET=sales_only(200), POST=sales_only(422)),
    "crm:contact-check-email": get_only(GET=sales_only(200), query={"email": "a@b.example"}),
    "crm:contact-detail": get_only("contact", GET=customer_read()),
    "crm:contact-edit": route("contact", GET=customer_write(200), POST=customer_write(422)),
    # The import wizard: an empty upload is refused (422); an import is its importer's.
    "imports:import-list": route(GET=sales_only(200), POST=sales_only(422)),
    "imports:import-detail": route("import", GET=import_read(), POST=import_own(302)),
    "imports:import-errors": get_only("import", GET=import_read()),
    "imports:import-again": post_only("import", POST=import_own(302)),
    "imports:import-cancel": post_only("import", POST=import_read(302)),
    # The inbox's review list (an empty attach form is refused: 422).
    "inbox:review-list": get_only(GET=REVIEWERS),
    "inbox:email-detail": route("inbound_email", GET=REVIEWERS, POST=reviewers(422)),
    "inbox:email-discard": post_only("inbound_email", POST=reviewers(302)),
    "inbox:deal-lookup": get_only(GET=REVIEWERS, query={"q": "MXq"}),
    # The handoff panel.
    "handoff:handoff-save": post_only("deal", POST=deal_write(302)),
    "handoff:handoff-save[won]": post_only("won_deal", POST=won_write(422)),  # it is final
    "handoff:handoff-panel": get_only("deal", GET=deal_read(302)),  # htmx: the panel alone
    "handoff:handoff-panel[won]": get_only("won_deal", GET=won_read(302)),
    "handoff:promise-check": get_only("deal", GET=deal_read()),
    "handoff:promise-check[won]": get_only("won_deal", GET=won_read()),
    "handoff:win": post_only("deal", POST=deal_write(422)),
    "handoff:win[won]": post_only("won_deal", POST=won_write(302)),  # already won: say so
    # My work, search, dashboards.
    "dashboards:my-work": get_only(GET=every(200)),
    "dashboards:my-work-team": get_only(
        GET=roles(rep=403, manager=200, lead=403, member=403, admin=200, no_role=403, anon=LOGIN)
    ),
    "dashboards:search": get_only(
        GET=every(200), query={"q": "MXq"}, lists=("company", "contact", "deal", "project")
    ),
    "dashboards:sales": get_only(GET=SALES_DASHBOARD),
    **{
        f"dashboards:sales[csv:{name}]": get_only(
            GET=SALES_DASHBOARD, query={"format": "csv", "widget": name}
        )
        for name in SALES_WIDGETS
    },
    "dashboards:delivery": get_only(GET=DELIVERY_DASHBOARD),
    **{
        f"dashboards:delivery[csv:{name}]": get_only(
            GET=DEMAND if name == "demand" else DELIVERY_DASHBOARD,
            query={"format": "csv", "widget": name},
        )
        for name in DELIVERY_WIDGETS
    },
    # The searchable pickers' suggestions (inputs.picker): who may choose what, where.
    "crm:company-lookup": get_only(GET=every(200, no_role=403), query={"q": "MXq"}),
    "crm:contact-lookup": get_only(GET=every(200, no_role=403), query={"q": "MXq"}),
    "crm:owner-lookup": get_only(
        GET=roles(rep=403, manager=200, lead=403, member=403, admin=200, no_role=403, anon=LOGIN)
    ),
    "handoff:delivery-lead-lookup": get_only(GET=sales_only(200)),
    "projects:assignee-lookup": get_only(GET=DELIVERY_CREATES),
}


# The API: one entry per operationId (and a few variants), the operation's method only.


def ADMIN_ONLY_API(status: Any) -> dict[str, Any]:
    """Admins get ``status``; every other role 403; no token 401."""
    return roles(rep=403, manager=403, lead=403, member=403, admin=status, no_role=403, anon=401)


def api_every(status: Any, *, no_role: Any = None) -> dict[str, Any]:
    return every(status, anon=401, no_role=no_role)


def api_sales_only(status: Any) -> dict[str, Any]:
    return sales_only(status, anon=401)


@dataclass(frozen=True)
class Operation:
    kind: str | None
    expect: dict[str, Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    body: Body = None
    lists: tuple[str, ...] = ()


def _other_task_id(world: "World", task: Task) -> dict[str, Any]:
    return {"predecessor_id": _another_task(world, task).pk, "kind": "SS"}


NEXT_ACTION = {"next_action": "Call again", "next_action_due": SOON}


def _new_form(world: "World", obj: Any) -> dict[str, Any]:
    return {
        "name": "New form",
        "source_id": world["webform"].source_id,
        "owner_ids": [world["rep"].pk],
    }


OPERATIONS: dict[str, Operation] = {
    "me": Operation(None, api_every(200)),
    "calendar_address": Operation(None, api_every(200)),
    "calendar_address_renew": Operation(None, api_every(200)),
    "users": Operation(None, api_every(200)),
    "lead_sources": Operation(None, api_every(200)),
    "lost_reasons": Operation(None, api_every(200)),
    "template_list": Operation(None, api_every(200)),
    # Projects, tasks, dependencies, milestones, comments.
    "project_list": Operation(None, api_every(200), lists=("project",)),
    "project_create": Operation(
        None,
        roles(rep=403, manager=403, lead=201, member=403, admin=201, no_role=403, anon=401),
        body={"name": "MXq-NEW-PROJECT", "start_date": "2026-11-30"},
    ),
    "project_detail": Operation("project", project_read(anon=401)),
    "project_update": Operation(
        "project", project_write(200) | {ANON: 401}, body={"description": "New"}
    ),
    "task_list": Operation("project", project_read(anon=401)),
    "task_create": Operation(
        "project", project_write(201) | {ANON: 401}, body={"title": "MXq-NEW"}
    ),
    "task_detail": Operation("task", task_read(anon=401)),
    "task_update": Operation("task", task_write(200, anon=401), body={"title": "Renamed"}),
    "task_update[status]": Operation(
        "task", task_status(200, anon=401), body={"status": "in_progress"}
    ),
    "task_correct_actuals": Operation(
        "task", task_write(422, anon=401), body={"actual_start": "2999-12-31", "reason": "x"}
    ),  # a day not yet come
    "dependency_list": Operation("task", task_read(anon=401)),
    "dependency_create": Operation("task", task_write(201, anon=401), body=_other_task_id),
    "dependency_delete": Operation("dependency", project_write(204) | {ANON: 401}),
    "milestone_list": Operation("project", project_read(anon=401)),
    "milestone_create": Operation(
        "project", project_write(201) | {ANON: 401}, body={"name": "New"}
    ),
    "milestone_detail": Operation("milestone", project_read(anon=401)),
    "milestone_approve": Operation("milestone", milestone_approve(422, anon=401), body={}),
    "comment_list": Operation("task", task_read(anon=401)),
    "comment_create": Operation("task", task_comment(201, anon=401), body={"body": "Hello"}),
    # CRM.
    "company_list": Operation(None, api_every(200, no_role=403), lists=("company",)),
    "company_create": Operation(None, api_sales_only(201), body={"name": "MXq-NEW-CO"}),
    # The inbox's review list: an empty body names neither a deal nor a company (422).
    "inbound_email_list": Operation(None, reviewers(200, anon=401)),
    "inbound_email_get": Operation("inbound_email", reviewers(200, anon=401)),
    "inbound_email_assign": Operation("inbound_email", reviewers(422, anon=401), body={}),
    "inbound_email_discard": Operation("inbound_email", reviewers(200, anon=401), body={}),
    # Imports: a JSON body has no file (400 for everyone: the form is checked first).
    "import_create": Operation(None, api_every(400)),
    "import_get": Operation("import", import_read(anon=401)),
    "import_cancel": Operation("import", import_read(409, anon=401)),  # finished already
    "company_detail": Operation("company", customer_read(anon=401)),
    "company_patch": Operation(
        "company", customer_write(200, anon=401), body={"industry": "Retail"}
    ),
    "contact_list": Operation(None, api_every(200, no_role=403), lists=("contact",)),
    "contact_create": Operation(None, api_sales_only(201), body={"first_name": "New"}),
    "contact_detail": Operation("contact", customer_read(anon=401)),
    "contact_patch": Operation("contact", customer_write(200, anon=401), body={"phone": "123"}),
    # Deals: delivery reads the deals it may see (won ones), so the list is theirs too.
    "deal_list": Operation(None, api_every(200), lists=("deal",)),
    "deal_create": Operation(
        None,
        api_sales_only(201),
        body=lambda w, _obj: (
            {"title": "MXq-NEW-DEAL", "company_id": w["company_rep"].pk} | NEXT_ACTION
        ),
    ),
    "deal_detail": Operation("deal", deal_read(anon=401)),
    "deal_detail[won]": Operation("won_deal", won_read(anon=401)),
    "deal_detail[lost]": Operation("lost_deal", lost_read(anon=401)),
    "deal_patch": Operation("deal", deal_write(200, anon=401), body={"next_action": "Email"}),
    "deal_patch[won]": Operation(
        "won_deal", won_write(200, anon=401), body={"qualification_notes": "More."}
    ),
    "deal_transition[qualify]": Operation(
        "deal",
        deal_write(200, anon=401),
        kwargs={"name": "qualify"},
        body={"qualification_notes": "Budget confirmed."},
    ),
    "deal_transition[reopen]": Operation(
        "lost_deal", deal_reopen(200, anon=401), kwargs={"name": "reopen"}, body=NEXT_ACTION
    ),
    "deal_complete": Operation(
        "deal", deal_write(200, anon=401), body={"outcome": "Called."} | NEXT_ACTION
    ),
    "deal_complete[won]": Operation(
        "won_deal", won_write(422, anon=401), body={"outcome": "Called."} | NEXT_ACTION
    ),
    "deal_activities": Operation("deal", deal_read(anon=401)),
    "deal_activities[won]": Operation("won_deal", won_read(anon=401)),
    "deal_activity_create": Operation(
        "deal", deal_write(201, others=201, anon=401), body={"kind": "note", "body": "Called."}
    ),
    "deal_activity_create[won]": Operation(
        "won_deal", won_write(201, others=201, anon=401), body={"kind": "note", "body": "Hi."}
    ),
    "deal_timeline": Operation("deal", deal_read(anon=401)),
    "deal_timeline[won]": Operation("won_deal", won_read(anon=401)),
    "deal_timeline[lost]": Operation("lost_deal", lost_read(anon=401)),
    "handoff_get": Operation("deal", deal_read(anon=401)),
    "handoff_get[won]": Operation("won_deal", won_read(anon=401)),
    "handoff_put": Operation("deal", deal_write(200, anon=401), body={"scope_summary": "Scope"}),
    "handoff_put[won]": Operation(  # a won deal's handoff is final
        "won_deal", won_write(422, anon=401), body={"scope_summary": "Scope"}
    ),
    "promise_check": Operation("deal", deal_read(anon=401)),
    "promise_check[won]": Operation("won_deal", won_read(anon=401)),
    # Reports.
    "report_pipeline": Operation(None, api_sales_only(200)),
    "report_forecast": Operation(None, api_sales_only(200)),
    "report_sources": Operation(None, api_sales_only(200)),
    "report_campaigns": Operation(None, api_sales_only(200)),
    # Web forms: admins set them up; anyone submits one, token or not.
    "form_list": Operation(None, ADMIN_ONLY_API(200)),
    "form_create": Operation(None, ADMIN_ONLY_API(201), body=_new_form),
    "form_detail": Operation("webform", ADMIN_ONLY_API(200)),
    "form_submission_create": Operation(
        None,
        every(201, anon=201),
        kwargs={"key": "matrix-form"},
        body={"company": "MXq-WF", "first_name": "Wendy", "email": "wendy@matrix.example"},
    ),
    "report_follow_up": Operation(None, api_sales_only(200)),
    "report_delivery_demand": Operation(None, DEMAND | {ANON: 401}),
    # Webhooks: admins only; a loopback URL is refused (422 naming url).
    "webhook_list": Operation(None, ADMIN_ONLY_API(200)),
    "webhook_create": Operation(
        None,
        ADMIN_ONLY_API(422),
        body={"url": "https://127.0.0.1/hook", "events": ["deal.won"]},
    ),
    "webhook_delete": Operation("webhook", ADMIN_ONLY_API(204)),
    "webhook_deliveries": Operation("webhook", ADMIN_ONLY_API(200)),
}


# The admin: every pattern of the admin site, from its registry. Only admins are staff:
# everyone else is sent to the admin's sign-in page (which itself answers its form).


def _walk(
    patterns: list, prefix: str = "", namespace: str | None = None
) -> Iterator[tuple[str | None, str | None, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            assert isinstance(pattern, URLPattern)
            yield namespace, pattern.name, prefix + str(pattern.pattern)


def route_id(namespace: str | None, name: str | None, path: str) -> str:
    """``namespace:name``; an unnamed pattern by its path in brackets."""
    label = name if name else f"[{path}]"
    return f"{namespace}:{label}" if namespace else label


def walked_routes() -> dict[str, str]:
    """Every URL pattern of the site: its id -> its path pattern."""
    return {route_id(ns, name, path): path for ns, name, path in _walk(get_resolver().url_patterns)}


@functools.cache
def api_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path) of every operation in the OpenAPI schema."""
    schema = api.get_openapi_schema()
    return {
        operation["operationId"]: (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def admin_routes() -> dict[str, str]:
    return {rid: path for rid, path in walked_routes().items() if rid.startswith("admin:")}


def base(entry_id: str) -> str:
    """A matrix entry's route: its id without the [variant]; an unnamed route keeps its path."""
    if entry_id.endswith("]") and not entry_id.split(":", 1)[-1].startswith("["):
        return entry_id[: entry_id.index("[")]
    return entry_id


# The world --------------------------------------------------------------------------------


class World(dict):
    """The objects by name, and a signed-in client per role."""

    sessions: dict[str, str]
    tokens: dict[str, str]

    def client_for(self, role: str) -> Client:
        client = Client(raise_request_exception=False)
        client.cookies = SimpleCookie()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client

    def api_headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}


def _win(*, owner, company, contact, title, lead, scope) -> tuple[Deal, Any]:
    deal = DealFactory(owner=owner, company=company, contact=contact, proposal=True, title=title)
    HandoffFactory(deal=deal, main_stakeholder=contact, delivery_lead=lead, scope_summary=scope)
    handoff_services.deal_win(deal=deal, by=owner)
    deal.refresh_from_db()
    return deal, Handoff.objects.get(deal=deal).project


def _project_children(w: World, key: str, project, by, *, approver, assignees) -> None:
    """Three marked tasks (the first before the second, the third unlinked), a milestone
    needing ``approver``'s approval with the first task in it, a checklist item, a comment:
    ``key`` names them in the world (task_p2, milestone_p2...)."""
    first = project_services.task_create(
        by=by, project=project, title=f"MXq-T-{key.upper()}A", assignee=assignees[0]
    )
    second = project_services.task_create(
        by=by, project=project, title=f"MXq-T-{key.upper()}B", assignee=assignees[1]
    )
    third = project_services.task_create(by=by, project=project, title=f"MXq-T-{key.upper()}C")
    # Started, and its actual start corrected (a row for the admin's read-only pages).
    third = project_services.task_set_status(by=by, task=third, status="in_progress")
    project_services.task_correct_actuals(
        by=by,
        task=third,
        actual_start=third.actual_start - dt.timedelta(days=1),
        actual_finish=None,
        reason="Began a day earlier",
    )
    w[f"dependency_{key}"] = project_services.dependency_create(
        by=by, successor=second, predecessor=first
    )
    w[f"milestone_{key}"] = project_services.milestone_create(
        by=by,
        project=project,
        name=f"MXq-M-{key.upper()}",
        requires_approval=approver is not None,
        approver=approver,
    )
    project_services.task_update(by=by, task=first, milestone=w[f"milestone_{key}"])
    w[f"checklist_{key}"] = project_services.checklist_item_create(
        by=by, project=project, text=f"MXq-C-{key.upper()}"
    )
    project_services.comment_create(by=by, task=first, body=f"MXq-CM-{key.upper()}")
    w[f"task_{key}"] = Task.objects.get(pk=first.pk)
    w[f"task_{key}_b"] = Task.objects.get(pk=second.pk)


def build_world() -> World:
    w = World()
    users = {
        "rep": UserFactory(username="rep", role=Role.SALES_REP),
        "other_rep": UserFactory(username="other_rep", role=Role.SALES_REP),
        "manager": UserFactory(username="manager", role=Role.SALES_MANAGER),
        "lead": UserFactory(username="lead", role=Role.DELIVERY_LEAD),
        "other_lead": UserFactory(username="other_lead", role=Role.DELIVERY_LEAD),
        "member": UserFactory(username="member", role=Role.DELIVERY_MEMBER),
        "member2": UserFactory(username="member2", role=Role.DELIVERY_MEMBER),
        "admin": UserFactory(username="admin", role=Role.ADMIN),
        "norole": UserFactory(username="norole"),
    }
    w.update(users)
    rep, other_rep, lead, other_lead = (
        users[k] for k in ("rep", "other_rep", "lead", "other_lead")
    )
    member, member2 = users["member"], users["member2"]

    # Customers, deals, history.
    w["company_rep"] = CompanyFactory(owner=rep, name="MXq-CO-REP", domain="rep.example")
    w["company_other"] = CompanyFactory(owner=other_rep, name="MXq-CO-OTHER", domain="o.example")
    w["contact_rep"] = ContactFactory(
        company=w["company_rep"], owner=rep, first_name="Kim", last_name="MXq-K-REP"
    )
    w["contact_other"] = ContactFactory(
        company=w["company_other"], owner=other_rep, first_name="Kai", last_name="MXq-K-OTHER"
    )
    w["deal_open_rep"] = DealFactory(
        owner=rep, company=w["company_rep"], contact=w["contact_rep"], title="MXq-D-OPEN-REP"
    )
    w["deal_open_other"] = DealFactory(
        owner=other_rep, company=w["company_other"], title="MXq-D-OPEN-OTHER"
    )
    w["deal_lost_rep"] = DealFactory(
        owner=rep, company=w["company_rep"], lost=True, title="MXq-D-LOST-REP"
    )
    w["deal_lost_other"] = DealFactory(
        owner=other_rep, company=w["company_other"], lost=True, title="MXq-D-LOST-OTHER"
    )
    HandoffFactory(
        deal=w["deal_open_rep"],
        main_stakeholder=w["contact_rep"],
        delivery_lead=lead,
        scope_summary="MXq-H-OPEN-REP",
    )
    w["deal_won_rep"], p1 = _win(
        owner=rep,
        company=w["company_rep"],
        contact=w["contact_rep"],
        title="MXq-D-WON-REP",
        lead=lead,
        scope="MXq-H-WON-REP",
    )
    w["deal_won_other"], p2 = _win(
        owner=other_rep,
        company=w["company_other"],
        contact=w["contact_other"],
        title="MXq-D-WON-OTHER",
        lead=other_lead,
        scope="MXq-H-WON-OTHER",
    )
    for deal, note in (
        ("deal_open_rep", "MXq-N-OPEN-REP"),
        ("deal_lost_rep", "MXq-N-LOST-REP"),
        ("deal_won_rep", "MXq-N-WON-REP"),
        ("deal_won_other", "MXq-N-WON-OTHER"),
    ):
        ActivityFactory(deal=w[deal], body=note)

    # Projects: the two kickoff projects (renamed, so a project's name is not its deal's
    # title) and an internal one.
    w["p1"] = project_services.project_update(
        by=lead, project=p1, name="MXq-P-WON-REP", members=[member, member2]
    )
    w["p2"] = project_services.project_update(by=other_lead, project=p2, name="MXq-P-WON-OTHER")
    w["p3"] = project_services.project_create(
        by=other_lead,
        name="MXq-P-INTERNAL",
        delivery_lead=other_lead,
        start_date=dt.date(2026, 11, 30),
    )
    own = project_services.task_create(by=lead, project=w["p1"], title="MXq-T-OWN", assignee=member)
    other = project_services.task_create(
        by=lead, project=w["p1"], title="MXq-T-OTHER", assignee=member2
    )
    w["dependency_p1"] = project_services.dependency_create(
        by=lead, successor=other, predecessor=own
    )
    w["milestone_p1"] = project_services.milestone_create(
        by=lead, project=w["p1"], name="MXq-M-P1", requires_approval=True, approver=member
    )
    project_services.task_update(by=lead, task=own, milestone=w["milestone_p1"])
    w["checklist_p1"] = project_services.checklist_item_create(
        by=lead, project=w["p1"], text="MXq-C-P1"
    )
    project_services.comment_create(by=member, task=own, body="MXq-CM-P1 @lead")
    w["task_own"] = Task.objects.get(pk=own.pk)
    w["task_other"] = Task.objects.get(pk=other.pk)
    _project_children(w, "p2", w["p2"], other_lead, approver=other_lead, assignees=[None, None])
    _project_children(w, "p3", w["p3"], other_lead, approver=other_lead, assignees=[None, None])
    for key in ("deal_open_rep", "deal_open_other", "deal_lost_rep", "deal_lost_other"):
        w[key] = Deal.objects.get(pk=w[key].pk)
    for key in ("p1", "p2", "p3"):
        w[key].refresh_from_db()
    w["checklist_p1"] = ChecklistItem.objects.get(pk=w["checklist_p1"].pk)

    # Imports: one each of rep's and other_rep's, finished with a problem.
    for key, user in (("import_rep", rep), ("import_other", other_rep)):
        w[key] = ImportJob.objects.create(
            kind="companies",
            created_by=user,
            filename=f"{key}.csv",
            file=f"imports/{key}.csv",
            status="failed",
            failed=1,
            layout={
                "encoding": "utf-8",
                "delimiter": ",",
                "header_line": 1,
                "header": ["name"],
                "footer_rows": 0,
            },
        )
        RowProblem.objects.create(job=w[key], row=2, column="name", message="A problem.")
    ExternalId.objects.create(
        system="hubspot", kind="companies", source_id="1", object_id=w["company_rep"].pk
    )

    # A row for every admin model that has none yet.
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        extra = {"get_data": "", "post_data": "", "failures_since_start": 1}
        fields = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "rep"}
        fields |= {"http_accept": "*/*", "path_info": "/accounts/login/"}
        model.objects.create(**fields, **(extra if model is AccessAttempt else {}))
    PasswordResetRequest.objects.create(email="rep@example.com", ip_address="127.0.0.1")
    Holiday.objects.create(date=dt.date(2030, 12, 25), name="Far away")
    ExchangeRate.objects.create(currency="CHF", rate="1.05", valid_from=dt.date(2026, 1, 1))
    PromiseSettings.objects.create(min_probability=50)
    w["webform"] = WebForm.objects.create(
        key="matrix-form", name="Matrix form", source=LeadSource.objects.get(name="Website")
    )
    w["webform"].owners.set([rep])
    WorkingHours.objects.create()
    Submission.objects.create(
        form=w["webform"], created_at=NOW, status="spam", email="bot@x.example"
    )
    w["email_unmatched"] = InboundEmail.objects.create(
        message_id="<matrix@nowhere.example>", from_address="x@nowhere.example", subject="Hi"
    )
    MailboxState.objects.create(key="imap://crm@imap.example:143/INBOX")
    ReminderPreference.objects.create(user=rep)
    OutboxEmail.objects.create(
        recipient=rep,
        to_address="rep@example.com",
        kind=Kind.NEXT_ACTIONS,
        idempotency_key="matrix",
        subject="Your overdue next actions",
        body_text="MXq",
    )
    w["unsubscribe"] = unsubscribe_token(user_id=rep.pk, kind=Kind.NEXT_ACTIONS)
    # A webhook endpoint with a delivery and its attempt (made last: the world's own
    # events have no endpoint to go to).
    w["webhook"] = Endpoint.objects.create(url="https://hooks.example.com/in", events=["deal.won"])
    delivery = Delivery.objects.create(
        endpoint=w["webhook"],
        event_id="evt_matrix",
        event_type="deal.won",
        payload={"type": "deal.won", "timestamp": "2026-11-26T10:00:00Z", "data": {}},
    )
    Attempt.objects.create(delivery=delivery, status_code=500, response_body="MXq")

    # One session and one API token per signed-in role.
    w.sessions, w.tokens = {}, {}
    for role, username in USERNAME.items():
        client = Client()
        client.force_login(users[username])
        w.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        w.tokens[role] = api_token_create(user=users[username], name="matrix")[1]
        w[f"calendar:{role}"] = calendar_token(user=users[username])
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with time_machine.travel(NOW, tick=False), django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# Running cases ----------------------------------------------------------------------------


@dataclass
class Answer:
    status: Any
    text: str


def _answer(response) -> Answer:
    status: Any = response.status_code
    if status == 302:
        location = response["Location"]
        if location.startswith(reverse("admin:login")):
            status = ADMIN_LOGIN
        elif location.startswith(reverse("accounts:login")):
            status = LOGIN
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return Answer(status, content.decode("utf-8", "replace"))


def request(
    world: World,
    role: str,
    method: str,
    path: str,
    *,
    query: dict | None = None,
    body: dict | None = None,
    api_call: bool = False,
) -> Answer:
    """One request in its own savepoint: whatever it writes is undone."""
    client = world.client_for(role)
    if query:
        path = f"{path}?{urlencode(query)}"
    with transaction.atomic():
        if api_call:
            response = client.generic(
                method,
                path,
                json.dumps(body) if body is not None else "",
                content_type="application/json",
                headers=world.api_headers(role),
            )
        elif method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, body or {})
        answer = _answer(response)  # a streamed CSV reads the database as it goes
        transaction.set_rollback(True)
    return answer


def expand(spec: Any, kind: str | None, role: str) -> Iterator[tuple[str, str | None, Any]]:
    """(part, world object name, expected answer) of each case of one role. A tuple spec
    names its parts (own, other, invisible); a matrix that expects a part the role does not
    have in SLOTS, or has no answer for one it has, is itself a failure."""
    if kind is None:
        assert not isinstance(spec, tuple), "a route without an object takes one answer a role"
        yield "-", None, spec
        return
    names = SLOTS[kind][role]
    for index, part in enumerate(PARTS):
        expected = spec[index] if isinstance(spec, tuple) else spec
        if names[index] is None:
            assert not isinstance(spec, tuple) or expected is None, (
                f"the matrix expects {role}'s {part} {kind}, which SLOTS does not have"
            )
            continue
        assert expected is not None, f"no answer for {role}'s {part} {kind}"
        for name in names[index] if isinstance(names[index], tuple) else (names[index],):
            yield part, name, expected


def _found(text: str, markers: set[str]) -> set[str]:
    return {marker for marker in markers if marker in text}


# Deals and projects are also named by id: in links (browser) and in ``*_id`` fields (API).
REFERENCES = {
    "deal": (re.compile(r"/deals/(\d+)/"), re.compile(r'"deal_id":\s*(\d+)')),
    "project": (re.compile(r"/projects/(\d+)/"), re.compile(r'"project_id":\s*(\d+)')),
}
TITLES = {
    "deal": {
        "deal_open_rep": "MXq-D-OPEN-REP",
        "deal_open_other": "MXq-D-OPEN-OTHER",
        "deal_lost_rep": "MXq-D-LOST-REP",
        "deal_lost_other": "MXq-D-LOST-OTHER",
        "deal_won_rep": "MXq-D-WON-REP",
        "deal_won_other": "MXq-D-WON-OTHER",
    },
    "project": {"p1": "MXq-P-WON-REP", "p2": "MXq-P-WON-OTHER", "p3": "MXq-P-INTERNAL"},
}


def _referenced(world: World, text: str, role: str) -> set[str]:
    """The deals and projects ``role`` may not open that ``text`` links to or names by id."""
    found = set()
    for kind, patterns in REFERENCES.items():
        ids = {int(match) for pattern in patterns for match in pattern.findall(text)}
        for name, marker in TITLES[kind].items():
            if marker in INVISIBLE_TO[role] and world[name].pk in ids:
                found.add(f"{name} (id {world[name].pk})")
    return found


def check(
    world: World, answer: Answer, expected: Any, role: str, lists: tuple[str, ...], label: str
) -> list[str]:
    """What is wrong with one answer: its status, anything the role may not open in it (by
    its text, or a link or id of it in a success), or a list that does not show exactly what
    the role may open."""
    problems = []
    if answer.status != expected:
        problems.append(f"{label}: expected {expected}, got {answer.status}")
    leaked = _found(answer.text, INVISIBLE_TO[role])
    if isinstance(answer.status, int) and answer.status < 300:
        leaked |= _referenced(world, answer.text, role)
    if leaked:
        problems.append(f"{label}: shows what {role} may not open: {sorted(leaked)}")
    if answer.status == 200:
        for kind in lists:
            shown = _found(answer.text, MARKERS[kind])
            if shown != visible(kind, role):
                problems.append(
                    f"{label}: lists {sorted(shown)} of {kind}, not {sorted(visible(kind, role))}"
                )
    return problems


def _body(body: Body, world: World, obj: Any) -> dict | None:
    return body(world, obj) if callable(body) else body


def _kwargs(spec_kwargs: dict, world: World, role: str) -> dict:
    kwargs = dict(spec_kwargs)
    if kwargs.get("token") == "valid":
        kwargs["token"] = world["unsubscribe"]
    elif kwargs.get("token") == "calendar":  # the role's own feed (anonymous has none)
        kwargs["token"] = world.get(f"calendar:{role}", "none")
    return kwargs


def run_route(world: World, entry_id: str, spec: Route) -> tuple[int, list[str]]:
    name = base(entry_id)
    ran, problems = 0, []
    for method, answers in spec.methods.items():
        for role in ROLES:
            for part, obj_name, expected in expand(answers[role], spec.kind, role):
                obj = world[obj_name] if obj_name else None
                kwargs = _kwargs(spec.kwargs, world, role)
                if obj is not None and spec.pk_in_path:
                    kwargs["pk"] = obj.pk
                path = spec.url or reverse(name, kwargs=kwargs or None)
                answer = request(
                    world, role, method, path, query=spec.query, body=_body(spec.body, world, obj)
                )
                label = f"{method} {entry_id} as {role}, {part} {obj_name or ''}".rstrip()
                problems += check(world, answer, expected, role, spec.lists, label)
                ran += 1
    return ran, problems


def run_operation(world: World, entry_id: str, spec: Operation) -> tuple[int, list[str]]:
    op_id = base(entry_id)
    method, path_template = api_operations()[op_id]
    param = re.search(r"{(\w+_id)}", path_template)
    ran, problems = 0, []
    for role in ROLES:
        for part, obj_name, expected in expand(spec.expect[role], spec.kind, role):
            obj = world[obj_name] if obj_name else None
            kwargs = dict(spec.kwargs)
            if obj is not None:
                assert param, f"{op_id} takes no object"
                kwargs[param.group(1)] = obj.pk
            path = reverse(f"api-1.0.0:{op_id}", kwargs=kwargs or None)
            body = _body(spec.body, world, obj)
            answer = request(world, role, method, path, body=body, api_call=True)
            label = f"{method} {path_template} ({entry_id}) as {role}, {part} {obj_name or ''}"
            problems += check(world, answer, expected, role, spec.lists, label.rstrip())
            ran += 1
    return ran, problems


# The admin's entries, generated from its registry ------------------------------------------

ADMIN_SITE_VIEWS = {
    # name: what an admin gets (GET)
    "admin:index": 200,
    "admin:login": 302,  # already signed in: on to the index
    "admin:logout": 405,  # signing out is a POST
    "admin:password_change": 200,
    "admin:password_change_done": 200,
    "admin:autocomplete": 403,  # without its parameters
    "admin:jsi18n": 200,
    "admin:view_on_site": 404,  # no Relay model has a page of its own
    "admin:app_list": 200,
    "admin:inbox_inboundemail_poll": 405,  # "Poll the mailbox now" is a POST
    "admin:[admin/(?P<url>.*)$]": 404,  # the catch-all, for a path that is not there
}
MODEL_VIEWS = ("changelist", "add", "history", "delete", "change")


def _registry() -> dict[str, tuple[Any, Any]]:
    return {
        f"{model._meta.app_label}_{model._meta.model_name}": (model, model_admin)
        for model, model_admin in admin.site._registry.items()
    }


def admin_entry(entry_id: str, path: str) -> tuple[str, Any] | None:
    """(view, model key) of an admin pattern: a site view, a model's view, or its old
    ``<object_id>/`` address; None when it is none of those (the test then fails)."""
    if entry_id in ADMIN_SITE_VIEWS:
        return "site", None
    registry = _registry()
    name = entry_id.removeprefix("admin:")
    if name == "auth_user_password_change":
        return "password", "accounts_user"
    for view in MODEL_VIEWS:
        key = name.removesuffix(f"_{view}")
        if name.endswith(f"_{view}") and key in registry:
            return view, key
    old = re.fullmatch(r"admin:\[admin/(\w+)/(\w+)/<path:object_id>/\]", entry_id)
    if old and f"{old[1]}_{old[2]}" in registry:
        return "old", f"{old[1]}_{old[2]}"
    return None


def _admin_object(key: str) -> Any:
    model, _admin = _registry()[key]
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the world has no {key} for its admin pages"
    return obj


def _admin_path(world: World, entry_id: str, path: str, view: str, key: str | None) -> str:
    if view == "site":
        if entry_id == "admin:app_list":
            return reverse("admin:app_list", kwargs={"app_label": "crm"})
        if entry_id == "admin:view_on_site":
            deal = world["deal_open_rep"]
            content_type = ContentType.objects.get_for_model(deal)
            return reverse("admin:view_on_site", args=[content_type.pk, deal.pk])
        if entry_id.startswith("admin:["):
            return "/admin/no-such-page/"
        return reverse(entry_id)
    obj = _admin_object(key) if view not in ("changelist", "add") else None
    if view == "old":
        return f"/{path.replace('<path:object_id>', str(obj.pk))}"
    if view == "password":
        return reverse("admin:auth_user_password_change", args=[obj.pk])
    return reverse(entry_id, args=[obj.pk] if obj is not None else None)


def _admin_expected(world: World, entry_id: str, view: str, key: str | None) -> Any:
    """What an admin gets, as the ModelAdmin's own permissions say (tests/test_admin.py
    pins those: history read-only, deals never deleted...)."""
    if view == "site":
        return ADMIN_SITE_VIEWS[entry_id]
    if view in ("old",):
        return 302
    if view == "password":
        return 200
    _model, model_admin = _registry()[key]
    request_ = RequestFactory().get("/admin/")
    request_.user = world["admin"]
    obj = _admin_object(key) if view not in ("changelist", "add") else None
    allowed = {
        "changelist": lambda: model_admin.has_view_or_change_permission(request_),
        "add": lambda: model_admin.has_add_permission(request_),
        "change": lambda: model_admin.has_view_or_change_permission(request_, obj),
        "history": lambda: model_admin.has_view_or_change_permission(request_, obj),
        "delete": lambda: model_admin.has_delete_permission(request_, obj),
    }[view]()
    return 200 if allowed else 403


def admin_matrix(entry_id: str, view: str) -> dict[str, dict[str, Any]]:
    """GET for every role, POST for every role but the admin: nobody but an admin gets past
    the admin's sign-in page (whose form answers itself). Anonymous visitors go to a sign-in
    page too: the admin's for the site's own views, Relay's for the models' views (Django
    marks only the former as not needing a login)."""
    anon = ADMIN_LOGIN if view == "site" else LOGIN
    if entry_id == "admin:login":
        others, anon = 200, 200
    elif entry_id == "admin:logout":
        others = 302  # the admin sends someone signed in but not staff to its index
    else:
        others = ADMIN_LOGIN
    answers = roles(
        rep=others,
        manager=others,
        lead=others,
        member=others,
        admin="admin's own",  # _admin_expected, from the registry
        no_role=others,
        anon=anon,
    )
    return {"GET": answers, "POST": {role: answers[role] for role in ROLES if role != ADMIN}}


# Tests ------------------------------------------------------------------------------------

BROWSER_ENTRIES = sorted(ROUTES)
API_ENTRIES = sorted(OPERATIONS)
ADMIN_ENTRIES = sorted(admin_routes())


def test_every_route_has_a_matrix_entry():
    """The walker: every URL pattern and API operation has entries for every role and
    method, and every entry names a route or operation that exists."""
    walked = walked_routes()
    operations = api_operations()
    api_pattern_names = {f"api-1.0.0:{op_id}" for op_id in operations}
    site = {rid for rid in walked if not rid.startswith("admin:") and rid not in api_pattern_names}
    entries = {base(entry_id) for entry_id in ROUTES}
    assert sorted(site - entries) == [], "routes without a matrix entry"
    assert sorted(entries - site) == [], "matrix entries for routes that do not exist"
    api_entries = {base(entry_id) for entry_id in OPERATIONS}
    assert sorted(set(operations) - api_entries) == [], "API operations without a matrix entry"
    assert sorted(api_entries - set(operations)) == [], "entries for operations that do not exist"
    # Every pattern the API mounts is an operation or one of its own pages above.
    api_patterns = {rid for rid in walked if rid.startswith("api-1.0.0:")}
    assert api_patterns <= api_pattern_names | entries
    for entry_id in ADMIN_ENTRIES:
        assert admin_entry(entry_id, walked[entry_id]) is not None, f"no entry for {entry_id}"
    for entry_id, spec in ROUTES.items():
        assert set(spec.methods) == {"GET", "POST"}, entry_id
        for method, answers in spec.methods.items():
            assert set(answers) == set(ROLES), f"{method} {entry_id}: roles missing"
            for role in ROLES:
                list(expand(answers[role], spec.kind, role))  # fails on a part SLOTS lacks
    for entry_id, op in OPERATIONS.items():
        assert set(op.expect) == set(ROLES), f"{entry_id}: roles missing"
        for role in ROLES:
            list(expand(op.expect[role], op.kind, role))


@pytest.mark.parametrize("entry_id", BROWSER_ENTRIES)
def test_route(world, db, entry_id):
    ran, problems = run_route(world, entry_id, ROUTES[entry_id])
    assert ran > 0
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry_id", API_ENTRIES)
def test_api_operation(world, db, entry_id):
    ran, problems = run_operation(world, entry_id, OPERATIONS[entry_id])
    assert ran > 0
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("entry_id", ADMIN_ENTRIES)
def test_admin_route(world, db, entry_id):
    path_pattern = admin_routes()[entry_id]
    view, key = admin_entry(entry_id, path_pattern)
    path = _admin_path(world, entry_id, path_pattern, view, key)
    problems = []
    for method, answers in admin_matrix(entry_id, view).items():
        for role, expected in answers.items():
            if role == ADMIN:
                expected = _admin_expected(world, entry_id, view, key)
            answer = request(world, role, method, path)
            problems += check(world, answer, expected, role, (), f"{method} {path} as {role}")
    assert not problems, "\n".join(problems)


@pytest.fixture(autouse=True)
def _webforms_unthrottled(settings):
    """Every role posts to one web form from one address at one frozen moment."""
    settings.WEBFORMS_PER_MINUTE = settings.WEBFORMS_PER_HOUR = 10_000
