"""What keeps the lists fast at size: running deal totals, ids-first pages, capped counts,
and search through the indexes (PostgreSQL, as in production)."""

import datetime as dt
import functools
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from crm import selectors, services
from crm.models import Deal, DealTotal, ExchangeRate, LeadSource, Stage, close_key
from crm.tests.factories import CompanyFactory, ContactFactory, DealFactory
from records import paging

pytestmark = pytest.mark.django_db


def totals_from_deals() -> dict[tuple[str, int, int, int], tuple[int, Decimal, Decimal]]:
    sums: dict[tuple[str, int, int, int], list[Any]] = {}
    for deal in Deal.objects.all():
        key = (deal.stage, deal.owner_id, deal.source_id or 0, close_key(deal.expected_close_date))
        row = sums.setdefault(key, [0, Decimal(0), Decimal(0)])
        row[0] += 1
        row[1] += deal.amount_base
        row[2] += deal.amount_base * deal.probability / 100
    return {
        k: (n, total, weighted.quantize(Decimal("0.0001")))
        for k, (n, total, weighted) in sums.items()
    }


def kept_totals() -> dict[tuple[str, int, int, int], tuple[int, Decimal, Decimal]]:
    return {
        (t.stage, t.owner_id, t.source_key, t.close_key): (t.count, t.amount, t.weighted)
        for t in DealTotal.objects.exclude(count=0)
    }


def test_running_totals_follow_every_kind_of_write(rep, other_rep, manager, admin_user):
    source = LeadSource.objects.order_by("pk").first()
    today = timezone.localdate()
    ExchangeRate.objects.create(currency="CHF", rate=Decimal("1.0731"), valid_from=today)
    ExchangeRate.objects.create(currency="GBP", rate=Decimal("1.1688"), valid_from=today)
    deals = [DealFactory(owner=rep, proposal=True) for _ in range(3)]
    DealFactory(owner=other_rep, source=source, amount=Decimal("1234.56"))
    swiss = services.deal_create(
        by=rep,
        title="Swiss",
        company=deals[0].company,
        amount=Decimal("999.99"),
        currency="CHF",
        next_action="Call",
        next_action_due=today,
    )
    assert kept_totals() == totals_from_deals()
    # A move through the service, an amount edit, a reassignment, a queryset update,
    # a bulk insert and a delete.
    deals[0] = services.deal_move(deal=deals[0], by=rep, to_stage=Stage.NEGOTIATION)
    services.deal_update(deal=deals[1], by=rep, amount=Decimal("777.77"))
    services.deal_update(deal=deals[2], by=manager, owner=other_rep)
    services.deal_update(
        deal=deals[0],
        by=rep,
        expected_close_date=deals[0].expected_close_date + dt.timedelta(days=40),
    )
    Deal.objects.filter(owner=other_rep).update(probability=33)
    # The money: a new currency, a new amount in it, a re-conversion after a rate change,
    # and a queryset update of the base amounts.
    swiss = services.deal_update(deal=swiss, by=rep, currency="GBP")
    swiss = services.deal_update(deal=swiss, by=rep, amount=Decimal("1500.05"))
    ExchangeRate.objects.filter(currency="GBP").update(rate=Decimal("1.2"))
    assert services.deals_reconvert(by=admin_user) == 1
    Deal.objects.filter(pk=deals[2].pk).update(amount_base=Decimal("0.01"))
    Deal.objects.bulk_create(
        [
            Deal(
                title=f"Bulk {i}",
                company=deals[0].company,
                owner=rep,
                created_by=rep,
                amount=Decimal("10.10"),
                next_action="Call",
                next_action_due_date=deals[0].next_action_due_date,
                next_action_due_at=deals[0].next_action_due_at,
                probability=10,
            )
            for i in range(5)
        ]
    )
    Deal.objects.filter(pk=deals[1].pk).delete()
    assert kept_totals() == totals_from_deals()
    assert sum(n for n, _, _ in kept_totals().values()) == 9
    assert Deal.objects.get(pk=swiss.pk).amount_base == Decimal("1800.06")  # 1500.05 * 1.2


