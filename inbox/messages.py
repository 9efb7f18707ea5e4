"""An RFC 822 message as Relay keeps it: ``read_message`` turns what IMAP fetched (an
imap_tools ``MailMessage``) into a bounded ``Received``, with no database in sight.

- Message-ID: as sent (angle brackets kept); a missing one is synthesized from a hash of the
  sender, date, subject and text, so the same message read twice has the same id; one longer
  than the column is hashed the same way.
- Text: the text/plain parts; an html-only message is turned into text. At most
  ``TEXT_LENGTH`` characters, line ends ``\\n``, no NUL.
- Date: the Date header in UTC, or None when it is missing, unreadable or outside the years
  1900 to 2999.
- Forwarded: the addresses of a forwarded message's own headers, from a message/rfc822
  attachment, or from the "From:", "To:" and "Cc:" lines after a forwarding marker in the
  text (as Gmail, Outlook, Apple Mail and Thunderbird write them).
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses
from html.parser import HTMLParser

from imap_tools import MailMessage

from inbox.models import (
    ADDRESSES_KEPT,
    MESSAGE_ID_LENGTH,
    NAME_LENGTH,
    SUBJECT_LENGTH,
    TEXT_LENGTH,
)
from inputs.text import has_breaking_characters, one_line


@dataclass
class Received:
    message_id: str
    synthesized_id: bool
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    subject: str
    text: str
    sent_at: dt.datetime | None
    forwarded: list[str] = field(default_factory=list)
    uid: int | None = None


def _address(value: str) -> str:
    value = value.strip().lower()
    usable = (
        "@" in value
        and len(value) <= 254
        and not any(c.isspace() for c in value)
        and not has_breaking_characters(value)
    )
    return value if usable else ""


def _addresses(values: list[str]) -> list[str]:
    found = [a for a in (_address(v) for v in values) if a]
    return list(dict.fromkeys(found))[:ADDRESSES_KEPT]


class _Text(HTMLParser):
    """The text of an HTML body: blocks on their own lines, scripts and styles dropped."""

    BLOCKS = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre"}
    )
    HIDDEN = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.strip()[:TEXT_LENGTH]


def _sent_at(message: MailMessage) -> dt.datetime | None:
    if not message.date_str:
        return None
    try:
        sent = message.date
    except (ValueError, OverflowError):
        return None
    if not 1900 <= sent.year <= 2999 or (sent.year == 1900 and sent.month == 1 and sent.day == 1):
        return None  # imap_tools answers 1900-01-01 for a date it cannot read
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=dt.UTC)
    try:
        return sent.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None


_MARKER = re.compile(
    r"^[ >]*(-{2,}\s*(forwarded message|original message)\s*-{2,}|begin forwarded message:)",
    re.IGNORECASE | re.MULTILINE,
)
_HEADER_LINE = re.compile(
    r"^[ >*]*(from|to|cc)\s*:\s*\**\s*(?P<value>.+)$", re.IGNORECASE | re.MULTILINE
)
# How far past a forwarding marker its header block may run.
_HEADER_WINDOW = 2000


def _forwarded(message: MailMessage, text: str) -> list[str]:
    found: list[str] = []
    for part in message.obj.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                values = [str(inner.get(name, "")) for name in ("from", "to", "cc")]
                found += [email for _, email in getaddresses(values)]
    for marker in _MARKER.finditer(text):
        block = text[marker.end() : marker.end() + _HEADER_WINDOW]
        values = [m["value"].replace("mailto:", "") for m in _HEADER_LINE.finditer(block)]
        # "Name [mailto:a@b]" (Outlook) and "Name <a@b>" both read as addresses.
        values = [re.sub(r"\[(.*?)\]", r"<\1>", value) for value in values]
        found += [email for _, email in getaddresses(values)]
    return _addresses(found)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "replace")).hexdigest()[:40]


def read_message(message: MailMessage) -> Received:
    sender = message.from_values
    from_address = _address(sender.email) if sender else ""
    from_name = one_line(sender.name if sender else "")[:NAME_LENGTH]
    subject = one_line(message.subject)[:SUBJECT_LENGTH]
    text = message.text or ""
    if not text.strip() and message.html:
        text = html_to_text(message.html)
    text = _clean_text(text)
    sent_at = _sent_at(message)
    raw_id = one_line(str(message.obj.get("Message-ID", "") or ""))
    synthesized = not raw_id
    if synthesized or len(raw_id) > MESSAGE_ID_LENGTH:
        seed = (from_address, message.date_str, subject, text) if synthesized else (raw_id,)
        raw_id = f"<{_digest(*seed)}@{'synthesized' if synthesized else 'hashed'}.relay.invalid>"
    uid = int(message.uid) if message.uid and message.uid.isdigit() else None
    return Received(
        message_id=raw_id,
        synthesized_id=synthesized,
        from_address=from_address,
        from_name=from_name,
        to=_addresses([a.email for a in message.to_values]),
        cc=_addresses([a.email for a in message.cc_values]),
        subject=subject,
        text=text,
        sent_at=sent_at,
        forwarded=_forwarded(message, text),
        uid=uid,
    )


def read_bytes(raw: bytes) -> Received:
    """``read_message`` of a message's bytes (tests, the admin)."""
    return read_message(MailMessage.from_bytes(raw))
