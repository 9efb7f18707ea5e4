"""``Idempotency-Key`` on the API's creates: a retried POST answers the first outcome again.

A create endpoint takes the optional header and hands its work to ``created_once``. With a
key, ``accounts.services.submit_once`` runs the work once per (user, route, key): a repeat
with the same body (even one sent while the first still runs) gets the first status and body
back with ``Idempotent-Replayed: true``; the same key with another body or on another path
is refused with 422 naming ``idempotency_key``. Failed attempts are not kept, so a retry of
a refused create runs again. Without a key, the create simply runs.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Schema, Status
from ninja.responses import NinjaJSONEncoder

from accounts.services import Outcome, submit_once
from api.auth import current_user
from api.fields import IdempotencyKey

REPLAYED = "Idempotent-Replayed"

# The header parameter of every create: ``idempotency_key: KeyHeader = None``.
KeyHeader = IdempotencyKey | None
key_header = Header(None, alias="Idempotency-Key")


def created_once(
    request: HttpRequest,
    key: str | None,
    schema: type[Schema],
    create: Callable[[], Any],
    status: int = 201,
) -> Status | HttpResponse:
    """Run ``create`` (which returns what ``schema`` serialises) at most once per key."""
    if key is None:
        return Status(status, create())

    def handle() -> Outcome:
        data = schema.model_validate(create()).model_dump(mode="json")
        return Outcome(status, json.dumps(data, cls=NinjaJSONEncoder))

    route = request.resolver_match.route if request.resolver_match else request.path
    fingerprint = hashlib.sha256(request.path.encode() + b"\n" + request.body).hexdigest()
    outcome = submit_once(
        user=current_user(request),
        scope=f"api:{request.method} {route}"[:100],
        key=key,
        fingerprint=fingerprint,
        handle=handle,
    )
    response = HttpResponse(outcome.body, status=outcome.status, content_type="application/json")
    if outcome.replayed:
        response[REPLAYED] = "true"
    return response
