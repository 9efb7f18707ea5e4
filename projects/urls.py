from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("new/", views.project_create, name="project-create"),
    path("<int:pk>/", views.project_detail, name="project-detail"),
    path("<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("<int:pk>/board/", views.project_board, name="project-board"),
    path("<int:pk>/timeline/", views.project_timeline, name="project-timeline"),
    path("<int:pk>/baseline/", views.project_baseline, name="project-baseline"),
    path("<int:pk>/tasks/new/", views.task_create, name="task-create"),
    path("<int:pk>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("<int:pk>/checklist/new/", views.checklist_create, name="checklist-create"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task-edit"),
    path("tasks/<int:pk>/status/", views.task_status, name="task-status"),
    path("tasks/<int:pk>/actuals/", views.task_actuals, name="task-actuals"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task-delete"),
    path("tasks/<int:pk>/dependencies/new/", views.dependency_create, name="dependency-create"),
    path("tasks/<int:pk>/comments/new/", views.comment_create, name="comment-create"),
    path("dependencies/<int:pk>/delete/", views.dependency_delete, name="dependency-delete"),
    path("milestones/<int:pk>/approve/", views.milestone_approve, name="milestone-approve"),
    path("checklist/<int:pk>/toggle/", views.checklist_toggle, name="checklist-toggle"),
    path("assignees/lookup/", views.assignee_lookup, name="assignee-lookup"),
]
