"""/api/v1/inbound-emails: what the capture mailbox brought, and the review list's
decisions (attach to a deal or a company, discard). Sales managers and admins only."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema

from api.auth import current_user
from api.errors import ONE, READ, WRITE, answers
from api.fields import Id, PathId, Version
from api.fields import Input as InputSchema
from api.lookups import related
from api.pagination import DEFAULT_LIMIT, Limit, Offset, Page, paginate
from crm.models import Company, Deal
from inbox import selectors, services
from inbox.models import InboundEmail

router = Router(tags=["inbox"])

StatusName = Literal["matched", "unmatched", "discarded"]


class InboundEmailOut(Schema):
    id: int
    message_id: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    forwarded: list[str] = Field(
        description="Addresses of a forwarded message's own headers, also matched."
    )
    subject: str
    text: str = Field(description="The text (an html-only message as text), at most 50,000.")
    sent_at: dt.datetime | None = Field(description="The Date header, null when unreadable.")
    received_at: dt.datetime
    status: StatusName
    forwarded_by_id: int | None = Field(description="The Relay user who sent or forwarded it.")
    deal_id: int | None
    company_id: int | None
    contact_id: int | None
    activity_id: int | None = Field(description="The email activity in the timeline.")
    decided_by_id: int | None
    decided_at: dt.datetime | None
    version: int


class AssignIn(InputSchema):
    """One of ``deal_id`` (the email goes on the deal and its company) or ``company_id``."""

    deal_id: Id | None = None
    company_id: Id | None = None
    version: Version | None = None


class DiscardIn(InputSchema):
    version: Version | None = None


NO_VERSION = DiscardIn()  # an omitted body

_FIELDS = {"deal": "deal_id", "company": "company_id"}


def _renamed(error: ValidationError) -> ValidationError:
    """The services' field names as the API spells them (``deal`` -> ``deal_id``)."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({_FIELDS.get(k, k): v for k, v in error.error_dict.items()})


@router.get("inbound-emails", response=answers({200: Page[InboundEmailOut]}, *READ, 403))
def inbound_email_list(
    request: HttpRequest,
    status: StatusName | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Newest first; ``status=unmatched`` is the review list."""
    emails = selectors.inbound_emails_for(user=current_user(request), status=status)
    return paginate(emails, limit=limit, offset=offset)


@router.get("inbound-emails/{int:email_id}", response=answers({200: InboundEmailOut}, *ONE, 403))
def inbound_email_get(request: HttpRequest, email_id: PathId) -> InboundEmail:
    return selectors.inbound_email_get_for_user(user=current_user(request), pk=email_id)


@router.post(
    "inbound-emails/{int:email_id}/assign",
    response=answers({200: InboundEmailOut}, *ONE, *WRITE, 403, 409),
)
def inbound_email_assign(request: HttpRequest, email_id: PathId, payload: AssignIn) -> InboundEmail:
    """Log an unmatched email on a deal or a company: 422 naming ``deal_id`` or
    ``company_id`` when neither or both are given or one does not exist, ``status`` when
    the email is no longer waiting for review; 409 when ``version`` is stale."""
    user = current_user(request)
    email = selectors.inbound_email_get_for_user(user=user, pk=email_id)
    deal = related(Deal, payload.deal_id, "deal_id")
    company = related(Company, payload.company_id, "company_id")
    try:
        return services.inbound_email_assign(
            email=email, by=user, deal=deal, company=company, version=payload.version
        )
    except ValidationError as error:
        raise _renamed(error) from None


@router.post(
    "inbound-emails/{int:email_id}/discard",
    response=answers({200: InboundEmailOut}, *ONE, *WRITE, 403, 409),
)
def inbound_email_discard(
    request: HttpRequest, email_id: PathId, payload: DiscardIn = NO_VERSION
) -> InboundEmail:
    """Take an unmatched email off the review list (the body is optional); 422 naming
    ``status`` when it is no longer waiting."""
    user = current_user(request)
    email = selectors.inbound_email_get_for_user(user=user, pk=email_id)
    return services.inbound_email_discard(email=email, by=user, version=payload.version)
