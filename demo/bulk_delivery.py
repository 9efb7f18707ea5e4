"""The bulk demo's delivery rows: for every won deal its completed ``Handoff`` and kickoff
project (R5-R7), plus internal projects; each project as ``project_create_from_template``
makes it (the template's milestones, tasks, links and checklist, scheduled from the
kickoff, milestones dated by their tasks, the plan kept as baseline), then grown by its
lead through ``task_create`` / ``dependency_create`` to 40 tasks and worked on.

Dates come from ``projects.scheduling.schedule`` on the working calendar (holidays
included), exactly as ``project_reschedule`` stores them; statuses follow the plan, so
R8 holds (a task is in progress or done only when its FS/FF predecessors are done) and
R9 too (a milestone is approved only when its tasks are done, by its approver).
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import cast

from accounts.models import User
from demo.bulk_crm import DAY, DealSpec
from demo.bulk_load import Loader, Row
from demo.handoff_seed import next_monday
from handoff.models import Handoff
from projects import scheduling
from projects.models import (
    ChecklistItem,
    Dependency,
    Milestone,
    Project,
    ProjectStatus,
    ProjectTemplate,
    Task,
    TaskStatus,
    TemplateChecklistItem,
    TemplateDependency,
    TemplateMilestone,
    TemplateTask,
)
from projects.selectors import working_calendar

TASKS_PER_PROJECT = 40
# Versions: each status change is one more save (``save_row``) of the row.
STATUS_STEPS: dict[str, int] = {TaskStatus.TODO: 0, TaskStatus.IN_PROGRESS: 1, TaskStatus.DONE: 2}
PROJECT_STEPS: dict[str, int] = {ProjectStatus.PLANNING: 0, ProjectStatus.ACTIVE: 1}
STREAMS = 8  # the lead's extra tasks: parallel streams of build work
FEATURES = ["Checkout", "Search", "Reporting", "Sign-in", "Import", "Billing", "Admin", "API"]
OVERRIDE = "Customer accepted a phased go-live."
# Working days a template task takes over (+) or under (-) its plan, each equally likely.
SLIPS = (-1, 0, 0, 0, 1, 1, 2, 3)
INTERNAL = ["Intranet", "Support playbook", "Onboarding kit", "Sales enablement", "Tooling"]


@dataclass
class TemplatePlan:
    """The template, read once: its rows, and its plan from any kickoff (memoised)."""

    template: ProjectTemplate
    milestones: list[TemplateMilestone]
    tasks: list[TemplateTask]
    links: list[TemplateDependency]
    checklist: list[TemplateChecklistItem]
    calendar: scheduling.WorkingCalendar
    plans: dict[dt.date, scheduling.Schedule] = field(default_factory=dict)

    @classmethod
    def load(cls, template: ProjectTemplate, since: dt.date) -> "TemplatePlan":
        return cls(
            template=template,
            milestones=list(template.milestones.order_by("position", "pk")),
            tasks=list(template.tasks.order_by("position", "pk")),
            links=list(template.dependencies.order_by("pk")),
            checklist=list(template.checklist.order_by("position", "pk")),
            calendar=working_calendar(since=since),
        )

    def specs(self, start: dt.date) -> list[scheduling.TaskSpec]:
        """As ``project_create_from_template``: offsets become start-no-earlier-than."""
        return [
            scheduling.TaskSpec(
                i, tt.duration_days, tt.title, self.not_before(start, tt.offset_days)
            )
            for i, tt in enumerate(self.tasks)
        ]

    def not_before(self, start: dt.date, offset: int) -> dt.date | None:
        return self.calendar.add_working_days(start, offset) if offset else None

    def link_specs(self) -> list[scheduling.LinkSpec]:
        index = {tt.pk: i for i, tt in enumerate(self.tasks)}
        return [
            scheduling.LinkSpec(
                index[ln.predecessor_id], index[ln.successor_id], ln.kind, ln.lag_days
            )
            for ln in self.links
        ]

    def plan(self, start: dt.date) -> scheduling.Schedule:
        """The template's own plan from ``start`` (the promise check's and the baseline's)."""
        if start not in self.plans:
            self.plans[start] = scheduling.schedule(
                self.specs(start), self.link_specs(), start=start, calendar=self.calendar
            )
        return self.plans[start]


@dataclass
class ProjectSpec:
    id: int
    name: str
    description: str
    company: int | None
    lead: User
    members: list[User]
    start: dt.date
    promised: dt.date
    created_by: User
    created_at: dt.datetime
    deal: DealSpec | None = None


@dataclass
class Work:
    """One project's tasks (template first, then the lead's) and links, by local index."""

    titles: list[str]
    descriptions: list[str]
    durations: list[int]
    milestones: list[int | None]  # index into the template's milestones
    not_before: list[dt.date | None]
    links: list[scheduling.LinkSpec]