def test_board_totals_read_the_running_totals_and_agree_with_the_deals(rep, other_rep):
    for i in range(4):
        DealFactory(owner=rep if i % 2 else other_rep, proposal=True)
    DealFactory(owner=rep, amount=Decimal("5.55"))
    totals = selectors.pipeline_totals(user=rep)
    assert totals[Stage.PROPOSAL] == {
        "count": 4,
        "total": Decimal("40000.00"),
        "weighted": Decimal("20000.00"),
    }
    assert totals[Stage.LEAD]["count"] == 1 and totals[Stage.LEAD]["total"] == Decimal("5.55")
    assert selectors.pipeline_totals(user=rep, owner_id=rep.pk)[Stage.PROPOSAL]["count"] == 2
    DealTotal.objects.all().delete()  # they are what the board reads
    assert selectors.pipeline_totals(user=rep)[Stage.PROPOSAL]["count"] == 0


def test_truncating_the_deals_empties_the_totals(rep):
    DealFactory(owner=rep)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE crm_deal CASCADE")
    assert not DealTotal.objects.exists()


def test_a_page_is_its_ids_first_then_its_rows_in_order(rep, django_assert_num_queries):
    made = [DealFactory(owner=rep, title=f"Deal {i:02d}") for i in range(7)]
    qs = Deal.objects.select_related("company", "owner").order_by("title", "pk")
    with django_assert_num_queries(2):
        rows = paging.page_rows(qs, offset=2, limit=3)
        assert [d.owner.username for d in rows] == ["rep"] * 3
    assert [d.pk for d in rows] == [d.pk for d in made[2:5]]
    assert paging.page_rows(qs, offset=7, limit=3) == []


def test_counts_are_exact_up_to_the_limit_then_estimated(rep, monkeypatch):
    for _ in range(4):
        DealFactory(owner=rep)
    assert paging.count_rows(Deal.objects.all()) == (4, True)
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 3)
    total, exact = paging.count_rows(Deal.objects.all())
    assert exact is False and total >= 4
    assert paging.count_up_to(Deal.objects.all(), 3) == 4
    assert paging.count_rows(Deal.objects.none()) == (0, True)


def test_the_deal_list_says_when_its_count_is_an_estimate(client, rep, monkeypatch):
    for _ in range(30):
        DealFactory(owner=rep)
    client.force_login(rep)
    assert "Page 1 of 2 · 30 in all" in client.get("/deals/").content.decode()
    monkeypatch.setattr(paging, "EXACT_COUNT_LIMIT", 10)
    page = client.get("/deals/").content.decode()
    assert "Page 1 of about " in page and " in all" in page and "· about " in page


def test_list_search_matches_title_company_or_contact_name(rep):
    acme = CompanyFactory(owner=rep, name="Acme Robotics")
    other = CompanyFactory(owner=rep, name="Globex")
    by_company = DealFactory(owner=rep, company=acme, title="Website")
    by_title = DealFactory(owner=rep, company=other, title="Acme-style rollout")
    by_contact = DealFactory(
        owner=rep,
        company=other,
        contact=ContactFactory(company=other, first_name="Jo", last_name="Acmeson"),
    )
    DealFactory(owner=rep, company=other, title="Unrelated")
    found = selectors.deal_list(user=rep, filters=selectors.DealFilters(q="acme", sort="title"))
    assert {d.pk for d in found} == {by_company.pk, by_title.pk, by_contact.pk}
    assert found.count() == 3
    full_name = selectors.deal_list(user=rep, filters=selectors.DealFilters(q="jo acmeson"))
    assert [d.pk for d in full_name] == [by_contact.pk]
    # One field per line: a term never matches across the title and the company's name.
    assert not selectors.deal_list(user=rep, filters=selectors.DealFilters(q="website acme"))


def search_text(deal: Deal) -> str:
    return Deal.objects.values_list("search_text", flat=True).get(pk=deal.pk)


