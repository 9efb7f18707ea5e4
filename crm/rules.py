"""Who may do what in the CRM: the one place for these predicates (django-rules)."""

import rules

from accounts.rules import is_admin, is_delivery, is_delivery_lead, is_sales, is_sales_manager
from crm.models import Deal
from crm.panels import member_deal_visibility


@rules.predicate
def owns(user, obj) -> bool:
    return obj is not None and getattr(obj, "owner_id", None) == user.pk


@rules.predicate
def deal_is_won(user, deal) -> bool:
    return deal is not None and deal.stage == "won"


can_use_crm = is_sales | is_admin
can_manage = is_sales_manager | is_admin

# Sales and admins see every company, contact and deal; delivery sees customers and
# the context of won deals, never open ones.
rules.add_perm("crm.view_company", can_use_crm | is_delivery)
rules.add_perm("crm.view_contact", can_use_crm | is_delivery)


@rules.predicate
def works_on_the_deal_project(user, deal) -> bool:
    """A delivery member reads a won deal whose kickoff project they work on (crm.panels)."""
    return deal is not None and (
        Deal.objects.filter(member_deal_visibility(user), pk=deal.pk).exists()
    )


rules.add_perm(
    "crm.view_deal",
    can_use_crm
    | (is_delivery_lead & deal_is_won)
    | (is_delivery & deal_is_won & works_on_the_deal_project),
)
rules.add_perm("crm.add_company", can_use_crm)
rules.add_perm("crm.add_contact", can_use_crm)
rules.add_perm("crm.add_deal", can_use_crm)
rules.add_perm("crm.change_company", can_manage | (is_sales & owns))
rules.add_perm("crm.change_contact", can_manage | (is_sales & owns))
rules.add_perm("crm.change_deal", can_manage | (is_sales & owns))
rules.add_perm("crm.reassign_deal", can_manage)
rules.add_perm("crm.reopen_deal", can_manage)
rules.add_perm("crm.import_csv", can_use_crm)
# Won and lost deals from another CRM arrive as closed history, around the handoff gate.
rules.add_perm("crm.import_history", can_manage)
# Admins keep the exchange rates, and bring open deals to a new one.
rules.add_perm("crm.reconvert_deals", is_admin)
