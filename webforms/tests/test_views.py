"""The public pages: the hosted form, the snippet's post from any site, and the admin."""

import pytest
from django.test import Client

from crm.models import Deal
from webforms import services, snippets
from webforms.models import Submission, WebForm
from webforms.tests.conftest import enquiry

pytestmark = pytest.mark.django_db


def test_the_hosted_page_needs_no_sign_in_and_carries_utm(webform):
    response = Client().get(
        f"/forms/{webform.key}/?utm_source=ads&utm_campaign=winter",
        headers={"Referer": "https://blog.example/post"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Contact us</h1>" in html
    assert f'action="/forms/{webform.key}/submit"' in html
    for label in ("Company", "First name", "Last name", "Email", "Phone", "Message"):
        assert f">{label}" in html
    assert 'name="utm_source" value="ads"' in html
    assert 'name="utm_campaign" value="winter"' in html
    assert 'name="referrer" value="https://blog.example/post"' in html
    assert 'name="website" tabindex="-1" autocomplete="off"' in html
    assert "style=" not in html  # the content security policy holds: no inline styles


def test_unknown_and_inactive_forms_are_404(webform, admin_user):
    assert Client().get("/forms/nope/").status_code == 404
    assert Client().post("/forms/nope/submit", enquiry()).status_code == 404
    services.webform_update(by=admin_user, form=webform, is_active=False)
    assert Client().get(f"/forms/{webform.key}/").status_code == 404


def test_a_post_from_another_site_needs_no_csrf_token(webform, owners):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        f"/forms/{webform.key}/submit",
        enquiry(utm_campaign="spring"),
        headers={
            "Referer": "https://www.customer.example/contact",
            "Origin": "https://www.customer.example",
        },
    )
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert webform.thank_you_text in response.content.decode()
    deal = Deal.objects.get()
    assert (deal.owner, deal.campaign) == (owners[0], "spring")
    assert Submission.objects.get().referrer == "https://www.customer.example/contact"


def test_the_hosted_page_keeps_the_referrer_it_was_opened_from(webform, settings):
    Client().post(
        f"/forms/{webform.key}/submit",
        {**enquiry(), "referrer": "https://blog.example/post"},
        headers={"Referer": f"{settings.SITE_URL}/forms/{webform.key}/"},
    )
    assert Submission.objects.get().referrer == "https://blog.example/post"


def test_a_thank_you_url_is_followed(webform, admin_user):
    services.webform_update(
        by=admin_user, form=webform, redirect_url="https://customer.example/thanks"
    )
    response = Client().post(f"/forms/{webform.key}/submit", enquiry())
    assert response.status_code == 302
    assert response["Location"] == "https://customer.example/thanks"


def test_bad_input_shows_the_form_again_with_messages(webform):
    response = Client().post(f"/forms/{webform.key}/submit", enquiry(email="nope", first_name=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Enter a valid email address, such as ann@example.com." in html
    assert "Enter your first name." in html
    assert 'value="Acme Robotics"' in html  # what they typed is kept
    assert Deal.objects.count() == 0


def test_a_spam_post_gets_the_thank_you_page(webform):
    response = Client().post(f"/forms/{webform.key}/submit", enquiry(website="http://x"))
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    assert Deal.objects.count() == 0


def test_throttled_posts_get_a_polite_429_page(webform, settings):
    settings.WEBFORMS_PER_MINUTE = 1
    Client().post(f"/forms/{webform.key}/submit", enquiry(website="x"))
    response = Client().post(f"/forms/{webform.key}/submit", enquiry(website="x"))
    assert response.status_code == 429
    assert "Please wait a moment" in response.content.decode()
    assert int(response["Retry-After"]) >= 1


def test_the_submit_url_takes_only_posts(webform):
    assert Client().get(f"/forms/{webform.key}/submit").status_code == 405


def test_the_snippet_is_an_accessible_script_free_form(webform, settings):
    html = snippets.snippet(
        webform, {"utm_source": "ads", "utm_medium": "cpc", "utm_campaign": "x"}
    )
    assert html.startswith(
        f'<form class="relay-form" method="post" action="{settings.SITE_URL}/forms/{webform.key}/submit"'
    )
    assert "<script" not in html
    for name in ("company", "first_name", "last_name", "email", "phone", "message"):
        assert f'<label for="relay-{webform.key}-{name}">' in html
        assert f'id="relay-{webform.key}-{name}" name="{name}"' in html
    assert 'aria-hidden="true"' in html
    assert 'name="website" tabindex="-1" autocomplete="off"' in html
    assert '<input type="hidden" name="utm_medium" value="cpc">' in html


# The admin ----------------------------------------------------------------------------


def test_admins_create_a_form_in_the_admin(admin_user, owners, website, lead):
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin/webforms/webform/add/")
    assert page.status_code == 200
    # Only sales users are offered as owners.
    assert f'value="{owners[0].pk}"' in page.content.decode()
    assert f'value="{lead.pk}"' not in page.content.decode()
    response = client.post(
        "/admin/webforms/webform/add/",
        {
            "name": "Contact us",
            "source": website.pk,
            "owners": [owners[0].pk, owners[2].pk],
            "is_active": "on",
            "thank_you_text": "Thanks!",
            "redirect_url": "",
            "submissions-TOTAL_FORMS": "0",
            "submissions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    form = WebForm.objects.get()
    assert (form.name, form.thank_you_text) == ("Contact us", "Thanks!")
    assert list(form.owners.order_by("pk")) == [owners[0], owners[2]]
    change = client.get(f"/admin/webforms/webform/{form.pk}/change/")
    assert change.status_code == 200
    assert "Embeddable snippet (HTML, no script)" in change.content.decode()
    assert f"/forms/{form.key}/submit" in change.content.decode()


def test_the_admin_refuses_an_empty_owner_list(admin_user, website):
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/webforms/webform/add/",
        {
            "name": "X",
            "source": website.pk,
            "owners": [],
            "is_active": "on",
            "thank_you_text": "T",
            "submissions-TOTAL_FORMS": "0",
            "submissions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert WebForm.objects.count() == 0


def test_admin_lists_and_working_hours(admin_user, webform):
    client = Client()
    client.force_login(admin_user)
    services.submission_accept(webform, enquiry(), ip="203.0.113.9")
    assert client.get("/admin/webforms/webform/").status_code == 200
    assert client.get("/admin/webforms/submission/").status_code == 200
    assert "ann@acme.example" in client.get("/admin/webforms/submission/").content.decode()
    response = client.post(
        "/admin/webforms/workinghours/add/",
        {
            "monday": "on",
            "tuesday": "on",
            "start_time": "08:00",
            "end_time": "16:00",
            "time_zone": "Europe/Berlin",
            "response_hours": "2",
        },
    )
    assert response.status_code == 302
    hours = services.working_hours()
    assert (hours.weekdays, hours.time_zone, hours.response_hours) == (
        frozenset({0, 1}),
        "Europe/Berlin",
        2,
    )


def test_a_rep_cannot_open_the_forms_admin(rep):
    client = Client()
    client.force_login(rep)
    assert client.get("/admin/webforms/webform/").status_code == 302