def test_search_text_follows_every_write_to_a_deal_its_company_or_its_contact(rep):
    """The triggers keep it whatever writes: the ORM, a queryset update, a rename."""
    acme = CompanyFactory(owner=rep, name="Acme")
    globex = CompanyFactory(owner=rep, name="Globex")
    ada = ContactFactory(company=acme, first_name="Ada", last_name="Byron")
    deal = DealFactory(owner=rep, company=acme, contact=ada, title="Website")
    twin = DealFactory(owner=rep, company=acme, contact=None, title="Intranet")
    assert search_text(deal) == "Website\nAcme\nAda Byron"
    assert search_text(twin) == "Intranet\nAcme"

    Deal.objects.filter(pk=deal.pk).update(title="Webshop", company=globex)
    assert search_text(deal) == "Webshop\nGlobex\nAda Byron"
    acme.name = "Acme Robotics"
    acme.save(update_fields=["name"])
    assert search_text(twin) == "Intranet\nAcme Robotics"
    assert search_text(deal) == "Webshop\nGlobex\nAda Byron"
    ada.last_name = "Lovelace"
    ada.save()
    assert search_text(deal) == "Webshop\nGlobex\nAda Lovelace"
    Deal.objects.filter(pk=deal.pk).update(search_text="tampered")
    assert search_text(deal) == "Webshop\nGlobex\nAda Lovelace"
    ada.delete()  # the deal's contact is set to null
    assert search_text(deal) == "Webshop\nGlobex"
    # A full save of a stale instance writes the text it holds; the trigger recomputes it.
    twin.save()
    assert search_text(twin) == "Intranet\nAcme Robotics"


def test_search_text_uses_its_trigram_index(rep):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        query = Deal.objects.matching("acme").order_by().values("pk").query
        sql, params = query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "crm_deal_search_upper_trgm" in plan


def test_search_ranks_exact_and_close_matches_first(rep):
    exact = CompanyFactory(owner=rep, name="Northwind")
    for i in range(5):
        CompanyFactory(owner=rep, name=f"Northwind Traders {i}")
    deal = DealFactory(owner=rep, company=exact, title="Intranet")
    result = selectors.search(user=rep, q="Northwind")
    assert result["companies"][0] == exact
    assert len(result["companies"]) == 6
    assert deal in result["deals"]  # through its company's name
    typo = selectors.search(user=rep, q="Nortwind")
    assert exact in typo["companies"]


SQLITE_CHECK = """
import django; django.setup()
from accounts.models import User
from crm.models import Company, Contact, Deal
owner = User.objects.create(username="owner")
acme = Company.objects.create(name="Acme", owner=owner)
ada = Contact.objects.create(first_name="Ada", last_name="Byron", company=acme, owner=owner)
deal = Deal.objects.create(title="Web", company=acme, contact=ada, owner=owner,
                           next_action="Call", next_action_due_date="2027-01-04")
print(repr(Deal.objects.get(pk=deal.pk).search_text))
acme.name = "Acme Robotics"
acme.save()
ada.last_name = "Lovelace"
ada.save()
print(repr(Deal.objects.get(pk=deal.pk).search_text))
print(list(Deal.objects.matching("robot").values_list("title", flat=True)))
"""


def test_search_text_is_kept_on_sqlite_the_no_configuration_default(tmp_path):
    """crm.triggers installs SQLite's triggers after migrate (SQLite rebuilds altered
    tables, dropping their triggers)."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'relay.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    root = Path(__file__).resolve().parents[2]
    run = functools.partial(
        subprocess.run, cwd=root, env=env, capture_output=True, text=True, timeout=300, check=True
    )
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"])
    lines = run([sys.executable, "-c", SQLITE_CHECK]).stdout.splitlines()
    assert lines[-3:] == [
        "'Web\\nAcme\\nAda Byron'",
        "'Web\\nAcme Robotics\\nAda Lovelace'",
        "['Web']",
    ]
