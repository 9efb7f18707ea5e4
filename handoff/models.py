"""The handoff: what delivery needs from sales before a deal may be won (R5), the
promise check's override (R7) and the one kickoff project the win created (R6)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from inputs.fields import DateField, TextField


class Handoff(models.Model):
    deal = models.OneToOneField("crm.Deal", on_delete=models.CASCADE, related_name="handoff")
    scope_summary = TextField(blank=True)
    promised_date = DateField("promised delivery date", null=True, blank=True)
    promised_timeline = TextField(
        blank=True, help_text="What was promised about timing, in the customer's words."
    )
    key_constraints = TextField(blank=True)
    main_stakeholder = models.ForeignKey(
        "crm.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kickoff_date = DateField(null=True, blank=True)
    template = models.ForeignKey(
        "projects.ProjectTemplate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="project template",
    )
    delivery_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = TextField(blank=True, editable=False)
    # The kickoff project. One handoff per deal and one project per handoff: a second
    # project for the same deal cannot exist.
    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handoff",
        editable=False,
    )
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(project__isnull=False),
                name="handoff_one_project",
            ),
        ]

    def __str__(self) -> str:
        return f"Handoff for {self.deal}"


DEFAULT_MIN_PROBABILITY = 50


class PromiseSettings(models.Model):
    """The promise check's settings: one row, edited in the admin (absent: the defaults)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    min_probability = models.PositiveSmallIntegerField(
        "minimum chance of finishing by the promise (%)",
        default=DEFAULT_MIN_PROBABILITY,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=(
            "Where a template has enough finished projects, a win whose chance of finishing "
            "by the promised date is below this needs an override reason."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "promise check settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="handoff_promise_settings_one"),
        ]

    def __str__(self) -> str:
        return f"Promise check: at least {self.min_probability}%"
