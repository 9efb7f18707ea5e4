"""Realistic RFC 822 messages for the inbox's tests, as mail clients write them."""

import base64


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def alternative(
    *,
    sender: str = "Ann Example <ann@acme.example>",
    to: str = "Rita Rep <rep@company.example>",
    cc: str = "crm@company.example",
    message_id: str = "<CAF=q3x1@mail.acme.example>",
    date: str = "Tue, 01 Dec 2026 09:30:00 +0100",
) -> bytes:
    """multipart/alternative with an encoded-word subject ("Angebot für Q3, Zeitplan", with an en dash)."""
    return _crlf(
        f"""Return-Path: <ann@acme.example>
Received: from mail.acme.example (mail.acme.example [192.0.2.10])
\tby mx.company.example with ESMTPS id 4Fq; Tue, 01 Dec 2026 09:30:02 +0100
From: {sender}
To: {to}
Cc: {cc}
Subject: =?UTF-8?B?QW5nZWJvdCBmw7xyIFEzIOKAkyBaZWl0cGxhbg==?=
Date: {date}
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="000000000000b1c2d3"

--000000000000b1c2d3
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Hallo Rita,

anbei der Zeitplan f=C3=BCr Q3. K=C3=B6nnen wir Donnerstag sprechen?

Ann

--000000000000b1c2d3
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Hallo Rita,<br><br>anbei der Zeitplan f=C3=BCr Q3.</div>

--000000000000b1c2d3--
"""
    )


def html_only(
    *, sender: str = "ann@acme.example", message_id: str = "<html-1@acme.example>"
) -> bytes:
    return _crlf(
        f"""From: {sender}
To: crm@company.example
Subject: Our new office
Date: Wed, 02 Dec 2026 14:00:00 +0000
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><head><style>p {{ color: red; }}</style><title>News</title></head>
<body><p>We moved to M=FCnchen &amp; Co.</p><p>Visit&nbsp;us!</p>
<script>alert(1)</script></body></html>
"""
    )


def long_reply(*, sender: str = "ann@acme.example", paragraphs: int = 1200) -> bytes:
    """A reply deep in a thread: In-Reply-To, References and pages of quoted history."""
    quoted = "\n".join(
        f"> On day {n}, Rita wrote: the schedule still holds for milestone {n}."
        for n in range(paragraphs)
    )
    return _crlf(
        f"""From: {sender}
To: Rita Rep <rep@company.example>
Bcc: crm@company.example
Subject: Re: Re: Re: Kickoff planning
Date: Thu, 03 Dec 2026 08:15:00 -0500
Message-ID: <reply-42@acme.example>
In-Reply-To: <reply-41@company.example>
References: <start-1@company.example> <reply-41@company.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Agreed, let us keep the date.

{quoted}
"""
    )


def with_attachment(*, sender: str = "ann@acme.example") -> bytes:
    pdf = base64.encodebytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").decode()
    return _crlf(
        f"""From: Ann Example <{sender}>
To: rep@company.example, crm@company.example
Subject: Signed contract
Date: Thu, 03 Dec 2026 10:00:00 +0000
Message-ID: <contract-7@acme.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-boundary"

--mixed-boundary
Content-Type: text/plain; charset=us-ascii

The signed contract is attached.

--mixed-boundary
Content-Type: application/pdf; name="contract.pdf"
Content-Disposition: attachment; filename="contract.pdf"
Content-Transfer-Encoding: base64

{pdf}
--mixed-boundary
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"

Attachment text that is not the message.
--mixed-boundary--
"""
    )


def without_message_id(*, sender: str = "someone@unknown.example") -> bytes:
    return _crlf(
        f"""From: {sender}
To: crm@company.example
Subject: No id here
Date: Thu, 03 Dec 2026 11:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

A message from an old mailer that sets no Message-ID.
"""
    )


def forwarded(
    *, by: str = "Rita Rep <rep@company.example>", customer: str = "Ann Example <ann@acme.example>"
) -> bytes:
    """A user forwards a customer's email inline to the capture address (Gmail's layout)."""
    return _crlf(
        f"""From: {by}
To: crm@company.example
Subject: Fwd: Question about the invoice
Date: Thu, 03 Dec 2026 12:00:00 +0000
Message-ID: <fwd-1@company.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

FYI, for the timeline.

---------- Forwarded message ---------
From: {customer}
Date: Wed, 2 Dec 2026 at 17:01
Subject: Question about the invoice
To: {by}

Could you resend the invoice?
"""
    )


def plain(
    *,
    sender: str,
    to: str = "crm@company.example",
    subject: str = "Hello",
    message_id: str,
    cc: str = "",
) -> bytes:
    cc_line = f"Cc: {cc}\n" if cc else ""
    return _crlf(
        f"""From: {sender}
To: {to}
{cc_line}Subject: {subject}
Date: Thu, 03 Dec 2026 13:00:00 +0000
Message-ID: {message_id}
Content-Type: text/plain; charset=us-ascii

Body of {subject}.
"""
    )
