"""Fixtures for cross-app tests: a real Celery worker, Relay served as in production, and
Chromium driven by Playwright."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.servers import gunicorn

# Playwright's sync API keeps an event loop running in the main thread for the whole
# session; Django would then refuse every ORM call made by later tests. They are plain
# synchronous calls, so the guard is lifted for the test process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 860}}


def worker_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The worker's environment: the test database and broker, plus ``extra`` (EMAIL_URL...)."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        **(extra or {}),
    }


class WorkerProcess:
    """A real `celery worker` subprocess against the test broker and database.

    ``extra_env`` is added to its environment (for example ``EMAIL_URL``); it can be set
    before ``start()``, and ``start()`` may be called again after ``kill()`` to restart.
    """

    def __init__(
        self, log_path: Path, concurrency: int = 1, extra_env: dict[str, str] | None = None
    ) -> None:
        self.log_path = log_path
        self.concurrency = concurrency
        self.extra_env = dict(extra_env or {})
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "WorkerProcess":
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
            ],
            cwd=ROOT,
            env=worker_environment(self.extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.wait_ready(offset)
        return self

    def wait_ready(self, offset: int = 0, timeout: float = 180) -> None:
        """Block until this worker logs that it is ready, so a loaded machine (CI on two
        cores) cannot eat into the tests' own time limits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"The Celery worker exited:\n{self.log()}")
            with self.log_path.open("rb") as log:
                log.seek(offset)
                if b" ready." in log.read():
                    return
            time.sleep(0.1)
        raise RuntimeError(f"The Celery worker was not ready in {timeout} s:\n{self.log()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def celery_worker_process(tmp_path) -> Iterator[WorkerProcess]:
    from config.celery import app

    app.control.purge()
    worker = WorkerProcess(tmp_path / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture
def page(page):
    """Fail fast: a browser step waits at most 10 seconds."""
    page.set_default_timeout(10_000)
    return page


def production_environment(static_root: Path) -> dict[str, str]:
    """Production settings (``config.settings`` with DEBUG off) on the test database."""
    environment = worker_environment(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": "production-smoke-test-key-" + "k" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "STATIC_ROOT": str(static_root),
        }
    )
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


@pytest.fixture
def production_server(transactional_db, tmp_path) -> Iterator[str]:
    """Relay as the Dockerfile runs it: collectstatic into the manifest storage, then gunicorn
    on a free port of 127.0.0.1, serving the test database; yields its base URL."""
    environment = production_environment(tmp_path / "staticfiles")
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if collect.returncode:
        pytest.fail(f"collectstatic failed with DEBUG off:\n{collect.stdout}{collect.stderr}")
    log_path = tmp_path / "gunicorn.log"
    try:
        with gunicorn(environment, log_path, ["--workers", "2"]) as base:
            yield base
    finally:
        print(log_path.read_text(errors="replace"))  # shown when the test fails
