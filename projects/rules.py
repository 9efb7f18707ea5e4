"""Who may do what in delivery: the one place for these predicates (django-rules).

Seeing a project is decided by ``projects.selectors.project_visible_q`` (a queryset
filter, so lists and single objects agree); these predicates decide actions on objects
the user can already see. Services call them and raise ``PermissionDenied``.
"""

import rules

from accounts.rules import is_admin, is_delivery, is_delivery_lead


def _project(obj):
    """The project of a project, task, milestone, dependency or checklist item."""
    return obj if hasattr(obj, "delivery_lead_id") else obj.project


@rules.predicate
def leads_project(user, obj) -> bool:
    return obj is not None and _project(obj).delivery_lead_id == user.pk


@rules.predicate
def belongs_to_project(user, obj) -> bool:
    """The user is the project's lead or one of its members (prefetched members are used)."""
    if obj is None:
        return False
    project = _project(obj)
    if project.delivery_lead_id == user.pk:
        return True
    return any(member.pk == user.pk for member in project.members.all())


@rules.predicate
def is_assignee(user, task) -> bool:
    return task is not None and task.assignee_id == user.pk


@rules.predicate
def is_approver(user, milestone) -> bool:
    return milestone is not None and milestone.approver_id == user.pk


can_create_project = is_admin | is_delivery_lead
can_manage_project = is_admin | (is_delivery_lead & leads_project)
can_change_task_status = can_manage_project | (is_delivery & belongs_to_project & is_assignee)
can_comment = is_admin | is_delivery_lead | (is_delivery & belongs_to_project)
can_tick_checklist = can_manage_project | (is_delivery & belongs_to_project)
# R9: only the named approver, whatever other roles anyone has.
can_approve = is_approver

rules.add_perm("projects.add_project", can_create_project)
rules.add_perm("projects.change_project", can_manage_project)
rules.add_perm("projects.change_task_status", can_change_task_status)
rules.add_perm("projects.add_comment", can_comment)
rules.add_perm("projects.tick_checklist", can_tick_checklist)
rules.add_perm("projects.approve_milestone", can_approve)
