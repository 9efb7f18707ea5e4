"""Relay settings: one file, driven by the environment.

With nothing set, Relay runs for development: SQLite and a filesystem Celery broker
under ``var/``, email printed to the console. Production sets ``DEBUG=false`` and must
then provide ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "django_fsm",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "ninja",
    "accounts",
    "crm",
    "projects",
    "handoff",
    "reminders",
    "dashboards",
    "imports",
    "inbox",
    "calendars",
    "webhooks",
    "webforms",
    "api",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'relay.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = env.bool(
        "DATABASE_POOL", default=False
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Opening a connection costs 10-15 ms of every request: keep it, unless pooled.
    if not DATABASES["default"]["OPTIONS"]["pool"]:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
        }
    )
# Imports report their progress on a connection of their own, so that a progress bar sees
# it while the import's transaction is open (SQLite has one writer: there, the same one).
IMPORTS_PROGRESS_DATABASE = "default"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["imports_progress"] = {
        **DATABASES["default"],
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), "pool": False},
        "CONN_MAX_AGE": 0,
        "TEST": {"MIRROR": "default"},
    }
    IMPORTS_PROGRESS_DATABASE = "imports_progress"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling (django-axes): lock a username + address pair after 5 failures.
AXES_FAILURE_LIMIT = 5
AXES_VERBOSE = False  # no "AXES: BEGIN version ..." line from every process
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Password reset throttling (accounts.services.password_reset_request): per window, at most
# this many reset emails to one address and requests from one client address. Refused
# requests get the same "check your email" page, so the limit reveals nothing.
PASSWORD_RESET_EMAILS_PER_ADDRESS = 3
PASSWORD_RESET_REQUESTS_PER_IP = 10
PASSWORD_RESET_THROTTLE_HOURS = 1

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# The house formats for dates and times (accounts/formats.py), through Django's named formats.
FORMAT_MODULE_PATH = ["config.formats"]
RELAY_CURRENCY = env.str("RELAY_CURRENCY", default="EUR")
# The team's sales target per calendar month, in RELAY_CURRENCY (0: none set), for the
# sales manager's forecast against target on My work.
RELAY_MONTHLY_SALES_TARGET = Decimal(env.str("RELAY_MONTHLY_SALES_TARGET", default="0"))

# Uploaded files (import files): under var/ unless MEDIA_ROOT says otherwise; never served.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Up to this size an upload stays in memory; bigger ones go to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

STATIC_URL = "static/"
# In development static files come straight from the app folders (no collectstatic).
STATIC_ROOT = None if DEBUG else env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: Django 6.1 mailers. EMAIL_URL like smtp://user:pass@host:587/?tls=True;
# without it, email goes to readable files under var/mail/ in development (config.mail) and
# to localhost:25 in production.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Relay <relay@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_url = env.str("EMAIL_URL", default="" if DEBUG else "smtp://localhost:25")
_email = environ.Env.email_url_config(_email_url) if _email_url else {}
_mailer: dict = {"BACKEND": _email.get("EMAIL_BACKEND", "config.mail.FolderBackend"), "OPTIONS": {}}
if _mailer["BACKEND"].endswith("smtp.EmailBackend"):
    _mailer["OPTIONS"] = {
        "host": _email.get("EMAIL_HOST") or "localhost",
        "port": _email.get("EMAIL_PORT") or 25,
        "username": _email.get("EMAIL_HOST_USER") or "",
        "password": _email.get("EMAIL_HOST_PASSWORD") or "",
        "use_tls": bool(_email.get("EMAIL_USE_TLS")),
        "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=30),
    }
MAILERS = {"default": _mailer}

# Celery: REDIS_URL is the broker (CELERY_BROKER_URL overrides); without either, a
# filesystem broker under var/ so one machine needs nothing else.
REDIS_URL = env.str("REDIS_URL", default="")
# The filesystem broker's URL names a host, or kombu warns that it has none.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        # Broadcasts (remote control, pings) too; kombu's default is "control" in the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
# Results are kept only for tasks that ask for them (ignore_result=False), in Redis when present.
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "accounts-clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
    # Reminders (R10): digests are planned every 15 minutes (the first run at/after 07:00
    # in each user's zone makes the day's digest); the outbox is swept every minute.
    "reminders-plan": {
        "task": "reminders.tasks.plan_reminders",
        "schedule": crontab(minute="*/15"),
    },
    "reminders-plan-mentions": {
        "task": "reminders.tasks.plan_mentions",
        "schedule": crontab(),
    },
    "reminders-send-outbox": {
        "task": "reminders.tasks.send_outbox",
        "schedule": crontab(),
    },
    # Webhooks (issue 16): due deliveries are swept every minute (retries, lost task messages).
    "webhooks-send-deliveries": {
        "task": "webhooks.tasks.send_deliveries",
        "schedule": crontab(),
    },
    # Forecasts (issue 15): nothing is forecast in the past, so each day moves what is behind.
    "projects-refresh-forecasts": {
        "task": "projects.tasks.refresh_forecasts",
        "schedule": crontab(minute=5, hour=0),
    },
    # Email into the timeline (issue 16): the capture mailbox is read every 2 minutes.
    "inbox-poll-mailbox": {
        "task": "inbox.tasks.poll_mailbox",
        "schedule": crontab(minute="*/2"),
    },
}

# Webhooks (issue 16): hosts (names or addresses) that may be private or loopback, e.g.
# WEBHOOK_ALLOW_PRIVATE=hooks.internal,10.0.0.5 ; every other endpoint must be public.
WEBHOOK_ALLOW_PRIVATE = env.list("WEBHOOK_ALLOW_PRIVATE", default=[])

# Web forms (webforms): throttling per client address and form, counted in the cache (Redis
# when REDIS_URL is set, so every process shares the counts; else this process's memory).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
WEBFORMS_PER_MINUTE = env.int("WEBFORMS_PER_MINUTE", default=5)
WEBFORMS_PER_HOUR = env.int("WEBFORMS_PER_HOUR", default=30)

# Email into the timeline (README, "Email into the timeline"): the mailbox users BCC or
# forward to. INBOX_URL like imap://user:password@host:143/INBOX (imaps:// for TLS,
# ?starttls=true to upgrade a plain connection); INBOX_ADDRESS is that mailbox's own address,
# never matched as a contact. Empty INBOX_URL: the feature is off.
INBOX_URL = env.str("INBOX_URL", default="")
INBOX_ADDRESS = env.str("INBOX_ADDRESS", default="")

# Security. Behind a TLS-terminating proxy, set SECURE_SSL_REDIRECT=true.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# django-ninja's interactive docs load their assets from this site, not a CDN.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pages_only": {"()": "config.logs.PagesOnly"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # runserver's request log, without a line for every static file or health check.
        "django.server": {"handlers": ["console"], "filters": ["pages_only"], "propagate": False},
    },
}
