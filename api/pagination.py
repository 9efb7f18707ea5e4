"""Limit/offset lists: ``{"items": [...], "count": N}`` (limit 50 by default, 200 at most)."""

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from ninja import Schema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


T = TypeVar("T")


class Page[T](Schema):
    items: list[T]
    count: int


def paginate(queryset: QuerySet, *, limit: int = DEFAULT_LIMIT, offset: int = 0) -> dict[str, Any]:
    errors = {}
    if not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = [f"Must be between 1 and {MAX_LIMIT}."]
    if offset < 0:
        errors["offset"] = ["Must be 0 or more."]
    if errors:
        raise ValidationError(errors)
    return {"items": list(queryset[offset : offset + limit]), "count": queryset.count()}
