"""Reading a message (no server): ids, bounds, dates, html, forwarded headers; INBOX_URL."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from inbox.messages import html_to_text, read_bytes
from inbox.models import SUBJECT_LENGTH
from inbox.services import mailbox_poll, parse_inbox_url
from inbox.tests import mail


def test_a_missing_message_id_is_synthesized_the_same_every_time():
    first = read_bytes(mail.without_message_id())
    again = read_bytes(mail.without_message_id())
    other = read_bytes(mail.without_message_id(sender="else@unknown.example"))

    assert first.synthesized_id is True
    assert first.message_id == again.message_id
    assert first.message_id != other.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith(
        "@synthesized.relay.invalid>"
    )


def test_an_overlong_message_id_is_hashed_and_a_long_subject_cut():
    raw = mail.plain(sender="a@b.example", message_id="<" + "x" * 400 + "@b>", subject="S" * 900)

    received = read_bytes(raw)

    assert received.message_id.endswith("@hashed.relay.invalid>")
    assert len(received.message_id) < 255
    assert received.synthesized_id is False
    assert received.subject == "S" * SUBJECT_LENGTH


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Tue, 01 Dec 2026 09:30:00 +0100", dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)),
        ("Tue, 01 Dec 2026 09:30:00", dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)),
        ("Mon, 01 Jan 1800 00:00:00 +0000", None),
        ("Fri, 01 Jan 3001 00:00:00 +0000", None),
        ("yesterday", None),
    ],
)
def test_the_date_is_in_utc_and_bounded(header, expected):
    raw = mail.alternative(date=header)

    assert read_bytes(raw).sent_at == expected


def test_html_becomes_text():
    markup = "<p>One&nbsp;&amp; two &amp;lt;3</p><script>x()</script><ul><li>a</li></ul>"

    assert html_to_text(markup) == "One & two &lt;3\n\na"


def test_addresses_are_lower_case_and_unique():
    raw = mail.plain(
        sender="ANN@Acme.Example",
        to="Rita <REP@company.example>, rep@company.example, not-an-address",
        message_id="<u@x>",
    )

    received = read_bytes(raw)

    assert received.from_address == "ann@acme.example"
    assert received.to == ["rep@company.example"]


def test_an_attached_forwarded_message_gives_its_addresses():
    inner = mail.plain(sender="ann@acme.example", to="rep@company.example", message_id="<in@x>")
    raw = (
        b"From: rep@company.example\r\nTo: crm@company.example\r\nSubject: Fwd: Hello\r\n"
        b"Message-ID: <outer@x>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n"
    )

    received = read_bytes(raw)

    assert received.forwarded == ["ann@acme.example", "rep@company.example"]


def test_inbox_url_reads_its_parts():
    box = parse_inbox_url(
        "imaps://crm%40company.example:p%40ss%20w@imap.company.example/Cap%20ture"
    )

    assert (box.scheme, box.host, box.port, box.user, box.password, box.folder) == (
        "imaps",
        "imap.company.example",
        993,
        "crm@company.example",
        "p@ss w",
        "Cap ture",
    )
    assert box.key == "imaps://crm@company.example@imap.company.example:993/Cap ture"
    plain = parse_inbox_url("imap://u:p@host?starttls=true")
    assert (plain.port, plain.folder, plain.starttls) == (143, "INBOX", True)


@pytest.mark.parametrize(
    "url", ["http://u:p@host/", "imap://host/INBOX", "imap://u:p@host:notaport/", "imap:///"]
)
def test_a_bad_inbox_url_is_refused_naming_it(url):
    with pytest.raises(ValidationError) as error:
        parse_inbox_url(url)

    assert list(error.value.message_dict) == ["INBOX_URL"]


@pytest.mark.django_db
def test_a_bad_inbox_url_is_logged_not_raised(settings, caplog):
    settings.INBOX_URL = "pop3://u:p@host/"

    result = mailbox_poll()

    assert result.error == "Use imap:// or imaps://."
    assert "INBOX_URL is not usable" in caplog.text


def test_an_address_keeps_no_control_characters():
    raw = mail.plain(sender="ann@acme.example", message_id="<c@x>").replace(
        b"From: ann@acme.example", b"From: a\x00nn@acme.example"
    )

    assert read_bytes(raw).from_address == "ann@acme.example"
