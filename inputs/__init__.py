"""What Relay accepts as input, on every path (forms, JSON API, CSV import, admin, jobs).

One policy, asked everywhere, so that no stored value can break a later read:

- ``inputs.dates``: dates and datetimes from year 1900 to 2999 (``MIN_DATE``, ``MAX_DATE``).
  Models validate it (``full_clean`` in every service), forms and the API schema declare it,
  CSV import parses through it, and working-day arithmetic refuses to leave the window.
- ``inputs.text``: no NUL bytes in any text (PostgreSQL cannot store them), and no line
  breaks or control characters in one-line text such as titles and names, which reach
  email subjects and headers.
- ``inputs.numbers``: every id or number read from a query string or a form goes through
  ``parse_int``, which answers a field error (400 for a query string), never an exception.

This package sits below every app (import-linter's bottom layer) and imports none of them.
"""
