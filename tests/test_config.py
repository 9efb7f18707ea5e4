"""The environment decides database, broker and email."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRINT = (
    "from django.conf import settings as s;"
    "print(s.DATABASES['default']['ENGINE']);"
    "print(s.CELERY_BROKER_URL);"
    "print(s.MAILERS['default']['BACKEND']);"
    "o = s.MAILERS['default']['OPTIONS'];"
    "print(o.get('host'), o.get('port'))"
)


def settings_under(**env: str) -> list[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_URL", "DEBUG"}
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + PRINT],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split("\n")[:4]


def test_defaults_need_nothing_installed():
    assert settings_under() == [
        "django.db.backends.sqlite3",
        "filesystem://localhost/",
        "config.mail.FolderBackend",
        "None None",
    ]


def test_environment_switches_to_postgresql_redis_and_smtp():
    assert settings_under(
        DATABASE_URL="postgres://u@db:5432/relay",
        REDIS_URL="redis://cache:6379/0",
        EMAIL_URL="smtp://mailer:1025",
    ) == [
        "django.db.backends.postgresql",
        "redis://cache:6379/0",
        "django.core.mail.backends.smtp.EmailBackend",
        "mailer 1025",
    ]


def test_celery_broker_url_overrides_redis_url():
    lines = settings_under(REDIS_URL="redis://cache:6379/0", CELERY_BROKER_URL="amqp://guest@mq//")
    assert lines[1] == "amqp://guest@mq//"


def test_celery_app_reads_django_settings():
    celery = importlib.import_module("config.celery")
    assert celery.app.conf.task_acks_late is True
    assert celery.app.conf.task_reject_on_worker_lost is True


def test_the_local_broker_keeps_its_broadcasts_under_var(tmp_path):
    """A remote-control broadcast (what ``celery inspect`` and the worker's pidbox use)
    writes kombu's exchange table under var/celery/control, not in the working directory."""
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from config.celery import app;"
            "app.control.ping(timeout=0.2)",
        ],
        cwd=tmp_path,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert list(tmp_path.iterdir()) == []
    assert (ROOT / "var" / "celery" / "control" / "reply.celery.pidbox.exchange").is_file()


def test_development_email_lands_as_readable_files(tmp_path):
    from django.core.mail import EmailMultiAlternatives

    from config.mail import FolderBackend

    link = "http://127.0.0.1:8000/accounts/reset/MQ/" + "c" * 40 + "-" + "d" * 32 + "/"
    message = EmailMultiAlternatives(
        subject="Reset your Relay password",
        body=f"Grüezi Rita,\n\nchoose a new password here:\n{link}\n",
        from_email="Relay <relay@localhost>",
        to=["rita@example.com"],
        headers={"Message-ID": "<reset-1@relay>"},
    )
    message.attach_alternative(f'<p><a href="{link}">Choose a new password</a></p>', "text/html")
    assert FolderBackend(folder=str(tmp_path)).send_messages([message]) == 1
    (text,) = tmp_path.glob("*-reset-your-relay-password.txt")
    (html,) = tmp_path.glob("*-reset-your-relay-password.html")
    head, body = text.read_text(encoding="utf-8").split("\n\n", 1)
    assert head.splitlines()[1:] == [
        "From: Relay <relay@localhost>",
        "To: rita@example.com",
        "Subject: Reset your Relay password",
        "Message-ID: <reset-1@relay>",
    ]
    assert head.splitlines()[0].startswith("Date: ")
    assert body == f"Grüezi Rita,\n\nchoose a new password here:\n{link}\n"  # the link whole
    assert html.read_text(encoding="utf-8") == (
        f'<p><a href="{link}">Choose a new password</a></p>'
    )
