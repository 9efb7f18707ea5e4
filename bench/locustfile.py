"""Relay's working day under Locust: sales reps, managers, delivery leads and members.

Started by ``bench/load.py`` (``python -m bench.load``), which serves Relay with gunicorn and a
Celery worker and writes the plan this file reads (``RELAY_LOAD_PLAN``, JSON): one entry per
simulated user, with the account it signs in as, its API token and the rows it may write to.
Each simulated user signs in through the login form (its CSRF token from the page) and then,
with a few seconds' thought between clicks, reads and writes as its role does in a day. Every
write goes through the real form (fields and hidden version read from the page just shown) or
the JSON API with the account's token. Simulated users that share an account are given
disjoint rows to write to, so an edit conflict (409) is an error here like any other.

This module runs inside Locust (gevent); it imports nothing from Relay.
"""

import csv
import itertools
import json
import os
import random
import re
from collections import defaultdict
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any, ClassVar

import gevent
from locust import HttpUser, between, events, task
from requests.cookies import RequestsCookieJar

PLAN: dict[str, Any] = json.loads(open(os.environ["RELAY_LOAD_PLAN"]).read())  # noqa: SIM115
THINK = tuple(float(s) for s in os.environ.get("RELAY_LOAD_THINK", "10,50").split(","))
#: The run stops this long after the last simulated user has signed in (Locust's -t is only a
#: safety limit): the sign-ins of a ramp queue behind each other's password hashes.
SECONDS = float(os.environ.get("RELAY_LOAD_SECONDS", "300"))
_signed_in = itertools.count(1)
_environment: list[Any] = []


@events.init.add_listener
def _keep(environment, **kwargs) -> None:
    _environment.append(environment)


def _one_more_signed_in() -> None:
    total = sum(len(entries) for entries in PLAN["sessions"].values())
    if next(_signed_in) == total:
        print(f"All {total} users signed in; stopping in {SECONDS:.0f} s.", flush=True)
        gevent.spawn_later(SECONDS, lambda: _environment[0].runner.quit())


# Each role's simulated users take the next plan entry of that role.
_entries: dict[str, itertools.count] = defaultdict(itertools.count)


# Every request's timing, for percentiles over any subset (bench/load.py reads them).
_timings: list[tuple[float, str, str, float, int, str]] = []


@events.request.add_listener
def _record(request_type, name, response_time, exception, start_time=None, **kwargs) -> None:
    error = "" if exception is None else str(exception).replace("\n", " ")[:300]
    at = start_time or 0.0
    _timings.append((at, request_type, name, response_time, int(exception is None), error))


@events.quitting.add_listener
def _write_timings(environment, **kwargs) -> None:
    path = os.environ.get("RELAY_LOAD_TIMINGS")
    if not path:
        return
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["start", "method", "name", "ms", "ok", "error"])
        writer.writerows(sorted(_timings))


class PlainHttpJar(RequestsCookieJar):
    """With DEBUG off the session and CSRF cookies are Secure; browsers keep sending them to
    http://127.0.0.1 (a secure context), requests does not. This jar drops the flag."""

    def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> None:
        cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


class Form:
    def __init__(self, action: str, attrs: dict[str, str]) -> None:
        self.action = action
        self.attrs = attrs
        self.fields: dict[str, str] = {}


