"""Objects named by id in a request body."""

from typing import Any

from django.core.exceptions import ValidationError


def related(model: Any, pk: int | None, field: str) -> Any:
    """The ``model`` row with this id, None for no id, or a 422 naming ``field``."""
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: [f"No {model._meta.verbose_name} with id {pk}."]})
    return obj
