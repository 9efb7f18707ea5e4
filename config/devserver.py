"""``make run``: Django's development server with a Celery worker and beat, quiet, and the
demo sign-ins printed last, once the site answers and the worker is listening.

Run as ``python -m config.devserver [--port N]``. Ctrl-C (or SIGTERM) stops all three.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 120.0
# Celery warns that a worker runs as root; on a developer's own machine that is their choice.
QUIET_WARNINGS = "ignore:You're running the worker with superuser privileges"


def _celery(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("celery")), "-A", "config", "--quiet", *args]


def _start(command: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True)


def _site_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _worker_answers() -> bool:
    from config.celery import app

    return bool(app.control.ping(timeout=1.0))


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Ask each to stop (a worker finishes its tasks and stops its pool), then kill what is
    left of their process groups."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # runserver's reloaded child, pool workers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args(argv).port
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    environment = {
        **os.environ,
        "PYTHONWARNINGS": QUIET_WARNINGS,
        "DJANGO_RUNSERVER_HIDE_WARNING": "true",  # its "development server" notice: we know
    }
    url = f"http://127.0.0.1:{port}"
    print(f"Starting Relay on {url} with a Celery worker and beat…", flush=True)
    processes = [
        _start(
            _celery(
                "worker",
                "--loglevel=WARNING",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
            ),
            environment,
        ),
        _start(_celery("beat", "--loglevel=WARNING"), environment),
        _start(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--skip-checks"],
            environment,
        ),
    ]
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    deadline = time.monotonic() + READY_TIMEOUT
    ready = False
    try:
        while not stopping and time.monotonic() < deadline:
            if any(p.poll() is not None for p in processes):
                print("A Relay process stopped while starting; see its messages above.")
                return 1
            if _site_answers(url) and _worker_answers():
                ready = True
                break
            time.sleep(0.5)
        if not ready:
            if not stopping:
                print(f"Relay did not answer on {url} within {READY_TIMEOUT:.0f} s.")
            return 1
        from demo.seed import sign_ins

        print("", *sign_ins(), f"Relay is ready on {url} (Ctrl-C stops it).", sep="\n")
        sys.stdout.flush()
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.5)
        return 0
    finally:
        _stop(processes)
        print("Relay stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
