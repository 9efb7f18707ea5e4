import pytest

from projects import services
from projects.models import ProjectTemplate
from projects.tests.factories import MONDAY


@pytest.fixture
def project(lead, member):
    """Lead's project from Monday 2 March 2026 with ``member`` on the team, no tasks."""
    return services.project_create(
        by=lead, name="Website", delivery_lead=lead, start_date=MONDAY, members=[member]
    )


@pytest.fixture
def add_task(project, lead):
    def make(title: str, days: int = 1, **kwargs):
        return services.task_create(
            by=lead, project=project, title=title, duration_days=days, **kwargs
        )

    return make


@pytest.fixture
def standard_template(db):
    return ProjectTemplate.objects.get(name="Standard delivery")
