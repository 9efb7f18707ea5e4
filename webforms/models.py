"""Web forms: an embeddable enquiry form per lead source, the working hours its leads are
answered in, and the log of every submission (accepted, duplicate, spam or throttled)."""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import TIME_ZONE_CHOICES
from inputs.fields import LineField, TextField

DEFAULT_THANK_YOU = "Thank you. We have your enquiry and will get back to you shortly."
NEXT_ACTION = "Respond to the enquiry"


def new_form_key() -> str:
    """A form's public key: 22 random URL-safe characters (128 bits), in its URLs."""
    return secrets.token_urlsafe(16)


class WebForm(models.Model):
    """One embeddable form. Its leads take its lead source (unless their ``utm_source``
    names another one) and go to its owners in turn (``next_owner``, the round robin)."""

    name = LineField(max_length=100)
    key = models.CharField(max_length=32, unique=True, default=new_form_key, editable=False)
    source = models.ForeignKey("crm.LeadSource", on_delete=models.PROTECT, related_name="web_forms")
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="web_forms",
        help_text="Sales reps or managers who take this form's leads in turn.",
    )
    # The round robin's position: the next lead goes to owner number ``next_owner`` modulo
    # the number of active owners (ordered by id). Advanced under the form's row lock.
    next_owner = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(
        "active", default=True, help_text="An inactive form's pages and endpoint answer 404."
    )
    thank_you_text = TextField(
        max_length=1000,
        validators=[MaxLengthValidator(1000)],
        default=DEFAULT_THANK_YOU,
        help_text="Shown after a submission.",
    )
    redirect_url = models.URLField(
        "thank-you page URL",
        max_length=500,
        blank=True,
        help_text="Optional: an http(s) page of your site to send people to after they submit.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "web form"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.redirect_url and not self.redirect_url.lower().startswith(("http://", "https://")):
            raise ValidationError({"redirect_url": ["Use an http:// or https:// address."]})


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


DAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


class WorkingHours(models.Model):
    """When enquiries are answered: one row, edited in the admin (absent: the defaults,
    Monday to Friday 09:00-17:00 in the installation's time zone, within 1 working hour).
    Holidays (the projects' admin list) are not working days either."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    monday = models.BooleanField(default=True)
    tuesday = models.BooleanField(default=True)
    wednesday = models.BooleanField(default=True)
    thursday = models.BooleanField(default=True)
    friday = models.BooleanField(default=True)
    saturday = models.BooleanField(default=False)
    sunday = models.BooleanField(default=False)
    start_time = models.TimeField("start of the working day", default=dt.time(9))
    end_time = models.TimeField("end of the working day", default=dt.time(17))
    time_zone = models.CharField(
        max_length=64, choices=TIME_ZONE_CHOICES, default=default_time_zone
    )
    response_hours = models.PositiveSmallIntegerField(
        "answer within (working hours)",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(80)],
        help_text="A new lead's next action is due this many working hours after it arrives.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "web-form working hours"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="webforms_working_hours_one"),
            models.CheckConstraint(
                condition=Q(start_time__lt=models.F("end_time")),
                name="webforms_working_hours_start_before_end",
                violation_error_message="The working day must start before it ends.",
            ),
        ]

    def __str__(self) -> str:
        days = ", ".join(Weekday(i).label[:3] for i in self.weekdays)
        return f"{days} {self.start_time:%H:%M}-{self.end_time:%H:%M} ({self.time_zone})"

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(i for i, name in enumerate(DAY_FIELDS) if getattr(self, name))

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.weekdays:
            errors["monday"] = ["Choose at least one working day."]
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            errors["end_time"] = ["The working day must end after it starts."]
        if errors:
            raise ValidationError(errors)


class Status(models.TextChoices):
    ACCEPTED = "accepted", "Accepted: a new lead"
    DUPLICATE = "duplicate", "Duplicate: added to the lead of the last day"
    SPAM = "spam", "Spam (honeypot filled)"
    THROTTLED = "throttled", "Throttled (too many from one address)"


class Submission(models.Model):
    """One submission of a form, whatever became of it. The client's address is kept only
    as a keyed hash (``ip_hash``), enough to tell repeat senders apart, never the address."""

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    created_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    email = models.CharField(max_length=254, blank=True, help_text="Lower case.")
    deal = models.ForeignKey(
        "crm.Deal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="web_form_submissions",
        help_text="The lead it created, or the one it was added to (a duplicate).",
    )
    utm_source = LineField(max_length=100, blank=True)
    utm_medium = LineField(max_length=100, blank=True)
    utm_campaign = LineField(max_length=100, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    ip_hash = models.CharField("client address (keyed hash)", max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The duplicate check: the same address's accepted lead of the last day.
            models.Index(
                fields=["email", "created_at"],
                condition=Q(status="accepted"),
                name="webforms_sub_accepted_email",
            ),
            models.Index(fields=["form", "-created_at"], name="webforms_sub_form"),
        ]

    def __str__(self) -> str:
        return f"{self.form}: {self.email or '—'} ({self.get_status_display()})"
