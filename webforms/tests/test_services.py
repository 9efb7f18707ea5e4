"""submission_accept and the form services: every rule, with exact outcomes."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from accounts.tests.factories import UserFactory
from crm.models import Activity, Company, Contact, Deal, LeadSource
from crm.tests.factories import CompanyFactory, ContactFactory
from projects.models import Holiday
from reminders.models import OutboxEmail, Transactional
from webforms import services
from webforms.models import Status, Submission, WorkingHours
from webforms.tests.conftest import at, enquiry

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"
# Thursday 3 December 2026, 10:00 UTC: inside the default working hours.
THURSDAY = at(2026, 12, 3, 10)


def accept(form, data=None, *, ip=IP, now=THURSDAY, referrer=""):
    return services.submission_accept(form, data or enquiry(), ip=ip, referrer=referrer, now=now)


def test_a_submission_makes_a_company_a_contact_and_a_lead(webform, owners, website, no_broker):
    with time_machine.travel(THURSDAY, tick=False):
        outcome = accept(
            webform,
            enquiry(utm_medium="cpc", utm_campaign="spring-2027"),
            referrer="https://www.example.org/services",
        )
    assert outcome.status == Status.ACCEPTED
    deal = Deal.objects.get()
    assert outcome.deal == deal
    company, contact = Company.objects.get(), Contact.objects.get()
    assert (company.name, company.owner) == ("Acme Robotics", owners[0])
    assert (contact.first_name, contact.last_name, contact.email, contact.phone) == (
        "Ann",
        "Archer",
        "ann@acme.example",
        "+49 30 1234",
    )
    assert (contact.company, contact.owner) == (company, owners[0])
    assert deal.title == "Web enquiry: Acme Robotics"
    assert (deal.company, deal.contact, deal.owner, deal.created_by) == (
        company,
        contact,
        owners[0],
        owners[0],
    )
    assert (deal.stage, deal.source, deal.campaign) == ("lead", website, "spring-2027")
    assert deal.next_action == "Respond to the enquiry"
    assert deal.next_action_due_at == at(2026, 12, 3, 11)
    assert (deal.next_action_due_date, deal.next_action_due_time) == (
        dt.date(2026, 12, 3),
        dt.time(11),
    )
    activity = Activity.objects.get()
    assert (activity.deal, activity.author, activity.kind, activity.occurred_at) == (
        deal,
        owners[0],
        "note",
        THURSDAY,
    )
    assert activity.body == (
        "We need a new website by spring.\n\n"
        "Sent through the web form “Contact us”.\n"
        "From: Ann Archer <ann@acme.example>, Acme Robotics\n"
        "Phone: +49 30 1234\n"
        "utm_medium: cpc\n"
        "utm_campaign: spring-2027\n"
        "Referrer: https://www.example.org/services"
    )
    submission = Submission.objects.get()
    assert (submission.status, submission.deal, submission.email) == (
        "accepted",
        deal,
        "ann@acme.example",
    )
    assert (submission.utm_medium, submission.utm_campaign, submission.referrer) == (
        "cpc",
        "spring-2027",
        "https://www.example.org/services",
    )
    # The address is kept only as a keyed hash.
    assert len(submission.ip_hash) == 32
    assert IP not in submission.ip_hash
    assert submission.ip_hash == services.throttle.client_hash(IP)


def test_the_owner_is_emailed_at_once(
    webform, owners, django_capture_on_commit_callbacks, no_broker
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = accept(webform)
    email = OutboxEmail.objects.get()
    assert email.kind == Transactional.WEB_FORM_LEAD
    assert email.idempotency_key == f"web_form_lead:{outcome.submission.pk}"
    assert (email.recipient, email.to_address) == (owners[0], owners[0].email)
    assert email.subject == "New lead from the web: Acme Robotics"
    assert "We need a new website by spring." in email.body_text
    assert f"/deals/{outcome.deal.pk}/" in email.body_text
    assert "List-Unsubscribe" not in email.headers
    assert no_broker == ["send_outbox"]  # a worker is asked to send it now


def test_round_robin_across_three_owners(webform, owners):
    deals = [
        accept(webform, enquiry(email=f"p{i}@example.org"), now=THURSDAY + dt.timedelta(seconds=i))
        for i in range(4)
    ]
    assert [o.deal.owner for o in deals] == [owners[0], owners[1], owners[2], owners[0]]
    webform.refresh_from_db()
    assert webform.next_owner == 1


def test_round_robin_skips_owners_who_left_sales(webform, owners):
    owners[1].is_active = False
    owners[1].save()
    got = [
        accept(webform, enquiry(email=f"p{i}@example.org"), now=THURSDAY).deal.owner
        for i in range(3)
    ]
    assert got == [owners[0], owners[2], owners[0]]


def test_a_form_whose_owners_all_left_refuses_and_creates_nothing(webform, owners):
    for owner in owners:
        owner.is_active = False
        owner.save()
    with pytest.raises(ValidationError) as error:
        accept(webform)
    assert error.value.message_dict == {
        "form": ["This form cannot take enquiries right now; please write to us instead."]
    }
    assert (Deal.objects.count(), Company.objects.count(), Submission.objects.count()) == (0, 0, 0)


def test_the_same_email_within_a_day_is_one_deal(webform, owners):
    first = accept(webform)
    again = accept(
        webform,
        enquiry(email="ANN@Acme.example", message="Any news?"),
        now=THURSDAY + dt.timedelta(hours=23, minutes=59),
    )
    assert again.status == Status.DUPLICATE
    assert again.deal == first.deal
    assert Deal.objects.count() == 1
    assert Contact.objects.count() == 1
    note = Activity.objects.order_by("pk").last()
    assert note.deal == first.deal
    assert note.author == owners[0]
    assert note.body.startswith("Wrote again through the web form.\n\nAny news?\n")
    assert list(Submission.objects.order_by("pk").values_list("status", "deal")) == [
        ("accepted", first.deal.pk),
        ("duplicate", first.deal.pk),
    ]
    webform.refresh_from_db()
    assert webform.next_owner == 1  # a duplicate takes nobody's turn


def test_the_same_email_after_a_day_is_a_new_deal(webform, owners):
    first = accept(webform)
    later = accept(webform, now=THURSDAY + dt.timedelta(hours=24, seconds=1))
    assert later.status == Status.ACCEPTED
    assert later.deal != first.deal
    assert later.deal.owner == owners[1]
    assert Deal.objects.count() == 2
    assert Contact.objects.count() == 1  # the same person
    assert Company.objects.count() == 1


def test_duplicates_count_across_forms(webform, admin_user, website, owners):
    other = services.webform_create(by=admin_user, name="Quote", source=website, owners=owners)
    first = accept(webform)
    assert accept(other).deal == first.deal
    assert Deal.objects.count() == 1


def test_honeypot_is_answered_but_creates_nothing(webform):
    outcome = accept(webform, enquiry(website="http://spam.example"))
    assert outcome.status == Status.SPAM
    assert outcome.deal is None
    assert (Deal.objects.count(), Company.objects.count(), Contact.objects.count()) == (0, 0, 0)
    assert list(Submission.objects.values_list("status", "email", "deal")) == [
        ("spam", "ann@acme.example", None)
    ]


def test_throttling_five_a_minute(webform, settings):
    settings.WEBFORMS_PER_MINUTE, settings.WEBFORMS_PER_HOUR = 5, 30
    minute = at(2026, 12, 3, 10, 0)
    spam = enquiry(website="x")
    statuses = [
        accept(webform, spam, now=minute + dt.timedelta(seconds=i)).status for i in range(7)
    ]
    assert statuses == ["spam"] * 5 + ["throttled"] * 2
    refused = accept(webform, spam, now=minute + dt.timedelta(seconds=20))
    assert refused.retry_after == 40
    # One log row for the refusals of a window, however many there were.
    assert Submission.objects.filter(status="throttled").count() == 1
    # Another address is not held up, nor is this one in the next minute.
    assert accept(webform, spam, ip="198.51.100.1", now=minute).status == "spam"
    assert accept(webform, spam, now=minute + dt.timedelta(minutes=1)).status == "spam"


def test_throttling_thirty_an_hour(webform, settings):
    settings.WEBFORMS_PER_MINUTE, settings.WEBFORMS_PER_HOUR = 5, 30
    hour = at(2026, 12, 3, 10, 0)
    spam = enquiry(website="x")
    statuses = [
        accept(webform, spam, now=hour + dt.timedelta(minutes=i // 5, seconds=i % 5)).status
        for i in range(31)
    ]
    assert statuses == ["spam"] * 30 + ["throttled"]
    refused = accept(webform, spam, now=hour + dt.timedelta(minutes=59))
    assert (refused.status, refused.retry_after) == ("throttled", 60)
    assert accept(webform, spam, now=hour + dt.timedelta(hours=1)).status == "spam"


def test_throttling_counts_refused_input_too(webform, settings):
    settings.WEBFORMS_PER_MINUTE = 2
    for _ in range(2):
        with pytest.raises(ValidationError):
            accept(webform, enquiry(email=""))
    assert accept(webform).status == "throttled"
    assert Deal.objects.count() == 0


def test_ipv6_addresses_are_throttled_per_64(webform, settings):
    settings.WEBFORMS_PER_MINUTE = 1
    spam = enquiry(website="x")
    assert accept(webform, spam, ip="2001:db8:1:2::1").status == "spam"
    assert accept(webform, spam, ip="2001:db8:1:2::ffff").status == "throttled"
    assert accept(webform, spam, ip="2001:db8:1:3::1").status == "spam"


def test_utm_source_names_the_lead_source(webform):
    event = LeadSource.objects.get(name="Event")
    deal = accept(webform, enquiry(utm_source="EVENT", utm_campaign="fair-2026")).deal
    assert (deal.source, deal.campaign) == (event, "fair-2026")


def test_an_unknown_or_inactive_utm_source_keeps_the_forms(webform, website):
    LeadSource.objects.create(name="Old fair", active=False)
    first = accept(webform, enquiry(utm_source="newsletter", email="a@example.org")).deal
    second = accept(webform, enquiry(utm_source="old fair", email="b@example.org")).deal
    assert (first.source, second.source) == (website, website)
    assert Submission.objects.filter(utm_source="newsletter").count() == 1


def test_utm_values_are_kept_bounded_on_one_line(webform):
    deal = accept(webform, enquiry(utm_campaign="spring\n" + "x" * 200)).deal
    assert deal.campaign == ("spring " + "x" * 200)[:100]
    assert len(Submission.objects.get().utm_campaign) == 100


def test_long_referrers_are_cut(webform):
    accept(webform, referrer="https://example.org/" + "a" * 600)
    assert len(Submission.objects.get().referrer) == 500


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"email": "", "first_name": " ", "company": ""},
            {
                "company": ["Say which company you are with."],
                "first_name": ["Enter your first name."],
                "email": ["Enter your email address, so that we can answer."],
            },
        ),
        (
            {"email": "not-an-address"},
            {"email": ["Enter a valid email address, such as ann@example.com."]},
        ),
        ({"company": "x" * 201}, {"company": ["Use at most 200 characters (this has 201)."]}),
        ({"last_name": "y" * 101}, {"last_name": ["Use at most 100 characters (this has 101)."]}),
        ({"phone": "1" * 51}, {"phone": ["Use at most 50 characters (this has 51)."]}),
        ({"message": "m" * 5001}, {"message": ["Use at most 5000 characters (this has 5001)."]}),
        (
            {"first_name": "Ann\nBob"},
            {"first_name": ["Use one line, without line breaks or control characters."]},
        ),
        ({"message": "hi\x00"}, {"message": ["Remove the NUL characters."]}),
        ({"email": 42}, {"email": ["Enter your email address, so that we can answer."]}),
    ],
)
def test_bad_fields_are_named_and_nothing_is_created(webform, fields, errors):
    with pytest.raises(ValidationError) as error:
        accept(webform, enquiry(**fields))
    assert error.value.message_dict == errors
    assert (Deal.objects.count(), Company.objects.count(), Submission.objects.count()) == (0, 0, 0)


def test_an_existing_company_is_matched_by_name_in_any_case(webform):
    older = CompanyFactory(name="ACME Robotics")
    CompanyFactory(name="Acme robotics")
    deal = accept(webform).deal
    assert deal.company == older
    assert Company.objects.count() == 2


def test_an_existing_contact_is_matched_by_email_and_keeps_their_company(webform):
    contact = ContactFactory(email="ann@acme.example", first_name="Annie")
    deal = accept(webform, enquiry(email="Ann@ACME.example")).deal
    assert (deal.contact, deal.company) == (contact, contact.company)
    contact.refresh_from_db()
    assert contact.first_name == "Annie"  # not overwritten by a form
    assert Contact.objects.count() == 1


def test_due_in_the_admins_working_hours_and_zone_shown_in_the_owners(webform, owners, admin_user):
    services.working_hours_update(by=admin_user, time_zone="Europe/Berlin")
    for owner in owners:
        owner.time_zone = "America/New_York"
        owner.save()
    # Friday 4 December 2026, 16:30 UTC = 17:30 in Berlin: Monday 10:00 Berlin.
    deal = accept(webform, now=at(2026, 12, 4, 16, 30)).deal
    assert deal.next_action_due_at == at(2026, 12, 7, 9)
    # Stored as the owner's local date and time (04:00 in New York).
    assert (deal.next_action_due_date, deal.next_action_due_time) == (
        dt.date(2026, 12, 7),
        dt.time(4),
    )


def test_friday_evening_is_due_monday_ten(webform):
    deal = accept(webform, now=at(2026, 12, 4, 20)).deal
    assert deal.next_action_due_at == at(2026, 12, 7, 10)


def test_holidays_and_response_hours_from_the_admin(webform, admin_user):
    Holiday.objects.create(date=dt.date(2026, 12, 7), name="Closed")
    services.working_hours_update(by=admin_user, response_hours=4)
    deal = accept(webform, now=at(2026, 12, 4, 20)).deal
    assert deal.next_action_due_at == at(2026, 12, 8, 13)


def test_working_hours_defaults_and_checks(admin_user, rep, settings):
    settings.TIME_ZONE = "Europe/Vienna"
    defaults = services.working_hours()
    assert (defaults.weekdays, defaults.start_time, defaults.end_time) == (
        frozenset(range(5)),
        dt.time(9),
        dt.time(17),
    )
    assert (defaults.time_zone, defaults.response_hours) == ("Europe/Vienna", 1)
    with pytest.raises(ValidationError) as error:
        services.working_hours_update(by=admin_user, start_time=dt.time(18))
    assert error.value.message_dict == {"end_time": ["The working day must end after it starts."]}
    with pytest.raises(ValidationError) as error:
        services.working_hours_update(
            by=admin_user,
            **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), False),
        )
    assert error.value.message_dict == {"monday": ["Choose at least one working day."]}
    with pytest.raises(PermissionDenied):
        services.working_hours_update(by=rep, response_hours=2)
    assert not WorkingHours.objects.exists()  # every refusal changed nothing


def test_only_admins_create_forms_and_owners_are_sales(admin_user, rep, website, owners):
    with pytest.raises(PermissionDenied):
        services.webform_create(by=rep, name="X", source=website, owners=owners)
    lead = UserFactory(username="dl", role=Role.DELIVERY_LEAD)
    with pytest.raises(ValidationError) as error:
        services.webform_create(by=admin_user, name="X", source=website, owners=[lead])
    assert error.value.message_dict == {"owner_ids": ["Not an active sales rep or manager: dl."]}
    with pytest.raises(ValidationError) as error:
        services.webform_create(by=admin_user, name="X", source=website, owners=[])
    assert error.value.message_dict == {"owner_ids": ["Choose at least one sales rep or manager."]}
    with pytest.raises(ValidationError) as error:
        services.webform_create(
            by=admin_user, name="X", source=website, owners=owners, redirect_url="ftp://x.example/"
        )
    assert "redirect_url" in error.value.message_dict
    form = services.webform_create(by=admin_user, name="Contact", source=website, owners=owners)
    assert len(form.key) == 22
    assert list(form.owners.order_by("pk")) == owners


def test_updating_a_form_checks_its_version(admin_user, webform, owners):
    updated = services.webform_update(
        by=admin_user, form=webform, version=1, name="Talk to us", owners=owners[:1]
    )
    assert (updated.name, updated.version) == ("Talk to us", 2)
    assert list(updated.owners.all()) == owners[:1]
    from records import EditConflict

    with pytest.raises(EditConflict):
        services.webform_update(by=admin_user, form=webform, version=1, name="Old")


def test_a_thank_you_text_is_bounded(admin_user, website, owners):
    with pytest.raises(ValidationError) as error:
        services.webform_create(
            by=admin_user, name="X", source=website, owners=owners, thank_you_text="t" * 1001
        )
    assert list(error.value.message_dict) == ["thank_you_text"]
