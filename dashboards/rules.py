"""Who sees which dashboard (django-rules)."""

import rules

from accounts.rules import is_admin, is_delivery, is_delivery_lead, is_sales, is_sales_manager

rules.add_perm("dashboards.view_sales", is_sales | is_admin)
rules.add_perm("dashboards.view_delivery", is_delivery | is_sales_manager | is_admin)
rules.add_perm("dashboards.view_delivery_demand", is_delivery_lead | is_sales_manager | is_admin)
rules.add_perm("dashboards.view_team", is_sales_manager | is_admin)
