"""Relay served by a real gunicorn for tests that talk HTTP to it (the production smoke test,
schemathesis): a free port of 127.0.0.1, the test database, stopped with its process group."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def gunicorn(
    environment: dict[str, str], log_path: Path, extra_args: Sequence[str] = ()
) -> Iterator[str]:
    """Start gunicorn with ``environment``; yield its base URL once ``/healthz`` answers."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                "127.0.0.1:0",
                "--access-logfile",
                "-",
                # Not the shared ~/.gunicorn/gunicorn.ctl: test runs may overlap.
                "--no-control-socket",
                *extra_args,
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield _wait_for_gunicorn(process, log_path)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_for_gunicorn(
    process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60
) -> str:
    """The base URL once gunicorn listens and ``/healthz`` answers."""
    deadline = time.monotonic() + timeout
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    base = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text(errors='replace')}")
        if base is None:
            found = re.search(r"Listening at: (http://\S+)", log_path.read_text(errors="replace"))
            base = found and found.group(1)
        if base:
            try:
                with direct.open(base + "/healthz", timeout=5) as response:
                    if response.status == 200:
                        return base
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(
        f"gunicorn was not ready in {timeout} s:\n{log_path.read_text(errors='replace')}"
    )
