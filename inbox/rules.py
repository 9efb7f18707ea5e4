"""Who reviews the inbox (django-rules): sales managers and admins see every unmatched email
and attach or discard it."""

import rules

from accounts.rules import is_admin, is_sales_manager

rules.add_perm("inbox.review_email", is_sales_manager | is_admin)
