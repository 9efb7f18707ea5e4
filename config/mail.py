"""Development email: each message as a readable text file under var/mail/ (headers, the
decoded text, and any HTML part beside it), instead of raw MIME on the console, where
quoted-printable line breaks cut links in two and Celery logs every line as a warning."""

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

_counter = itertools.count(1)


class FolderBackend(BaseEmailBackend):
    def __init__(self, *, folder: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = Path(folder or settings.VAR_DIR / "mail")

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            self._write(message)
        return len(email_messages)

    def _write(self, message: EmailMessage) -> None:
        mime = message.message()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
        slug = re.sub(r"[^a-z0-9]+", "-", message.subject.lower()).strip("-")[:50] or "email"
        name = f"{stamp}-{next(_counter)}-{slug}"
        headers = [
            f"{header}: {mime[header]}"
            for header in ("Date", "From", "To", "Cc", "Reply-To", "Subject", "Message-ID")
            if mime[header]
        ]
        (self.folder / f"{name}.txt").write_text(
            "\n".join(headers) + "\n\n" + str(message.body), encoding="utf-8"
        )
        if isinstance(message, EmailMultiAlternatives):
            for content, mimetype in message.alternatives:
                if mimetype == "text/html":
                    (self.folder / f"{name}.html").write_text(str(content), encoding="utf-8")
