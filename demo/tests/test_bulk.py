from functools import partial

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from crm import services as crm_services
from crm.models import (
    OPEN_STAGES,
    Activity,
    Company,
    Contact,
    Deal,
    Stage,
    StageChange,
    convert,
)
from demo import bulk
from demo.bulk_load import Loader
from demo.money_seed import RateBook
from demo.seed import DEMO_PASSWORD, seed
from handoff.models import Handoff
from handoff.services import handoff_missing
from projects import services as project_services
from projects.models import (
    ChecklistItem,
    Dependency,
    Milestone,
    Project,
    ProjectStatus,
    ProjectTemplate,
    Task,
    TaskStatus,
)
from projects.selectors import MIN_FINISHED_PROJECTS, template_histories

pytestmark = pytest.mark.django_db

KINDS = [Company, Contact, Deal, StageChange, Activity, Handoff, Project, Milestone, Task]
KINDS += [Dependency, ChecklistItem, Project.members.through]


def counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in [User, *KINDS]}


@pytest.fixture
def seeded():
    result = seed(deals=300, bulk=True)
    return result


def test_bulk_makes_every_kind_in_proportion(seeded):
    assert (seeded.users_created, seeded.deals_created, seeded.deals_won) == (36, 300, 14)
    assert seeded.projects_created == 15  # 14 kickoff projects and one internal
    made = counts()
    assert {k: made[k] for k in list(made)[:3]} == {
        "accounts.User": 36,
        "crm.Company": 150,
        "crm.Contact": 600,
    }
    assert made["crm.Deal"] == 300
    assert made["crm.Activity"] == 3000
    assert made["handoff.Handoff"] == 14
    assert made["projects.Project"] == 15
    assert made["projects.Milestone"] == 45
    assert made["projects.Task"] == 600
    assert made["projects.Dependency"] == 15 * 48  # 9 of the template, 39 of the lead's
    assert made["projects.ChecklistItem"] == 75
    # Every transition left its stage change: a deal's version counts its saves.
    assert made["crm.StageChange"] == sum(
        v - 1 for v in Deal.objects.values_list("version", flat=True)
    )
    assert set(Deal.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Project.objects.values_list("status", flat=True)) <= set(ProjectStatus.values)
    assert User.objects.get(username="rep01").check_password(DEMO_PASSWORD)
    assert User.objects.get(username="lead03").has_role("delivery_lead")


def test_every_bulk_row_passes_full_clean(seeded):
    for model in KINDS[:-1]:
        # A deal's stage is FSM-protected: cleaned as crm.services._finalize cleans it.
        exclude = ["stage", "owner", "created_by"] if model is Deal else None
        for obj in model.objects.all():
            obj.full_clean(exclude=exclude)


def test_bulk_deals_are_what_the_services_make(seeded):
    probability = {stage: crm_services._probability(stage) for stage in Stage.values}
    for deal in Deal.objects.select_related("owner", "contact"):
        assert deal.next_action and deal.next_action_due_date  # R2, for every deal made
        assert deal.next_action_due_at == deal.compute_due_at(deal.owner.zone)
        assert deal.probability == probability[deal.stage]
        assert deal.created_by_id == deal.owner_id
        assert deal.contact.company_id == deal.company_id
        changes = list(
            deal.stage_changes.order_by("at", "pk").values_list("from_stage", "to_stage", "at")
        )
        assert [c[0] for c in changes] == [Stage.LEAD, *(c[1] for c in changes)][: len(changes)]
        assert (changes[-1][1] if changes else Stage.LEAD) == deal.stage
        assert deal.stage_entered_at == (changes[-1][2] if changes else deal.created_at)
        if deal.stage in (Stage.PROPOSAL, Stage.NEGOTIATION, Stage.WON):
            assert not crm_services.proposal_missing(deal)
        assert (deal.lost_reason_id is not None, deal.lost_at is not None) == (
            (deal.stage == Stage.LOST,) * 2
        )
        assert (deal.won_at is not None) == (deal.stage == Stage.WON)
    open_deals = Deal.objects.filter(stage__in=OPEN_STAGES)
    assert (
        open_deals.overdue().exists() and open_deals.exclude(pk__in=open_deals.overdue()).exists()
    )


def test_won_deals_have_their_handoff_and_kickoff_project(seeded):
    won = Deal.objects.filter(stage=Stage.WON)
    assert won.count() == Handoff.objects.filter(project__isnull=False).count() == 14
    for deal in won.select_related("handoff__project", "handoff__main_stakeholder"):
        handoff = deal.handoff
        assert handoff_missing(handoff) == []
        assert handoff.main_stakeholder.company_id == deal.company_id
        assert handoff.completed_at == deal.won_at and handoff.completed_by_id == deal.owner_id
        assert handoff.kickoff_date >= deal.won_at.date()
        project = handoff.project
        assert (project.name, project.company_id) == (deal.title, deal.company_id)
        assert (project.start_date, project.promised_date) == (
            handoff.kickoff_date,
            handoff.promised_date,
        )
        win = deal.stage_changes.get(to_stage=Stage.WON)
        assert win.override_reason == handoff.override_reason


