"""CSV import of companies, contacts and deals, through the same services as the UI.

The whole file is checked row by row first (a dry run in a rolled-back transaction);
it is imported only when every row passes, in one transaction: a failing file imports
nothing.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import User
from crm import services
from crm.models import OPEN_STAGES, Company, Contact, LeadSource, LostReason, Stage, path_to

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000
COLUMNS = {
    "companies": ["name", "domain", "industry", "owner"],
    "contacts": ["first_name", "last_name", "email", "phone", "title", "company"],
    "deals": [
        "title",
        "company",
        "contact_email",
        "owner",
        "amount",
        "currency",
        "source",
        "expected_close_date",
        "qualification_notes",
        "next_action",
        "next_action_due",
        "stage",
        "lost_reason",
        "lost_note",
    ],
}
NUL_MESSAGE = "This cell holds a NUL byte (\\x00); remove it."
REQUIRED = {"companies": ["name"], "contacts": ["first_name"], "deals": ["title", "company"]}


@dataclass
class RowError:
    line: int
    errors: dict[str, list[str]]


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ValidationError(
            {"file": [f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."]}
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": ["The file is not UTF-8 text."]})


def csv_import(*, by: User, kind: str, text: str, commit: bool) -> ImportResult:
    """Check (``commit=False``) or import (``commit=True``) a CSV file of ``kind``."""
    if kind not in COLUMNS:
        raise ValidationError({"kind": [f"Choose one of {', '.join(COLUMNS)}."]})
    if not by.has_perm("crm.import_csv"):
        raise PermissionDenied("Only sales can import.")
    result = ImportResult(kind=kind)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as error:
        result.file_errors.append(f"This is not a readable CSV file: {error}.")
        return result
    if not header:
        result.file_errors.append("The file is empty; the first row must name the columns.")
        return result
    unknown = sorted(set(header) - set(COLUMNS[kind]))
    missing = [c for c in REQUIRED[kind] if c not in header]
    if unknown:
        result.file_errors.append(
            f"Unknown columns: {', '.join(unknown)}. Allowed: {', '.join(COLUMNS[kind])}."
        )
    if missing:
        result.file_errors.append(f"Missing required columns: {', '.join(missing)}.")
    if result.file_errors:
        return result
    reader.fieldnames = header
    handler = HANDLERS[kind]
    try:
        with transaction.atomic():
            for line, raw in enumerate(reader, start=2):
                if result.rows >= MAX_ROWS:
                    result.file_errors.append(f"At most {MAX_ROWS} rows per file.")
                    break
                result.rows += 1
                _import_row(handler, by, line, raw, result)
            if not commit or not result.ok:
                transaction.set_rollback(True)
    except csv.Error as error:
        result.file_errors.append(
            f"The file could not be read past line {reader.line_num}: {error}."
        )
    if not result.ok:
        result.created = 0
    if result.rows == 0 and not result.file_errors:
        result.file_errors.append("The file has no rows below its header.")
    return result


def _import_row(
    handler: Callable[[User, dict[str, str]], None],
    by: User,
    line: int,
    raw: dict[str | None, Any],
    result: ImportResult,
) -> None:
    if None in raw:
        result.errors.append(RowError(line, {"row": ["This row has more cells than the header."]}))
        return
    row = {str(k): (v or "").strip() for k, v in raw.items()}
    if len(result.preview) < 20:
        result.preview.append(row)
    nul = {column: [NUL_MESSAGE] for column, value in row.items() if "\x00" in value}
    if nul:
        # No lookup or store can take a NUL byte (PostgreSQL refuses them).
        result.errors.append(RowError(line, nul))
        return
    try:
        with transaction.atomic():
            handler(by, row)
    except ValidationError as error:
        result.errors.append(RowError(line, _messages(error)))
    except PermissionDenied as error:
        result.errors.append(RowError(line, {"row": [str(error) or "Not allowed."]}))
    else:
        result.created += 1


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {k: [str(m) for m in v] for k, v in error.message_dict.items()}
    return {"row": [str(m) for m in error.messages]}


def _user(value: str, field_name: str = "owner") -> User | None:
    if not value:
        return None
    user = (
        User.objects.filter(username=value).first()
        or User.objects.filter(email__iexact=value).first()
    )
    if user is None:
        raise ValidationError({field_name: [f"No user {value!r}."]})
    return user


def _company(value: str) -> Company | None:
    if not value:
        return None
    company = (
        Company.objects.filter(name__iexact=value).order_by("pk").first()
        or Company.objects.filter(domain__iexact=services.normalize_domain(value)).first()
    )
    if company is None:
        raise ValidationError({"company": [f"No company named {value!r}; import companies first."]})
    return company


def _decimal(value: str, field_name: str) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise ValidationError({field_name: [f"{value!r} is not a number."]}) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ValidationError({field_name: [f"{value!r} is out of range."]})
    return number


def _date(value: str, field_name: str) -> dt.date | None:
    if not value:
        return None
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({field_name: [f"{value!r} is not a date (use YYYY-MM-DD)."]})
    return parsed


def _due(value: str) -> dt.date | dt.datetime | None:
    if not value:
        return None
    try:
        moment = parse_datetime(value) if ("T" in value or " " in value) else None
    except ValueError:
        moment = None
    if moment is not None:
        return moment
    return _date(value, "next_action_due")


def _import_company(by: User, row: dict[str, str]) -> None:
    services.company_create(
        by=by,
        name=row.get("name", ""),
        domain=row.get("domain", ""),
        industry=row.get("industry", ""),
        owner=_user(row.get("owner", "")),
    )


def _import_contact(by: User, row: dict[str, str]) -> None:
    services.contact_create(
        by=by,
        first_name=row.get("first_name", ""),
        last_name=row.get("last_name", ""),
        email=row.get("email", ""),
        phone=row.get("phone", ""),
        title=row.get("title", ""),
        company=_company(row.get("company", "")),
    )


def _import_deal(by: User, row: dict[str, str]) -> None:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    parsers: dict[str, Callable[[], Any]] = {
        "company": lambda: _company(row.get("company", "")),
        "owner": lambda: _user(row.get("owner", "")),
        "amount": lambda: _decimal(row.get("amount", ""), "amount"),
        "expected_close_date": lambda: _date(
            row.get("expected_close_date", ""), "expected_close_date"
        ),
        "next_action_due": lambda: _due(row.get("next_action_due", "")),
        "contact": lambda: (
            Contact.objects.filter(email__iexact=row["contact_email"]).first()
            if row.get("contact_email")
            else None
        ),
        "source": lambda: (
            LeadSource.objects.filter(name__iexact=row["source"]).first()
            if row.get("source")
            else None
        ),
    }
    for name, parse in parsers.items():
        try:
            values[name] = parse()
        except ValidationError as error:
            for key, messages in _messages(error).items():
                errors.setdefault(key, []).extend(messages)
    if row.get("source") and values.get("source") is None and "source" not in errors:
        errors["source"] = [f"No lead source {row['source']!r}."]
    if row.get("contact_email") and values.get("contact") is None:
        errors["contact_email"] = [f"No contact with email {row['contact_email']!r}."]
    stage = (row.get("stage") or "lead").lower()
    if stage not in Stage.values:
        errors["stage"] = [f"Unknown stage {stage!r}."]
    elif stage == Stage.WON:
        errors["stage"] = ["Won deals cannot be imported: winning goes through the handoff."]
    if errors:
        raise ValidationError(errors)
    deal = services.deal_create(
        by=by,
        title=row.get("title", ""),
        company=values["company"],
        contact=values["contact"],
        owner=values["owner"],
        amount=values["amount"],
        currency=row.get("currency", "").strip() or None,  # blank: the installation one
        source=values["source"],
        expected_close_date=values["expected_close_date"],
        qualification_notes=row.get("qualification_notes", ""),
        next_action=row.get("next_action", ""),
        next_action_due=values["next_action_due"],
    )
    if stage == Stage.LOST:
        reason = LostReason.objects.filter(name__iexact=row.get("lost_reason", "")).first()
        services.deal_transition(
            deal=deal,
            by=by,
            name="lose",
            params={"lost_reason": reason, "note": row.get("lost_note", "")},
        )
        return
    for name in path_to(stage) if stage in OPEN_STAGES else []:
        deal = services.deal_transition(deal=deal, by=by, name=name)


HANDLERS: dict[str, Callable[[User, dict[str, str]], None]] = {
    "companies": _import_company,
    "contacts": _import_contact,
    "deals": _import_deal,
}
