"""Reads for the review list and the API: the emails a reviewer sees, one by id, and the
deals a reviewer may attach one to."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from crm.models import Deal
from crm.selectors import deal_visible_to
from inbox.models import InboundEmail, MailboxState, Status
from inbox.services import is_configured, parse_inbox_url
from inputs.text import clean_query_text


def _require_reviewer(user: User) -> None:
    if not user.has_perm("inbox.review_email"):
        raise PermissionDenied("Only sales managers and admins review the inbox.")


def inbound_emails_for(*, user: User, status: str | None = None) -> QuerySet[InboundEmail]:
    """Every email the mailbox brought, newest first (of ``status`` when given), with what
    it was logged on; reviewers only (403 for anyone else)."""
    _require_reviewer(user)
    emails = InboundEmail.objects.select_related(
        "deal", "company", "contact", "forwarded_by", "decided_by"
    ).order_by("-received_at", "-pk")
    return emails.filter(status=status) if status else emails


def unmatched_for(*, user: User) -> QuerySet[InboundEmail]:
    return inbound_emails_for(user=user, status=Status.UNMATCHED)


def inbound_email_get_for_user(*, user: User, pk: int) -> InboundEmail:
    """One email by id: 404 when there is none, 403 for someone who does not review."""
    email = (
        InboundEmail.objects.select_related(
            "deal", "company", "contact", "forwarded_by", "decided_by", "activity"
        )
        .filter(pk=pk)
        .first()
    )
    if email is None:
        raise Http404("No such email.")
    _require_reviewer(user)
    return email


def deal_choices(
    *, user: User, q: str | None = None, company_id: int | None = None, limit: int = 20
) -> list[Deal]:
    """The deals the review page's picker suggests for ``q`` (open deals first), those of
    ``company_id`` when a company is chosen."""
    term = clean_query_text(q)
    deals = deal_visible_to(user, Deal.objects.select_related("company"))
    if company_id:
        deals = deals.filter(company_id=company_id)
    if term:
        deals = deals.filter(Q(title__icontains=term) | Q(company__name__icontains=term))
    open_first = Deal.objects.open().values("pk")
    ranked = deals.order_by("-updated_at", "-pk")
    found = list(ranked.filter(pk__in=open_first)[:limit])
    if len(found) < limit:
        found += list(ranked.exclude(pk__in=open_first)[: limit - len(found)])
    return found


def mailbox_state() -> MailboxState | None:
    """The configured mailbox's state (when it was last read, its last error), if any."""
    if not is_configured():
        return None
    try:
        key = parse_inbox_url(settings.INBOX_URL).key
    except ValidationError:
        return None
    return MailboxState.objects.filter(key=key).first()
