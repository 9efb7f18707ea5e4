"""Logging filters."""

import logging

from django.conf import settings

QUIET_PREFIXES = ("/healthz", "/favicon")


class PagesOnly(logging.Filter):
    """Drop the development server's lines for static files and health checks that worked
    (their request line is the record's first argument: "GET /static/... HTTP/1.1")."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = str(record.args[0]) if isinstance(record.args, tuple) and record.args else ""
        parts = request.split()
        path = parts[1] if len(parts) > 1 else ""
        static = "/" + settings.STATIC_URL.lstrip("/")
        quiet = path.startswith((static, *QUIET_PREFIXES))
        return not quiet or getattr(record, "status_code", 200) >= 400
