"""Domain events: the one hook through which the domain says what happened (issue 16).

A service emits an event inside its own transaction, once per change, at the one place that
makes the change (``crm.services._fire`` for every stage transition, ``projects.services.
_set_status`` for a task becoming done...). Apps above listen on :data:`occurred`; today
only ``webhooks`` does, writing its outbox rows in that same transaction, so an event is
recorded exactly when its change commits and never when it rolls back.

The receiver gets ``events``: a list of :class:`Event` (one for ``emit``, a batch for
``emit_many``, such as a CSV import's new deals), so a listener can write a batch in one
statement. Payloads (``data``) are small and stable: ids, a title or name, stages, amounts
as decimal strings; no URLs, no personal data beyond what the ids name.

Why a signal, when STYLE.md says "no signals for business behaviour": the listeners sit in
layers above the apps that emit (import-linter forbids crm calling webhooks), so the domain
cannot call them; this is the one named hook for that ("cross-app hooks go through one
named registry module"), and what a listener does is its own app's rule, not the domain's.
This module sits in the bottom layer and imports no app.
"""

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.dispatch import Signal
from django.utils import timezone

#: Every event type, in the order the API and admin list them. Defined once, here.
EVENT_TYPES: tuple[str, ...] = (
    "deal.created",
    "deal.stage_changed",
    "deal.won",
    "deal.lost",
    "project.created",
    "task.done",
    "milestone.approved",
)

#: Sent with ``events=[Event, ...]`` inside the transaction of the change.
occurred = Signal()


def new_event_id() -> str:
    """``evt_`` and 32 hex digits: unique, and the ``webhook-id`` of every delivery of it."""
    return f"evt_{uuid.uuid4().hex}"


@dataclass(frozen=True)
class Event:
    type: str
    data: Mapping[str, Any]
    id: str = field(default_factory=new_event_id)
    occurred_at: dt.datetime = field(default_factory=timezone.now)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"Unknown event type {self.type!r}.")


def emit_many(type: str, items: Iterable[Mapping[str, Any]]) -> list[Event]:
    """One event of ``type`` per payload in ``items``, sent to the listeners as one batch;
    the events (none sent when ``items`` is empty)."""
    events = [Event(type=type, data=dict(data)) for data in items]
    if events:
        occurred.send(sender=Event, events=events)
    return events


def emit(type: str, data: Mapping[str, Any]) -> Event:
    """Say that ``type`` happened, with its payload ``data``; the event."""
    [event] = emit_many(type, [data])
    return event
