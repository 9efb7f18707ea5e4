"""A real webhook receiver on loopback that verifies every request's signature."""

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks import tasks


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    payload: Any  # what verify() returned: the parsed body


@dataclass
class Receiver:
    """Answers each POST with the next of ``statuses`` (200 when none are left), after
    verifying it with ``Webhook(secret).verify``; ``received`` are the verified requests,
    ``unverified`` the others (none, in a passing test)."""

    port: int = 0
    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    #: Hold the next request "before_body" (nothing read: not received) or "before_answer"
    #: (received, not answered) until ``release`` is set; ``holding`` says it is held.
    hold: str | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def _wait(self, moment: str) -> bool:
        """Hold here if asked to; whether this request was held."""
        if self.hold != moment:
            return False
        self.hold = None
        self.holding.set()
        self.release.wait(60)
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/relay"

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if state._wait("before_body"):
                return  # the sender is gone: nothing was read, nothing received
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                payload = Webhook(state.secret).verify(body, headers)
            except (WebhookVerificationError, ValueError) as error:
                state.unverified.append(str(error))
                answer, text = 400, b"bad signature"
            else:
                state.received.append(Received(self.path, headers, body, payload))
                answer = state.statuses.pop(0) if state.statuses else 200
                text = json.dumps({"status": answer}).encode()
            state._wait("before_answer")
            try:
                self.send_response(answer)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)
            except OSError:
                pass  # the sender hung up (killed while it waited)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def allow_loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = ["127.0.0.1"]
    return settings


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Unit tests never reach Redis: queued sends are recorded instead."""
    queued: list[str] = []
    monkeypatch.setattr(tasks.send_deliveries, "delay", lambda: queued.append("send"))
    return queued