def test_bulk_plans_are_the_schedulers_and_keep_r8_and_r9(seeded):
    for project in Project.objects.all():
        fields = ["pk", "planned_start", "planned_finish", "total_float", "is_critical"]
        before = list(Task.objects.filter(project=project).order_by("pk").values_list(*fields))
        with transaction.atomic():
            project_services.project_reschedule(project=project)
            after = list(Task.objects.filter(project=project).order_by("pk").values_list(*fields))
            transaction.set_rollback(True)
        assert after == before
        assert project.planned_finish == max(t[2] for t in before)
        assert project.at_risk == (project.planned_finish > project.promised_date)
        assert project.baseline_finish is not None
    for task in Task.objects.exclude(status=TaskStatus.TODO):
        assert project_services._blocking(task, task.status) == []  # R8
    for milestone in Milestone.objects.filter(approved_at__isnull=False):
        assert milestone.approved_by_id == milestone.approver_id  # R9
        assert not milestone.tasks.exclude(status=TaskStatus.DONE).exists()
    assert (
        not Task.objects.filter(project__status=ProjectStatus.PLANNING)
        .exclude(status=TaskStatus.TODO)
        .exists()
    )
    assert (
        not Task.objects.filter(project__status=ProjectStatus.DONE)
        .exclude(status=TaskStatus.DONE)
        .exists()
    )


def test_bulk_runs_twice_and_makes_nothing_the_second_time(seeded):
    before = counts()
    again = seed(deals=300, bulk=True)
    assert (again.users_created, again.deals_created, again.projects_created) == (0, 0, 0)
    assert counts() == before


def test_bulk_queries_do_not_grow_with_the_deals():
    made = []
    for deals in (200, 400):
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            seed(deals=deals, bulk=True)
            made.append((Deal.objects.count(), len(queries)))
            transaction.set_rollback(True)
    assert [d for d, _ in made] == [200, 400]
    assert made[0][1] == made[1][1] <= 650  # 30 users by user_create: most of them


def test_bulk_inserts_without_copy_make_the_same(monkeypatch):
    monkeypatch.setattr(bulk, "Loader", partial(Loader, copy=False))
    seed(deals=100, bulk=True)
    assert (Deal.objects.count(), Activity.objects.count(), Task.objects.count()) == (
        100,
        1000,
        200,
    )
    won = Deal.objects.filter(stage=Stage.WON, handoff__project__isnull=False)
    assert won.count() == 4  # and one internal project
    assert set(Project.objects.annotate(n=Count("tasks")).values_list("n", flat=True)) == {40}


def schema() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() UNION ALL "
            "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
        )
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and index rebuilds")
def test_bulk_leaves_every_index_and_constraint_as_migrated():
    before = schema()
    seed(deals=200, bulk=True)
    assert schema() == before
    assert any("crm_deal_title_trgm" in d for d in before)


def test_bulk_deals_are_in_the_running_totals(seeded):
    from crm.tests.test_scale import kept_totals, totals_from_deals

    assert kept_totals() == totals_from_deals()
    assert sum(n for n, _, _ in kept_totals().values()) == Deal.objects.count() == 300


def test_bulk_deals_carry_their_search_text(seeded):
    deals = Deal.objects.select_related("company", "contact")
    expected = {
        d.pk: "\n".join([d.title, d.company.name, *([d.contact.full_name] if d.contact else [])])
        for d in deals
    }
    assert dict(Deal.objects.values_list("pk", "search_text")) == expected
    deal = deals.filter(contact__isnull=False).first()
    assert deal is not None
    assert deal in Deal.objects.matching(deal.contact.last_name)


def test_bulk_deals_are_converted_at_the_rate_of_their_date_of_record(seeded):
    """A few percent in USD, GBP or CHF at the demo's rates, the rest in EUR at 1."""
    rates = RateBook.load()
    assert rates.currencies == ["CHF", "GBP", "USD"]
    by_currency = dict(
        Deal.objects.order_by()
        .values("currency")
        .annotate(n=Count("pk"))
        .values_list("currency", "n")
    )
    foreign = sum(n for code, n in by_currency.items() if code != "EUR")
    assert set(by_currency) == {"EUR", "CHF", "GBP", "USD"} and 6 <= foreign <= 30
    for deal in Deal.objects.all():
        rate = rates.on(deal.currency, deal.date_of_record())
        assert (deal.exchange_rate, deal.amount_base) == (rate, convert(deal.amount, rate))
    closed_abroad = Deal.objects.exclude(currency="EUR").exclude(stage__in=OPEN_STAGES)
    assert closed_abroad.exists()  # at the rates of their day, up to two years ago


def test_bulk_projects_keep_their_actual_days_and_finished_ones_teach_the_template(seeded):
    standard = ProjectTemplate.objects.get(name="Standard delivery")
    done = Project.objects.filter(status=ProjectStatus.DONE, template=standard)
    history = template_histories([standard.pk])[standard.pk]
    assert history.project_count == done.count() >= MIN_FINISHED_PROJECTS
    # A task started has its actual start, one done its actual finish, as the services keep.
    tasks = Task.objects.all()
    assert not tasks.exclude(status=TaskStatus.TODO).filter(actual_start__isnull=True).exists()
    assert not tasks.filter(status=TaskStatus.TODO, actual_start__isnull=False).exists()
    assert not tasks.filter(status=TaskStatus.DONE, actual_finish__isnull=True).exists()
    assert not tasks.exclude(status=TaskStatus.DONE).filter(actual_finish__isnull=False).exists()
    # What the template's tasks took varies from project to project.
    build = next(task for task in history.tasks if task.title == "Build")
    assert build.count == done.count() and len(set(build.durations)) > 1
