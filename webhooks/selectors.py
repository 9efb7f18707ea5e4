"""Reads for webhooks: admins only (everyone else is refused before any read)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import Role
from webhooks.models import Attempt, Delivery, Endpoint


def require_admin(user: User) -> None:
    """Webhooks are an admin's set-up: anyone else is refused (403)."""
    if not user.is_active or not user.has_role(Role.ADMIN):
        raise PermissionDenied("Only admins manage webhooks.")


def endpoint_list(user: User) -> QuerySet[Endpoint]:
    require_admin(user)
    return Endpoint.objects.order_by("-created_at", "-pk")


def endpoint_get(user: User, endpoint_id: int) -> Endpoint:
    require_admin(user)
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


def delivery_list(user: User, endpoint: Endpoint) -> QuerySet[Delivery]:
    """An endpoint's deliveries, newest first, each with its attempts (newest first)."""
    require_admin(user)
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("-at", "-pk")))
    )
