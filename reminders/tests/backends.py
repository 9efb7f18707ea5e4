"""An email backend for tests that fails the next N sends like an SMTP server would."""

import smtplib
from typing import ClassVar

from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    failures_left: ClassVar[int] = 0
    closed: ClassVar[int] = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)

    def close(self):
        FlakyBackend.closed += 1
        return super().close()
