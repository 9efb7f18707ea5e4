from django.db.models import Q, QuerySet

from accounts.models import User


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).prefetch_related("groups").order_by("username")


def users_matching(people: QuerySet[User], q: str) -> QuerySet[User]:
    """``people`` whose name, username or email contains ``q`` (already cleaned), by name:
    pickers of people by role (at most a few hundred users, no index needed)."""
    if q:
        people = people.filter(
            Q(full_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(username__icontains=q)
            | Q(email__icontains=q)
        )
    return people.order_by("full_name", "username", "pk")