class DeliverySeeder:
    def __init__(
        self,
        *,
        loader: Loader,
        rng: random.Random,
        now: dt.datetime,
        template: TemplatePlan,
        leads: list[User],
        members: list[User],
    ) -> None:
        self.loader, self.rng, self.now, self.t = loader, rng, now, template
        self.today = now.date()
        self.leads, self.members = leads, members
        self.counts: dict[str, int] = {}

    # Which projects ---------------------------------------------------------------------

    def kickoffs(self, won: list[DealSpec]) -> list[ProjectSpec]:
        """R6: one project per won deal, from its handoff; R7 decides the override."""
        first = self.loader.reserve(Project, len(won))
        specs = []
        for n, deal in enumerate(won):
            assert deal.won_at is not None
            kickoff = next_monday(deal.won_at.astimezone(deal.owner.zone).date())
            promised = kickoff + DAY * self.rng.randint(25, 75)
            finish = self.t.plan(kickoff).finish
            deal.override_reason = OVERRIDE if finish and finish > promised else ""
            specs.append(
                ProjectSpec(
                    id=first + n,
                    name=deal.title,
                    description=f"{deal.title}: discovery, design, build and launch.",
                    company=deal.company,
                    lead=self._lead(),
                    members=self._members(),
                    start=kickoff,
                    promised=promised,
                    created_by=deal.owner,
                    created_at=deal.won_at,
                    deal=deal,
                )
            )
        return specs

    def internal(self, count: int) -> list[ProjectSpec]:
        first = self.loader.reserve(Project, count)
        monday = self.today - DAY * self.today.weekday()
        specs = []
        for n in range(count):
            start = monday + dt.timedelta(weeks=self.rng.randint(-52, 8))
            lead = self._lead()
            specs.append(
                ProjectSpec(
                    id=first + n,
                    name=f"{INTERNAL[n % len(INTERNAL)]} {n // len(INTERNAL) + 1} (internal)",
                    description=self.t.template.description,
                    company=None,
                    lead=lead,
                    members=self._members(),
                    start=start,
                    promised=start + DAY * self.rng.randint(30, 90),
                    created_by=lead,
                    created_at=min(self.now, _at(start - DAY * 7, 10)),
                )
            )
        return specs

    def _lead(self) -> User:
        return self.rng.choices(self.leads, weights=[3, *[2] * (len(self.leads) - 1)])[0]

    def _members(self) -> list[User]:
        k = self.rng.randint(1, min(3, len(self.members)))
        picked = self.rng.sample(self.members[1:], k - 1) if k > 1 else []
        first = self.members[0] if self.rng.random() < 0.4 else self.rng.choice(self.members[1:])
        return list(dict.fromkeys([first, *picked]))

    # The work of a project --------------------------------------------------------------

    def work(self) -> Work:
        t = self.t
        titles = [tt.title for tt in t.tasks]
        durations = [tt.duration_days for tt in t.tasks]
        ms_index = {m.pk: i for i, m in enumerate(t.milestones)}
        milestones = [ms_index.get(tt.milestone_id) if tt.milestone_id else None for tt in t.tasks]
        links = t.link_specs()
        # The lead's streams hang between the template's third task and its first
        # zero-length (sign-off) task, in that task's milestone.
        after = min(2, len(titles) - 1)
        before = next((i for i, d in enumerate(durations) if d == 0), None)
        extra = TASKS_PER_PROJECT - len(titles)
        for s in range(STREAMS):
            previous = after
            for k in range(extra // STREAMS + (1 if s < extra % STREAMS else 0)):
                titles.append(f"Build: {FEATURES[s % len(FEATURES)]} part {k + 1}")
                durations.append(self.rng.randint(1, 4))
                milestones.append(milestones[before] if before is not None else None)
                links.append(scheduling.LinkSpec(previous, len(titles) - 1))
                previous = len(titles) - 1
            if before is not None and previous != after:
                links.append(scheduling.LinkSpec(previous, before))
        return Work(
            titles=titles,
            descriptions=[tt.description for tt in t.tasks] + [""] * extra,
            durations=durations,
            milestones=milestones,
            not_before=[None] * len(titles),
            links=links,
        )

    # Rows -------------------------------------------------------------------------------

    def load(self, projects: list[ProjectSpec]) -> None:
        """Every row of ``projects``: the projects, their people, milestones, tasks, links,
        checklists, and the handoffs of the kickoff ones."""
        rows = _Rows()
        first_task = self.loader.reserve(Task, TASKS_PER_PROJECT * len(projects))
        first_ms = self.loader.reserve(Milestone, len(self.t.milestones) * len(projects))
        for n, project in enumerate(projects):
            self._project(
                project,
                rows,
                first_task=first_task + n * TASKS_PER_PROJECT,
                first_ms=first_ms + n * len(self.t.milestones),
            )
        loader = self.loader
        loader.load(Project, PROJECT_FIELDS, rows.projects)
        loader.load(Project.members.through, ["project_id", "user_id"], rows.members)
        loader.load(Milestone, MILESTONE_FIELDS, rows.milestones)
        loader.load(Task, TASK_FIELDS, rows.tasks)
        loader.load(Dependency, DEPENDENCY_FIELDS, rows.links)
        loader.load(ChecklistItem, CHECKLIST_FIELDS, rows.checklist)
        loader.load(Handoff, HANDOFF_FIELDS, rows.handoffs)

    def _project(self, p: ProjectSpec, rows: "_Rows", *, first_task: int, first_ms: int) -> None:
        work = self.work()
        slips = random.Random(p.id)  # its own, so the other rows stay as they were
        for i, spec in enumerate(self.t.specs(p.start)):
            work.not_before[i] = spec.not_before
            # Plans move after kickoff: a template task takes more or less than planned, so
            # the actual days of the finished projects vary (the template's history).
            if work.durations[i]:
                work.durations[i] = max(1, work.durations[i] + slips.choice(SLIPS))
        specs = [
            scheduling.TaskSpec(i, d, work.titles[i], work.not_before[i])
            for i, d in enumerate(work.durations)
        ]
        plan = scheduling.schedule(specs, work.links, start=p.start, calendar=self.t.calendar)
        base = self.t.plan(p.start)
        rebaselined = self.rng.random() < 0.7
        status, cut = self._status(p, plan.finish)
        task_status = [self._task_status(plan.tasks[i], status, cut) for i in range(len(specs))]
        people = [p.lead, *p.members]
        extra_at = min(self.now, p.created_at + DAY)
        last_position = max((tt.position for tt in self.t.tasks), default=0)
        for i in range(len(specs)):
            planned = plan.tasks[i]
            template_task = i < len(self.t.tasks)
            baseline: tuple[dt.date | None, dt.date | None]
            if rebaselined:
                baseline = (planned.start, planned.finish)
            elif template_task:
                baseline = (base.tasks[i].start, base.tasks[i].finish)
            else:
                baseline = (None, None)
            assignee = self.rng.choice(people[1:]) if self.rng.random() < 0.85 else None
            state = task_status[i]
            started = _at(planned.start, 9) if state != TaskStatus.TODO else None
            done = _at(planned.finish, 17) if state == TaskStatus.DONE else None
            created = p.created_at if template_task else extra_at
            steps = STATUS_STEPS[state]
            ms = work.milestones[i]
            position = (
                self.t.tasks[i].position
                if template_task
                else last_position + i - len(self.t.tasks) + 1  # task_create: max + 1
            )
            rows.tasks.append((
                first_task + i, p.id, work.titles[i], work.descriptions[i],
                assignee.pk if assignee else None, state, work.durations[i],
                work.not_before[i], first_ms + ms if ms is not None else None,
                position,
                planned.start, planned.finish, planned.total_float, planned.is_critical,
                *baseline, min(started, self.now) if started else None,
                min(done, self.now) if done else None,
                planned.start if started else None, planned.finish if done else None,
                1 + steps + (1 if assignee and template_task else 0), created,
                min(self.now, max(created, done or started or created)),
            ))  # fmt: skip
        for link in work.links:
            pred, succ = cast(int, link.predecessor), cast(int, link.successor)
            rows.links.append(
                (p.id, first_task + pred, first_task + succ, link.kind, link.lag, extra_at)
            )
        self._milestones(p, rows, base, task_status, work, first_ms, status)
        self._checklist(p, rows, status)
        grew = plan.finish != base.finish
        version = (
            2
            + (1 if grew else 0)
            + {ProjectStatus.PLANNING: 0, ProjectStatus.ACTIVE: 1}.get(status, 2)
        )
        rows.projects.append((
            p.id, p.name, p.description, p.company, p.lead.pk, status, self.t.template.pk,
            p.start, plan.finish, plan.finish if rebaselined else base.finish, p.promised,
            bool(plan.finish and plan.finish > p.promised), version, p.created_by.pk,
            p.created_at, min(self.now, max(p.created_at, _at(min(cut, plan.finish or cut), 18))),
        ))  # fmt: skip
        rows.members.extend((p.id, m.pk) for m in p.members)
        if p.deal is not None:
            self._handoff(p, rows)

    def _status(self, p: ProjectSpec, finish: dt.date | None) -> tuple[ProjectStatus, dt.date]:
        """The project's status and the day its tasks' progress is read at."""
        if p.start > self.today:
            return ProjectStatus.PLANNING, self.today
        if finish is not None and finish < self.today:
            if self.rng.random() < 0.1:
                return ProjectStatus.CANCELLED, p.start + (finish - p.start) * self.rng.random()
            return ProjectStatus.DONE, self.today
        return (
            ProjectStatus.ON_HOLD if self.rng.random() < 0.15 else ProjectStatus.ACTIVE
        ), self.today

    @staticmethod
    def _task_status(planned: scheduling.ScheduledTask, status: str, cut: dt.date) -> str:
        if status == ProjectStatus.PLANNING:
            return TaskStatus.TODO
        if planned.finish < cut:
            return TaskStatus.DONE
        return TaskStatus.IN_PROGRESS if planned.start <= cut else TaskStatus.TODO

    def _milestones(
        self,
        p: ProjectSpec,
        rows: "_Rows",
        base: scheduling.Schedule,
        task_status: list[str],
        work: Work,
        first_ms: int,
        status: str,
    ) -> None:
        """Dated by their template tasks' plan at creation (``_milestones_due_from_tasks``),
        that date kept as baseline; approved by the lead once all their tasks are done."""
        for k, tm in enumerate(self.t.milestones):
            own = [i for i, m in enumerate(work.milestones) if m == k]
            finishes = [base.tasks[i].finish for i in own if i < len(self.t.tasks)]
            due = max(finishes) if finishes else None
            all_done = bool(own) and all(task_status[i] == TaskStatus.DONE for i in own)
            approved = (
                tm.requires_approval and all_done and status != ProjectStatus.CANCELLED
                and due is not None and self.rng.random() < 0.85
            )  # fmt: skip
            approved_at = min(self.now, _at(due + DAY, 10)) if approved and due else None
            rows.milestones.append((
                first_ms + k, p.id, tm.name, due, due, tm.requires_approval,
                p.lead.pk if tm.requires_approval else None,
                p.lead.pk if approved else None, approved_at,
                "Signed off by the customer." if approved else "", tm.position,
                p.created_at, approved_at or p.created_at,
            ))  # fmt: skip

    def _checklist(self, p: ProjectSpec, rows: "_Rows", status: str) -> None:
        started = status != ProjectStatus.PLANNING
        for item in self.t.checklist:
            done = started or self.rng.random() < 0.3
            at = min(self.now, p.created_at + DAY) if done else None
            rows.checklist.append((p.id, item.text, item.position, at, p.lead.pk if done else None))

    def _handoff(self, p: ProjectSpec, rows: "_Rows") -> None:
        deal = p.deal
        assert deal is not None and deal.won_at is not None
        drafted = max(deal.times[-2], deal.won_at - DAY * self.rng.randint(1, 10))
        timeline = f"Live by {p.promised:%B %Y}, as agreed in the final call."
        rows.handoffs.append((
            deal.id, p.description, p.promised, timeline,
            "Brand guidelines; content freeze two weeks before go-live.", deal.contact, p.start,
            self.t.template.pk, p.lead.pk, deal.override_reason, p.id, deal.won_at,
            deal.owner.pk, drafted, deal.won_at, 1,
        ))  # fmt: skip


@dataclass
class _Rows:
    projects: list[Row] = field(default_factory=list)
    members: list[Row] = field(default_factory=list)
    milestones: list[Row] = field(default_factory=list)
    tasks: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)
    checklist: list[Row] = field(default_factory=list)
    handoffs: list[Row] = field(default_factory=list)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


