"""/api/v1/webhooks: signed webhook endpoints (admins only), and each one's delivery log.

The ``secret`` (``whsec_...``) is in the create answer only: Relay signs with it, and no
later answer shows it again. Creates take no Idempotency-Key, since a replayed answer would
show the secret a second time; a retried create makes a second endpoint, which an admin
deletes.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from api.auth import current_user
from api.errors import ONE, READ, WRITE, answers
from api.fields import FilledLine, Input, Line, PathId
from api.pagination import DEFAULT_LIMIT, Limit, Offset, Page, paginate
from records.events import EVENT_TYPES
from webhooks import selectors, services
from webhooks.models import Delivery, Endpoint

router = Router(tags=["webhooks"])

EventName = Literal[EVENT_TYPES]  # type: ignore[valid-type]
StatusName = Literal["pending", "sent", "failed"]


class EndpointIn(Input):
    url: Annotated[str, FilledLine(2000)] = Field(
        description="http or https (https unless the host is in WEBHOOK_ALLOW_PRIVATE); "
        "private and loopback addresses are refused unless WEBHOOK_ALLOW_PRIVATE lists the "
        "host."
    )
    events: list[EventName] = Field(min_length=1, max_length=len(EVENT_TYPES))
    description: Annotated[str, Line(200)] = ""


class EndpointOut(Schema):
    id: int
    url: str
    events: list[EventName]
    description: str
    is_active: bool
    disabled_at: dt.datetime | None
    disabled_reason: str
    consecutive_failures: int
    created_at: dt.datetime
    version: int


class EndpointCreated(EndpointOut):
    secret: str = Field(
        description="The signing secret, ``whsec_`` and base64: shown in this answer only."
    )


class AttemptOut(Schema):
    at: dt.datetime
    status_code: int | None
    response_body: str = Field(description="The first 2 KB of the receiver's answer.")
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    event_id: str = Field(description="The event's id: the ``webhook-id`` header.")
    event_type: str
    status: StatusName
    attempts: int
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    payload: dict[str, Any]
    attempt_log: list[AttemptOut]


def _out(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "disabled_at": endpoint.disabled_at,
        "disabled_reason": endpoint.disabled_reason,
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": endpoint.created_at,
        "version": endpoint.version,
    }


def _delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "sent_at": delivery.sent_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "payload": delivery.payload,
        "attempt_log": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "response_body": a.response_body,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in delivery.attempt_log.all()
        ],
    }


@router.get("webhooks", response=answers({200: Page[EndpointOut]}, *READ, 403))
def webhook_list(request: HttpRequest, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> dict:
    page = paginate(selectors.endpoint_list(current_user(request)), limit=limit, offset=offset)
    page["items"] = [_out(endpoint) for endpoint in page["items"]]
    return page


@router.post("webhooks", response=answers({201: EndpointCreated}, *WRITE, 403))
def webhook_create(request: HttpRequest, payload: EndpointIn) -> Status:
    user = current_user(request)
    selectors.require_admin(user)
    endpoint = services.endpoint_create(
        by=user, url=payload.url, events=list(payload.events), description=payload.description
    )
    return Status(201, {**_out(endpoint), "secret": endpoint.secret})


@router.delete("webhooks/{int:webhook_id}", response=answers({204: None}, *ONE, 403))
def webhook_delete(request: HttpRequest, webhook_id: PathId) -> Status:
    user = current_user(request)
    endpoint = selectors.endpoint_get(user, webhook_id)
    services.endpoint_delete(by=user, endpoint=endpoint)
    return Status(204, None)


@router.get(
    "webhooks/{int:webhook_id}/deliveries",
    response=answers({200: Page[DeliveryOut]}, *ONE, *READ, 403),
)
def webhook_deliveries(
    request: HttpRequest, webhook_id: PathId, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> dict:
    """The endpoint's deliveries, newest first, each with its attempts (newest first)."""
    user = current_user(request)
    endpoint = selectors.endpoint_get(user, webhook_id)
    page = paginate(selectors.delivery_list(user, endpoint), limit=limit, offset=offset)
    page["items"] = [_delivery_out(delivery) for delivery in page["items"]]
    return page
