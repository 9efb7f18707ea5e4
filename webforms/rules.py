"""Who may set up web forms (django-rules): admins only. Submitting one needs no account."""

import rules

from accounts.rules import is_admin

rules.add_perm("webforms.manage_forms", is_admin)