PROJECT_FIELDS = [
    "id", "name", "description", "company_id", "delivery_lead_id", "status", "template_id",
    "start_date", "planned_finish", "baseline_finish", "promised_date", "at_risk", "version",
    "created_by_id", "created_at", "updated_at",
]  # fmt: skip
MILESTONE_FIELDS = [
    "id", "project_id", "name", "due_date", "baseline_date", "requires_approval",
    "approver_id", "approved_by_id", "approved_at", "approval_comment", "position",
    "created_at", "updated_at",
]  # fmt: skip
TASK_FIELDS = [
    "id", "project_id", "title", "description", "assignee_id", "status", "duration_days",
    "start_no_earlier_than", "milestone_id", "position", "planned_start", "planned_finish",
    "total_float", "is_critical", "baseline_start", "baseline_finish", "started_at",
    "completed_at", "actual_start", "actual_finish", "version", "created_at", "updated_at",
]  # fmt: skip
DEPENDENCY_FIELDS = [
    "project_id",
    "predecessor_id",
    "successor_id",
    "kind",
    "lag_days",
    "created_at",
]
CHECKLIST_FIELDS = ["project_id", "text", "position", "done_at", "done_by_id"]
HANDOFF_FIELDS = [
    "deal_id", "scope_summary", "promised_date", "promised_timeline", "key_constraints",
    "main_stakeholder_id", "kickoff_date", "template_id", "delivery_lead_id",
    "override_reason", "project_id", "completed_at", "completed_by_id", "created_at",
    "updated_at", "version",
]  # fmt: skip