class Forms(HTMLParser):
    """The page's forms with the values a browser would submit unchanged."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            self.forms.append(Form(attrs.get("action", ""), attrs))
            return
        if not self.forms:
            return
        fields = self.forms[-1].fields
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
                fields.setdefault(self._select, value)
            if "selected" in attrs:
                fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1].fields[self._textarea] += data

    def find(self, action_pattern: str) -> Form | None:
        for form in self.forms:
            if re.search(action_pattern, form.action) and form.attrs.get("method") == "post":
                return form
        return None


class RelayUser(HttpUser):
    abstract = True
    wait_time = between(*THINK)
    role: ClassVar[str] = ""

    def on_start(self) -> None:
        entries = PLAN["sessions"][self.role]
        self.me: dict[str, Any] = entries[next(_entries[self.role]) % len(entries)]
        self.rng = random.Random(self.me["seed"])
        self.client.cookies = PlainHttpJar()
        self.api = {"Authorization": f"Bearer {self.me['token']}"}
        self.sign_in()

    # --- helpers ------------------------------------------------------------------------

    def pick(self, key: str) -> Any:
        # The session's own list when it has one (its projects, its rows), else the shared one.
        items = self.me[key] if key in self.me else PLAN["shared"].get(key, [])
        return self.rng.choice(items) if items else None

    def page(self, url: str, name: str | None = None) -> str:
        with self.client.get(url, name=name or url, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")
            elif "/accounts/login/" in response.url and "/accounts/login/" not in url:
                response.failure(f"signed out at {url}")
            return response.text or ""

    def submit(self, page_html: str, action: str, name: str, **changes: str) -> None:
        """Post the form whose action matches ``action`` with its own values and ``changes``;
        a form re-shown with errors (or any status but a redirect to 200) is a failure."""
        form = Forms(page_html).find(action)
        if form is None:
            with self.client.get("/", name=name, catch_response=True) as response:
                response.failure(f"no form {action} on the page")
            return
        data = {**form.fields, **changes}
        with self.client.post(form.action, data=data, name=name, catch_response=True) as response:
            if response.status_code != 200 or not response.history:
                response.failure(f"{response.status_code}: {response.text[:300]!r}")
            elif "errorlist" in response.text or 'aria-invalid="true"' in response.text:
                response.failure("the form came back with errors")

    def api_get(self, url: str, name: str) -> Any:
        with self.client.get(url, headers=self.api, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return None
            return response.json()

    def sign_in(self) -> None:
        html = self.page("/accounts/login/", name="sign in: form")
        form = Forms(html).find(r"/accounts/login/")
        fields = dict(form.fields) if form else {}
        fields.update(username=self.me["username"], password=PLAN["password"])
        with self.client.post(
            "/accounts/login/", data=fields, name="sign in: post", catch_response=True
        ) as response:
            if response.status_code != 200 or "/accounts/login/" in response.url:
                response.failure(f"sign-in failed for {self.me['username']}")
        _one_more_signed_in()

    # --- reads shared by everyone -------------------------------------------------------

    def my_work(self) -> None:
        self.page("/", name="my work")

    def search(self) -> None:
        term = self.pick("search_terms") or "a"
        self.page(f"/search/?q={term}", name="search ?q=")

    def project_list(self) -> None:
        self.page("/projects/", name="project list")

    def project_page(self) -> None:
        project = self.pick("projects")
        if project:
            view = self.rng.choice(["", "", "board/", "timeline/"])
            self.page(f"/projects/{project}/{view}", name=f"project page {view or 'list'}")

    def deal_page(self) -> None:
        self.page(f"/deals/{self.pick('deals')}/", name="deal page")


class SalesRep(RelayUser):
    role = "sales_rep"

    @task(5)
    def home(self) -> None:
        self.my_work()

    @task(4)
    def board(self) -> None:
        self.page("/pipeline/", name="pipeline board")

    @task(4)
    def deal_list(self) -> None:
        page = self.rng.choice([1, 1, 1, 2, 3, 5])
        sort = self.rng.choice(["", "next_action_due_at", "-amount", "expected_close_date"])
        self.page(f"/deals/?page={page}&sort={sort}", name="deal list ?page&sort")

    @task(2)
    def deal_search(self) -> None:
        self.page(f"/deals/?q={self.pick('search_terms')}", name="deal list ?q=")

    @task(2)
    def overdue(self) -> None:
        self.page("/deals/?overdue=on&sort=next_action_due_at", name="deal list overdue")

    @task(6)
    def read_deal(self) -> None:
        self.deal_page()

    @task(2)
    def companies(self) -> None:
        if self.rng.random() < 0.5:
            self.page("/companies/", name="company list")
        else:
            self.page(f"/companies/{self.pick('companies')}/", name="company page")

    @task(2)
    def contacts(self) -> None:
        if self.rng.random() < 0.5:
            self.page("/contacts/", name="contact list")
        else:
            self.page(f"/contacts/{self.pick('contacts')}/", name="contact page")

    @task(2)
    def find(self) -> None:
        self.search()

    @task(1)
    def dashboard(self) -> None:
        self.page("/dashboards/sales/", name="sales dashboard")

    @task(3)
    def log_activity(self) -> None:
        deal = self.pick("deals")
        html = self.page(f"/deals/{deal}/", name="deal page")
        self.submit(
            html,
            r"/activities/$",
            "log an activity (form)",
            kind=self.rng.choice(["call", "note", "email", "meeting"]),
            body="Spoke about the timeline; they want a revised quote.",
        )

    @task(3)
    def next_action(self) -> None:
        deal = self.pick("own_deals")
        if not deal:
            return self.log_activity()
        html = self.page(f"/deals/{deal}/", name="deal page")
        due = date.today() + timedelta(days=self.rng.randint(1, 14))
        self.submit(
            html,
            r"/next-action/complete/$",
            "complete and set next action (form)",
            kind="call",
            outcome="Reached them; budget confirmed.",
            next_action="Send the revised proposal",
            next_action_due_date=due.isoformat(),
            next_action_due_time="",
        )

    @task(2)
    def move_stage(self) -> None:
        """An integration (or the board) moves one of the rep's deals a step on, by the API."""
        deal_id = self.pick("own_deals")
        if not deal_id:
            return
        deal = self.api_get(f"/api/v1/deals/{deal_id}", name="API deal")
        if deal is None:
            return
        body: dict[str, Any] = {"version": deal["version"]}
        if deal["stage"] == "lead":
            name = "qualify"
            notes = deal["qualification_notes"] or "Budget and need confirmed."
            body["qualification_notes"] = notes
        elif deal["stage"] == "qualified":
            name = "propose"
            if float(deal["amount"]) <= 0:
                body["amount"] = "12000.00"
            body["expected_close_date"] = (
                deal["expected_close_date"] or (date.today() + timedelta(days=45)).isoformat()
            )
        elif deal["stage"] == "proposal":
            name = "negotiate"
        else:
            return  # negotiation: winning takes the handoff, not a click
        with self.client.post(
            f"/api/v1/deals/{deal_id}/transitions/{name}",
            json=body,
            headers=self.api,
            name="API move deal stage",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:300]}")

    @task(2)
    def api_reads(self) -> None:
        self.api_get("/api/v1/deals?limit=50", name="API deals ?limit=50")
        if self.rng.random() < 0.3:
            self.api_get("/api/v1/reports/pipeline", name="API report pipeline")


