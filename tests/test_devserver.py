"""``make run``'s server (config/devserver.py): the server, a worker and beat start quietly,
the demo sign-ins come last, once the site and the worker answer, and Ctrl-C stops all three
without leaving anything in the checkout."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from demo.seed import sign_ins

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)
NOISE = ("AXES", "WARNING", "SecurityWarning", "celery@", "[tasks]", "No hostname", "/static/")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_make_run_prints_the_sign_ins_last_once_everything_answers(tmp_path):
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    before = sorted(p.name for p in ROOT.iterdir())
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "config.devserver", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "Relay is ready" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/relay/app.css") as response:
            assert response.status == 200
        time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    ready = lines.index(f"Relay is ready on http://127.0.0.1:{port} (Ctrl-C stops it).")
    assert lines[ready - len(sign_ins()) : ready] == sign_ins()
    assert lines[ready + 1 :] == ["worker: Warm shutdown (MainProcess)", "Relay stopped."]
    assert [line for line in lines if any(word in line for word in NOISE)] == []
    assert sorted(p.name for p in ROOT.iterdir()) == before  # nothing new in the checkout
