"""Role predicates shared by every app's rules (django-rules)."""

import rules

from accounts.roles import Role


def _role_predicate(*roles: str) -> rules.Predicate:
    @rules.predicate(name="has_role_" + "_or_".join(roles))
    def predicate(user) -> bool:
        return bool(user and user.is_authenticated and user.has_role(*roles))

    return predicate


is_sales_manager = _role_predicate(Role.SALES_MANAGER)
is_delivery_lead = _role_predicate(Role.DELIVERY_LEAD)
is_admin = _role_predicate(Role.ADMIN)
is_sales = _role_predicate(Role.SALES_REP, Role.SALES_MANAGER)
is_delivery = _role_predicate(Role.DELIVERY_LEAD, Role.DELIVERY_MEMBER)
