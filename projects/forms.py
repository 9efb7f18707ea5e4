"""Input shape only; the services apply the rules."""

from django import forms

from accounts.models import User
from crm.forms import FilterForm
from inputs.forms import DateField, SubmittedOnceForm, VersionField
from inputs.picker import PickerField
from projects.models import (
    MAX_DURATION_DAYS,
    MAX_LAG_DAYS,
    DependencyKind,
    Milestone,
    Project,
    ProjectStatus,
    ProjectTemplate,
    Task,
    TaskStatus,
)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class ProjectFilterForm(FilterForm):
    q = forms.CharField(label="Search", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *ProjectStatus.choices]
    )
    lead = UserChoiceField(
        label="Lead", required=False, queryset=User.objects.none(), empty_label="Any lead"
    )
    at_risk = forms.ChoiceField(
        label="At risk",
        required=False,
        choices=[("", "All"), ("yes", "At risk"), ("no", "On track")],
    )

    def __init__(self, *args, leads=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if leads is not None:
            self.fields["lead"].queryset = leads  # type: ignore[attr-defined]


class ProjectForm(SubmittedOnceForm):
    name = forms.CharField(label="Name", max_length=200)
    template = forms.ModelChoiceField(
        label="Start from template",
        required=False,
        queryset=ProjectTemplate.objects.filter(is_active=True),
        empty_label="No template (empty project)",
    )
    start_date = DateField(label="Kickoff date")
    delivery_lead = UserChoiceField(label="Delivery lead", queryset=User.objects.none())
    members = UsersChoiceField(
        label="Team members",
        required=False,
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    promised_date = DateField(label="Promised date", required=False)
    status = forms.ChoiceField(label="Status", choices=ProjectStatus.choices)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    version = VersionField()

    def __init__(self, *args, leads=None, people=None, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivery_lead"].queryset = leads  # type: ignore[attr-defined]
        self.fields["members"].queryset = people  # type: ignore[attr-defined]
        if editing:
            del self.fields["template"]
        else:
            del self.fields["status"]
            del self.fields["version"]

    @staticmethod
    def initial_for(project: Project) -> dict:
        return {
            "name": project.name,
            "start_date": project.start_date,
            "delivery_lead": project.delivery_lead_id,
            "members": [m.pk for m in project.members.all()],
            "promised_date": project.promised_date,
            "status": project.status,
            "description": project.description,
            "version": project.version,
        }


class TaskForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    duration_days = forms.IntegerField(
        label="Duration (working days)",
        min_value=0,
        max_value=MAX_DURATION_DAYS,
        initial=1,
        help_text="0 makes it a milestone.",
    )
    assignee = PickerField(
        label="Assignee",
        required=False,
        queryset=User.objects.none(),
        lookup="projects:assignee-lookup",
        label_from=lambda user: user.display_name,
        placeholder="Type a name (empty: nobody)",
    )
    start_no_earlier_than = DateField(label="Start no earlier than", required=False)
    milestone = forms.ModelChoiceField(
        label="Milestone", required=False, queryset=Milestone.objects.none(), empty_label="None"
    )
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    version = VersionField()

    def __init__(self, *args, people=None, milestones=None, prefix_id: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people  # type: ignore[attr-defined]
        self.fields["milestone"].queryset = milestones  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(task: Task) -> dict:
        return {
            "title": task.title,
            "duration_days": task.duration_days,
            "assignee": task.assignee_id,
            "start_no_earlier_than": task.start_no_earlier_than,
            "milestone": task.milestone_id,
            "description": task.description,
            "version": task.version,
        }


class ActualsForm(forms.Form):
    actual_start = DateField(label="Actual start", required=False)
    actual_finish = DateField(label="Actual finish", required=False)
    reason = forms.CharField(
        label="Reason for the correction",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the correction; delivery sees it.",
    )
    version = VersionField()

    @staticmethod
    def initial_for(task: Task) -> dict:
        return {
            "actual_start": task.actual_start,
            "actual_finish": task.actual_finish,
            "version": task.version,
        }


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=TaskStatus.choices)


class DependencyForm(forms.Form):
    predecessor = forms.ModelChoiceField(
        label="Waits on", queryset=Task.objects.none(), empty_label="Choose a task"
    )
    kind = forms.ChoiceField(label="Link", choices=DependencyKind.choices, initial="FS")
    lag_days = forms.IntegerField(
        label="Lag (working days)",
        initial=0,
        min_value=-MAX_LAG_DAYS,
        max_value=MAX_LAG_DAYS,
        help_text="Negative for a lead.",
    )

    def __init__(self, *args, tasks=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["predecessor"].queryset = tasks  # type: ignore[attr-defined]


class MilestoneForm(forms.Form):
    name = forms.CharField(label="Milestone name", max_length=200)
    due_date = DateField(label="Due date", required=False)
    requires_approval = forms.BooleanField(label="Requires approval", required=False)
    approver = UserChoiceField(
        label="Approver", required=False, queryset=User.objects.none(), empty_label="Nobody"
    )

    def __init__(self, *args, people=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = people  # type: ignore[attr-defined]


class ApproveForm(forms.Form):
    comment = forms.CharField(label="Approval comment", required=False, max_length=2000)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Mention people with @username; they will be told.",
    )


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label="New checklist item", max_length=300)
