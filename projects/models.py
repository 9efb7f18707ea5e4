"""Delivery: projects, tasks, dependencies, milestones, checklists, comments, templates.

Dates are planned in working days (Monday to Friday minus ``Holiday`` rows) by
``projects.scheduling``; ``projects.services`` runs it inside every change that moves dates.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from accounts.formats import format_date
from inputs.fields import DateField, LineField, TextField

MAX_DURATION_DAYS = 1000
MAX_LAG_DAYS = 1000


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Holiday(models.Model):
    """A day off for everyone: no task is planned on it."""

    date = DateField(unique=True)
    name = LineField(max_length=100)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({format_date(self.date)})"


class ProjectStatus(models.TextChoices):
    PLANNING = "planning", "Planning"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_PROJECT_STATUSES = (ProjectStatus.PLANNING, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)


class DependencyKind(models.TextChoices):
    FS = "FS", "Finish to start"
    SS = "SS", "Start to start"
    FF = "FF", "Finish to finish"
    SF = "SF", "Start to finish"


class TaskStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


_duration_validators = [MinValueValidator(0), MaxValueValidator(MAX_DURATION_DAYS)]
_lag_validators = [MinValueValidator(-MAX_LAG_DAYS), MaxValueValidator(MAX_LAG_DAYS)]


# Templates ---------------------------------------------------------------------------------


class ProjectTemplate(TimeStamped):
    name = LineField(max_length=200, unique=True)
    description = TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateMilestone(models.Model):
    template = models.ForeignKey(
        ProjectTemplate, on_delete=models.CASCADE, related_name="milestones"
    )
    name = LineField(max_length=200)
    requires_approval = models.BooleanField(
        default=False, help_text="The project's delivery lead becomes the approver."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class TemplateTask(models.Model):
    template = models.ForeignKey(ProjectTemplate, on_delete=models.CASCADE, related_name="tasks")
    title = LineField(max_length=200)
    description = TextField(blank=True)
    duration_days = models.PositiveIntegerField(
        default=1, validators=_duration_validators, help_text="Working days; 0 for a milestone."
    )
    offset_days = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_DURATION_DAYS)],
        help_text="Starts no earlier than this many working days after the kickoff date.",
    )
    milestone = models.ForeignKey(
        TemplateMilestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.milestone is not None and self.milestone.template_id != self.template_id:
            raise ValidationError({"milestone": "Choose a milestone of the same template."})


class TemplateDependency(models.Model):
    template = models.ForeignKey(
        ProjectTemplate, on_delete=models.CASCADE, related_name="dependencies"
    )
    predecessor = models.ForeignKey(TemplateTask, on_delete=models.CASCADE, related_name="+")
    successor = models.ForeignKey(TemplateTask, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=2, choices=DependencyKind.choices, default=DependencyKind.FS)
    lag_days = models.IntegerField(default=0, validators=_lag_validators)

    class Meta:
        ordering = ["template", "pk"]
        verbose_name_plural = "template dependencies"
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="projects_templatedep_unique_pair"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="projects_templatedep_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.kind}{self.lag_days:+d})"


class TemplateChecklistItem(models.Model):
    template = models.ForeignKey(
        ProjectTemplate, on_delete=models.CASCADE, related_name="checklist"
    )
    text = LineField(max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.text


# Projects ----------------------------------------------------------------------------------


class Project(TimeStamped):
    name = LineField(max_length=200)
    description = TextField(blank=True)
    company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    delivery_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_projects"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="delivery_projects"
    )
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNING
    )
    template = models.ForeignKey(
        ProjectTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    start_date = DateField(help_text="Kickoff: the first working day of the plan.")
    planned_finish = models.DateField(null=True, blank=True, editable=False)
    baseline_finish = models.DateField(null=True, blank=True, editable=False)
    # The finish forecast from the tasks' actuals (issue 15); at_risk compares it (R7).
    forecast_finish = models.DateField(null=True, blank=True, editable=False)
    # Filled by the handoff from the deal's promised timeline (R7); the scheduler keeps at_risk.
    promised_date = DateField(null=True, blank=True)
    at_risk = models.BooleanField(default=False, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["status", "planned_finish"], name="projects_status_finish"),
            models.Index(fields=["at_risk"], name="projects_at_risk"),
            models.Index(fields=["name", "id"], name="projects_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_PROJECT_STATUSES


class Milestone(TimeStamped):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = LineField(max_length=200)
    due_date = DateField(null=True, blank=True)
    baseline_date = models.DateField(null=True, blank=True, editable=False)
    requires_approval = models.BooleanField(default=False)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="milestones_to_approve",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    approval_comment = TextField(blank=True, editable=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["project", "position", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requires_approval=False) | Q(approver__isnull=False),
                name="projects_milestone_approver_when_required",
                violation_error_message="A milestone that requires approval needs an approver.",
            ),
        ]
        indexes = [
            models.Index(
                fields=["approver"],
                condition=Q(requires_approval=True, approved_at__isnull=True),
                name="projects_ms_awaiting_approval",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.requires_approval and not self.approver_id:
            raise ValidationError({"approver": "Name the approver of this milestone."})

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def awaiting_approval(self) -> bool:
        return self.requires_approval and self.approved_at is None


class TaskQuerySet(models.QuerySet["Task"]):
    def overdue(self, today: date) -> "TaskQuerySet":
        """Overdue tasks (one meaning, for reminders, My work and the dashboards): not done,
        of a project that is planning or active (on hold pauses the clock; done and
        cancelled projects have none), planned to finish before ``today``. Whose today:
        the assignee's own, for their reminders and My work; the viewer's on dashboards."""
        return self.exclude(status=TaskStatus.DONE).filter(
            project__status__in=(ProjectStatus.PLANNING, ProjectStatus.ACTIVE),
            planned_finish__lt=today,
        )


class Task(TimeStamped):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = LineField(max_length=200)
    description = TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.TODO)
    duration_days = models.PositiveIntegerField(
        default=1, validators=_duration_validators, help_text="Working days; 0 for a milestone."
    )
    start_no_earlier_than = DateField(null=True, blank=True)
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    position = models.PositiveIntegerField(default=0)
    # Kept by the scheduler:
    planned_start = models.DateField(null=True, blank=True, editable=False)
    planned_finish = models.DateField(null=True, blank=True, editable=False)
    total_float = models.IntegerField(null=True, blank=True, editable=False)
    is_critical = models.BooleanField(default=False, editable=False)
    baseline_start = models.DateField(null=True, blank=True, editable=False)
    baseline_finish = models.DateField(null=True, blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Actuals (issue 15): the working days the task really started and finished on, set
    # when it starts and when it is done, correctable by the project's lead.
    actual_start = models.DateField(null=True, blank=True, editable=False)
    actual_finish = models.DateField(null=True, blank=True, editable=False)
    # Kept by the scheduler from the actuals (``scheduling.forecast``):
    forecast_start = models.DateField(null=True, blank=True, editable=False)
    forecast_finish = models.DateField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["project", "planned_start", "position", "pk"]
        indexes = [
            models.Index(fields=["project", "planned_start"], name="projects_task_plan"),
            models.Index(
                fields=["assignee", "planned_finish"],
                condition=~Q(status="done"),
                name="projects_task_open_by_assignee",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.milestone is not None and self.milestone.project_id != self.project_id:
            raise ValidationError({"milestone_id": "Choose a milestone of the same project."})

    @property
    def is_milestone(self) -> bool:
        return self.duration_days == 0

    @property
    def is_open(self) -> bool:
        return self.status != TaskStatus.DONE


class ActualField(models.TextChoices):
    ACTUAL_START = "actual_start", "Actual start"
    ACTUAL_FINISH = "actual_finish", "Actual finish"


class ActualCorrection(models.Model):
    """A correction of a task's actual start or finish by the project's lead, kept for good:
    which field, from what to what, why, who and when."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="actual_corrections")
    field = models.CharField(max_length=20, choices=ActualField.choices)
    old = models.DateField(null=True, blank=True)
    new = models.DateField(null=True, blank=True)
    reason = TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_field_display()} of {self.task}: {self.old} → {self.new}"


class Dependency(models.Model):
    """``successor`` waits on ``predecessor`` (both in ``project``); lag in working days."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="dependencies")
    predecessor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="predecessor_links")
    kind = models.CharField(max_length=2, choices=DependencyKind.choices, default=DependencyKind.FS)
    lag_days = models.IntegerField(default=0, validators=_lag_validators)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "pk"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"],
                name="projects_dependency_unique_pair",
                violation_error_message="These tasks are already linked.",
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")),
                name="projects_dependency_not_self",
                violation_error_message="A task cannot depend on itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.kind}{self.lag_days:+d})"


class ChecklistItem(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="checklist")
    text = LineField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["project", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Comment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="task_comments"
    )
    body = TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.task}"


class Mention(models.Model):
    """``user`` was @mentioned in ``comment``; the reminders app tells them."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="projects_mention_unique"),
        ]

    def __str__(self) -> str:
        return f"@{self.user} in {self.comment}"