class SalesManager(RelayUser):
    role = "sales_manager"

    @task(3)
    def home(self) -> None:
        self.my_work()

    @task(5)
    def board(self) -> None:
        owner = self.pick("owner_ids")
        if owner and self.rng.random() < 0.4:
            self.page(f"/pipeline/?owner={owner}", name="pipeline board ?owner")
        else:
            self.page("/pipeline/", name="pipeline board")

    @task(4)
    def deal_list(self) -> None:
        sort = self.rng.choice(["-amount", "next_action_due_at", "expected_close_date", "title"])
        self.page(f"/deals/?sort={sort}&stage=open", name="deal list ?page&sort")

    @task(3)
    def read_deal(self) -> None:
        self.deal_page()

    @task(4)
    def dashboard(self) -> None:
        self.page("/dashboards/sales/", name="sales dashboard")

    @task(1)
    def delivery(self) -> None:
        self.page("/dashboards/delivery/", name="delivery dashboard")

    @task(1)
    def find(self) -> None:
        self.search()

    @task(1)
    def companies(self) -> None:
        self.page("/companies/", name="company list")

    @task(3)
    def reports(self) -> None:
        report = self.rng.choice(["pipeline", "forecast", "sources", "follow-up"])
        self.api_get(f"/api/v1/reports/{report}", name=f"API report {report}")

    @task(1)
    def note(self) -> None:
        html = self.page(f"/deals/{self.pick('deals')}/", name="deal page")
        self.submit(
            html,
            r"/activities/$",
            "log an activity (form)",
            kind="note",
            body="Reviewed in the pipeline meeting: push for a decision this month.",
        )


class DeliveryLead(RelayUser):
    role = "delivery_lead"

    @task(3)
    def home(self) -> None:
        self.my_work()

    @task(2)
    def projects(self) -> None:
        self.project_list()

    @task(5)
    def project(self) -> None:
        self.project_page()

    @task(2)
    def delivery(self) -> None:
        self.page("/dashboards/delivery/", name="delivery dashboard")

    @task(1)
    def won_deal(self) -> None:
        self.deal_page()

    @task(1)
    def find(self) -> None:
        self.search()

    @task(1)
    def api_reads(self) -> None:
        self.api_get("/api/v1/projects?limit=50", name="API projects ?limit=50")

    @task(2)
    def edit_task(self) -> None:
        task_id = self.pick("own_tasks")
        if not task_id:
            return self.project_page()
        html = self.page(f"/projects/tasks/{task_id}/", name="task page")
        self.submit(
            html,
            r"/tasks/\d+/edit/$",
            "edit a task (form)",
            description=f"Checked with the customer on {date.today():%d %b}.",
        )

    @task(2)
    def comment(self) -> None:
        task_id = self.pick("tasks")
        if task_id:
            html = self.page(f"/projects/tasks/{task_id}/", name="task page")
            self.submit(html, r"/comments/new/$", "comment (form)", body="Looks good, go ahead.")


class DeliveryMember(RelayUser):
    role = "delivery_member"

    @task(5)
    def home(self) -> None:
        self.my_work()

    @task(4)
    def project(self) -> None:
        self.project_page()

    @task(1)
    def projects(self) -> None:
        self.project_list()

    @task(4)
    def read_task(self) -> None:
        task_id = self.pick("tasks")
        if task_id:
            self.page(f"/projects/tasks/{task_id}/", name="task page")

    @task(3)
    def status(self) -> None:
        task_id = self.pick("own_tasks")
        if not task_id:
            return self.read_task()
        html = self.page(f"/projects/tasks/{task_id}/", name="task page")
        form = Forms(html).find(r"/status/$")
        current = form.fields.get("status") if form else None
        following = {"todo": "in_progress", "in_progress": "done", "done": "in_progress"}
        self.submit(
            html,
            r"/status/$",
            "set task status (form)",
            status=following.get(current or "", "in_progress"),
        )

    @task(2)
    def comment(self) -> None:
        task_id = self.pick("tasks")
        if task_id:
            html = self.page(f"/projects/tasks/{task_id}/", name="task page")
            self.submit(
                html, r"/comments/new/$", "comment (form)", body="Done on my side, over to QA."
            )

    @task(1)
    def find(self) -> None:
        self.search()


for _cls in (SalesRep, SalesManager, DeliveryLead, DeliveryMember):
    _cls.fixed_count = len(PLAN["sessions"][_cls.role])
del _cls  # else Locust finds the last class twice
