"""An import: a file another CRM exported, how its columns and values map onto Relay's, and
what became of every row. ``ExternalId`` remembers which Relay record each source row made,
so importing the same file again updates those records instead of duplicating them."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    COMPANIES = "companies", "Companies"
    CONTACTS = "contacts", "Contacts"
    DEALS = "deals", "Deals"
    ACTIVITIES = "activities", "Activities"


class Status(models.TextChoices):
    DRAFT = "draft", "Being set up"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)


class OnDuplicate(models.TextChoices):
    UPDATE = "update", "Update the existing record"
    SKIP = "skip", "Skip the row"
    CREATE = "create", "Create another record"


class ImportJob(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="imports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    # What reading.detect_layout found: encoding, delimiter, header line and names, footer rows.
    layout = models.JSONField(default=dict)
    system = models.CharField(max_length=20, default="other")  # the vendor the headers match
    # Per column, its most frequent values and their rows ([[value, rows], ...]), or null for
    # a column of too many distinct values: read once at upload, for the value mapping.
    column_values = models.JSONField(default=dict)
    mapping = models.JSONField(default=dict)  # column -> Relay field, or null to ignore it
    values = models.JSONField(default=dict)  # field -> {value in the file: Relay value}
    options = models.JSONField(default=dict)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    phase = models.CharField(max_length=20, blank=True)  # "checking" or "writing" while running
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)  # why a failed import failed as a whole
    cancel_requested = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="imports_job_mine")]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.kind} ({self.filename})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def system_label(self) -> str:
        """The source system as its vendor spells it (HubSpot, Zoho CRM)."""
        from imports.engine import SYSTEMS

        if self.system == "other":
            return "Other"
        return SYSTEMS.get(self.system, self.system.capitalize())

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.finished else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class RowProblem(models.Model):
    """One error in one row (or the file, row 0): what the error file lists."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True)
    value = models.CharField(max_length=255, blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["row", "pk"]

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


class ExternalId(models.Model):
    """The Relay record (of ``kind``, by pk) that a source system's row ``source_id`` made."""

    system = models.CharField(max_length=20)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.CharField(max_length=255)
    object_id = models.BigIntegerField()
    job = models.ForeignKey(ImportJob, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["system", "kind", "source_id"], name="imports_external_id_unique"
            ),
            models.CheckConstraint(condition=~Q(source_id=""), name="imports_external_id_set"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="imports_external_object")]

    def __str__(self) -> str:
        return f"{self.system} {self.kind} {self.source_id} -> {self.object_id}"
