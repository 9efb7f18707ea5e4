import pytest
import time_machine
from django.core.management import call_command

from accounts.models import User
from crm.models import Company, Deal, ExchangeRate, convert
from dashboards.selectors import baseline_variance
from demo.seed import DEMO_USERS
from handoff.models import Handoff
from handoff.services import promise_check
from inbox.models import InboundEmail
from projects.models import Project, ProjectTemplate
from projects.selectors import template_histories
from webforms.models import WebForm

pytestmark = pytest.mark.django_db


# The variance is measured to the forecast, which counts from today: a fixed Thursday.
@time_machine.travel("2026-12-03 09:00:00+00:00", tick=False)
def test_seed_demo_runs_twice_and_changes_nothing_the_second_time(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = {
        "users": User.objects.count(),
        "deals": Deal.objects.count(),
        "companies": Company.objects.count(),
    }
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert counts == {
        "users": User.objects.count(),
        "deals": Deal.objects.count(),
        "companies": Company.objects.count(),
    }
    assert counts["deals"] == 40
    assert counts["companies"] == 20
    assert f"({len(DEMO_USERS)} new users, 40 new deals, 3 won with a kickoff project)" in first
    assert "(0 new users, 0 new deals, 0 won with a kickoff project)" in second
    assert Project.objects.count() == 11  # 3 kickoff projects and 8 internal ones
    # Six finished projects of the ready template teach it how long its tasks take, so
    # the two drafted handoffs' promise checks give a probability.
    standard = ProjectTemplate.objects.get(name="Standard delivery")
    history = template_histories([standard.pk])[standard.pk]
    assert history.project_count == 6
    assert all(task.count == 6 for task in history.tasks if task.planned_days)
    assert len({task.durations for task in history.tasks if task.planned_days}) > 1
    drafts = Handoff.objects.filter(project__isnull=True).order_by("deal_id")
    checks = [
        promise_check(
            template=h.template, kickoff_date=h.kickoff_date, promised_date=h.promised_date
        )
        for h in drafts
    ]
    assert [(c.history_count, c.probability is not None) for c in checks] == [(6, True)] * 2
    assert checks[0].probability < checks[1].probability == 1.0
    assert Deal.objects.filter(stage="won").count() == 3
    # Plans moved after kickoff: one build grew, one design shrank (in working days); the
    # forecast adds what progress says: the internal Intranet refresh (planned to finish
    # Mon 14 Dec) is forecast for Mon 28 Dec, 13 working days after its baseline (Wed 9 Dec).
    rows, total = baseline_variance(user=User.objects.get(username="dana"))
    assert total == 5
    assert [r["variance_days"] for r in rows] == [13, 4, 0, -1, -2]
    # Three open deals in USD, GBP and CHF, at the demo's rates of today.
    abroad = Deal.objects.exclude(currency="EUR").order_by("pk")
    assert [d.currency for d in abroad] == ["CHF", "GBP", "USD"]
    assert all(d.amount_base == convert(d.amount, d.exchange_rate) != d.amount for d in abroad)
    assert ExchangeRate.objects.count() == 30  # ten quarters of three currencies
    # The tools around it: a form ready to embed; one email on its deal, one to review.
    form = WebForm.objects.get()
    assert (form.name, form.source.name) == ("Website enquiry", "Website")
    assert sorted(u.username for u in form.owners.all()) == ["ravi", "rita"]
    emails = {e.subject: e for e in InboundEmail.objects.select_related("deal__owner")}
    assert sorted(emails) == ["Question about a support retainer", "Re: Your proposal"]
    reply = emails["Re: Your proposal"]
    assert (reply.status, reply.deal.owner.username) == ("matched", "rita")
    assert reply.activity.kind == "email" and reply.activity.deal_id == reply.deal_id
    assert emails["Question about a support retainer"].status == "unmatched"
    for demo in DEMO_USERS:
        assert f"  {demo.username:<8} {demo.role}" in second
        assert User.objects.get(username=demo.username).roles == frozenset({demo.role})
