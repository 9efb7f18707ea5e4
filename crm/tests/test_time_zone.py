"""A user's time zone change recomputes when their open deals become overdue."""

import datetime as dt

import pytest
from django.urls import reverse

from crm.tests.factories import DealFactory

pytestmark = pytest.mark.django_db


def test_profile_changes_time_zone_and_recomputes_due_moments(client, rep):
    deal = DealFactory(owner=rep, next_action_due_date=dt.date(2026, 12, 1))
    assert deal.next_action_due_at == dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC)
    client.force_login(rep)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Rep One", "email": "rep@example.com", "time_zone": "Asia/Tokyo"},
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    deal.refresh_from_db()
    assert (rep.full_name, rep.time_zone) == ("Rep One", "Asia/Tokyo")
    assert deal.next_action_due_at == dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
    response = client.post(reverse("accounts:profile"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 422 and "time_zone" in response.context["form"].errors


def test_admin_time_zone_change_recomputes_too(client, admin_user, rep):
    deal = DealFactory(owner=rep, next_action_due_date=dt.date(2026, 12, 1))
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[rep.pk])
    form = client.get(url).context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups")
    }
    data.update(
        time_zone="America/New_York", groups=[g.pk for g in rep.groups.all()], is_active="on"
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    deal.refresh_from_db()
    assert deal.next_action_due_at == dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC)
