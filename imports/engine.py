"""Running an import: the file read row by row, each row's cells mapped onto Relay's fields
and parsed, the records it refers to found, and batches written through crm's import
services (which hold the rules).

One pass finds every error: all rows are checked and written inside one transaction, which
is rolled back when any row failed, the import is a dry run, or it was cancelled — all or
nothing. Progress goes out on a connection of its own (``IMPORTS_PROGRESS_DATABASE``) so a
progress bar sees it while the transaction is open. Each batch of ``BATCH_ROWS`` rows costs
the same few queries, whatever the file's size, and memory holds one batch.
"""

import datetime as dt
import itertools
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from crm import services as crm
from crm.http import FORMULA_STARTS
from crm.models import (
    OPEN_STAGES,
    ActivityKind,
    Company,
    Contact,
    Deal,
    LeadSource,
    LostReason,
    Stage,
)
from imports import profiles, reading, values
from imports.models import ExternalId, ImportJob, Kind, OnDuplicate, RowProblem, Status
from imports.services import local_file
from projects.selectors import working_calendar

BATCH_ROWS = 500
MAX_PROBLEMS = 10_000  # stored per import; the count of failed rows covers the rest
SAMPLE_ROWS = 2_000  # rows read to detect a column's date order and decimal separator
TEXT_LIMIT = 255  # of a value quoted in a problem


SYSTEMS = {
    "hubspot": "HubSpot",
    "pipedrive": "Pipedrive",
    "salesforce": "Salesforce",
    "zoho": "Zoho CRM",
    "odoo": "Odoo",
    "relay": "Relay",
    "other": "another system",
}
# Where an export's times are not in the exporting user's zone: Odoo writes UTC.
SYSTEM_ZONES = {"odoo": "UTC"}
# Activity types as the vendors name them (HubSpot engagements, Pipedrive activity types,
# Salesforce task types, Odoo mail activity types), in English and German.
ACTIVITY_KINDS = {
    **dict.fromkeys(
        ("note", "notes", "notiz", "comment", "task", "aufgabe", "todo", "to do"), "note"
    ),
    **dict.fromkeys(("call", "calls", "anruf", "phone call", "logged call"), "call"),
    **dict.fromkeys(("email", "e-mail", "emails", "mail"), "email"),
    **dict.fromkeys(("meeting", "meetings", "termin", "besprechung", "event", "demo"), "meeting"),
}


# Relay's own stage names and labels, understood from any system.
RELAY_STAGES = {
    **{_k: _k for _k in Stage.values},
    **{str(_l).casefold(): _v for _v, _l in Stage.choices},
}


def _any_vendor_stage(value: str) -> str | None:
    """A file from an unrecognised system: a stage name that the vendors' default
    pipelines agree on."""
    found = {profiles.stage_value(system, value) for system in profiles.SYSTEMS} - {None}
    return found.pop() if len(found) == 1 else None


class Cancelled(Exception):
    pass


@dataclass
class Problem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    problems: list[Problem] = field(default_factory=list)

    def refuse(
        self, row: int, errors: dict[str, list[str]], columns: dict[str, str], cells: dict[str, str]
    ) -> None:
        self.failed += 1
        for name, messages in errors.items():
            column = columns.get(name, "" if name in ("row", "__all__") else name)
            for message in messages:
                if len(self.problems) < MAX_PROBLEMS:
                    value = cells.get(column, "")[:TEXT_LIMIT]
                    self.problems.append(Problem(row, column, value, message[:500]))


def _errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {k: [str(m) for m in v] for k, v in error.message_dict.items()}
    return {"row": [str(m) for m in error.messages]}


def _parse_time(text: str) -> dt.time:
    """A time of day as exports write it: 16:30, 16:30:00, 4:30 PM."""
    cleaned = " ".join(text.upper().split())
    for pattern in ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I %p"):
        try:
            return dt.datetime.strptime(cleaned, pattern).time()
        except ValueError:
            continue
    raise ValidationError(f"{text!r} is not a time of day (16:30).")


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


# Reading a row ------------------------------------------------------------------------


class Source:
    """One row of the file as Relay's fields: ``text(field)``, and parsers for the rest that
    name the field in their errors (collected, so one row reports all of its problems)."""

    def __init__(self, run: "Run", row: reading.Row) -> None:
        self.run = run
        self.line = row.line
        self.cells = row.cells
        self.errors: dict[str, list[str]] = {}
        if row.problem and not row.problem_column:
            self.errors["row"] = [row.problem]
        elif row.problem:  # a cell's problem counts only in a column that is imported
            field = next((f for f, c in run.columns.items() if c == row.problem_column), None)
            if field is not None:
                self.errors[field] = [row.problem]

    def text(self, name: str) -> str:
        column = self.run.columns.get(name)
        value = self.cells.get(column, "").strip() if column else ""
        if self.run.job.system == "relay" and value[:1] == "'" and value[1:2] in FORMULA_STARTS:
            value = value[1:]  # Relay's export guards a formula-like cell with a quote
        return value

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def parse[T](self, name: str, parse: Callable[[str], T]) -> T | None:
        raw = self.text(name)
        if not raw:
            return None
        try:
            return parse(raw)
        except ValidationError as error:
            for message in error.messages:
                self.fail(name, message)
            return None

    def decimal(self, name: str) -> Decimal | None:
        return self.parse(name, lambda v: values.parse_decimal(v, decimal=self.run.decimal(name)))

    def money(self, name: str) -> tuple[Decimal | None, str | None]:
        found = self.parse(name, lambda v: values.parse_money(v, decimal=self.run.decimal(name)))
        return found if found is not None else (None, None)

    def date(self, name: str) -> dt.date | None:
        return self.parse(name, lambda v: values.parse_date(v, order=self.run.date_order(name)))

    def moment(self, name: str) -> dt.datetime | None:
        return self.parse(
            name,
            lambda v: values.parse_datetime(v, order=self.run.date_order(name), zone=self.run.zone),
        )

    def due(self, name: str) -> dt.date | dt.datetime | None:
        """A date, or a datetime when the cell holds a time."""
        raw = self.text(name)
        if not raw:
            return None
        if any(ch == ":" for ch in raw):
            return self.moment(name)
        return self.date(name)

    def first_id(self, name: str) -> str:
        ids = values.split_multi(self.text(name))
        return ids[0] if ids else ""


# The run --------------------------------------------------------------------------------


class Run:
    """What every row of one import shares: the mapping, the options, who imports, and the
    users, lead sources and lost reasons by every name the file may use."""

    def __init__(self, job: ImportJob, path: Path) -> None:
        self.job = job
        self.path = path
        self.by: User = job.created_by
        self.options: dict[str, Any] = job.options or {}
        self.zone = zoneinfo.ZoneInfo(
            self.options.get("time_zone") or SYSTEM_ZONES.get(job.system) or self.by.time_zone
        )
        self.columns: dict[str, str] = {}
        for column, name in (job.mapping or {}).items():
            if name and name not in self.columns:
                self.columns[name] = column
        self.value_map: dict[str, dict[str, str]] = {
            name: {_key(k): v for k, v in mapped.items()}
            for name, mapped in (job.values or {}).items()
        }
        self.on_duplicate = self.options.get("on_duplicate") or OnDuplicate.UPDATE
        self.note = (
            f"Imported from {job.filename} ({SYSTEMS.get(job.system, job.system)}, import {job.pk})"
        )
        self._orders: dict[str, str] = {}
        self._rows: list[reading.Row] | None = None
        self._decimals: dict[str, str] = {}
        self.users = _users_by_name()
        self.default_owner = (
            User.objects.filter(pk=self.options["default_owner_id"], is_active=True).first()
            if self.options.get("default_owner_id")
            else None
        )
        self.sources = {_key(s.name): s for s in LeadSource.objects.all()}
        self.reasons = {_key(r.name): r for r in LostReason.objects.all()}
        self._calendar: Any = None

    @property
    def layout(self) -> reading.Layout:
        return reading.Layout(**self.job.layout)

    # Per-column formats: the option, or what a sample of the column shows.
    def _sample(self, name: str) -> list[str]:
        column = self.columns.get(name)
        if not column:
            return []
        if self._rows is None:  # read once for every column that asks
            self._rows = list(
                itertools.islice(reading.read_rows(self.path, self.layout), SAMPLE_ROWS)
            )
        return [r.cells.get(column, "") for r in self._rows if r.cells.get(column)]

    def date_order(self, name: str) -> str:
        option = self.options.get("date_order") or "auto"
        if option != "auto":
            return option
        if name not in self._orders:
            self._orders[name] = values.detect_date_order(self._sample(name)) or "auto"
        return self._orders[name]

    def decimal(self, name: str) -> str:
        option = self.options.get("decimal") or "auto"
        if option != "auto":
            return option
        if name not in self._decimals:
            self._decimals[name] = values.detect_decimal(self._sample(name)) or "auto"
        return self._decimals[name]

    def mapped(self, name: str, raw: str) -> str | None:
        """The Relay value the user chose for a file's value of ``name``, if any."""
        return self.value_map.get(name, {}).get(_key(raw))

    def owner(self, source: Source, name: str = "owner") -> User | None:
        raw = source.text(name)
        if not raw:
            return None
        chosen = self.mapped(name, raw)
        user = self.users.get(_key(chosen or raw))
        if user is None and chosen and chosen.isdigit():
            user = next((u for u in self.users.values() if u.pk == int(chosen)), None)
        if user is None:
            # A name no user has (a former employee): the default owner, else who imports.
            user = self.default_owner or self.by
        return user

    def lookup(self, table: dict[str, Any], source: Source, name: str, model: type[Any]) -> Any:
        """A lead source or lost reason by name; a name Relay lacks is created (the mapping
        screen lists such names before the import runs)."""
        raw = source.text(name)
        if not raw:
            return None
        chosen = self.mapped(name, raw) or raw
        found = table.get(_key(chosen))
        if found is None:
            found = model.objects.create(name=chosen[:100])
            table[_key(chosen)] = found
        return found

    def due_by_default(self) -> dt.date | None:
        days = self.options.get("default_next_action_days")
        if days is None or not self.options.get("default_next_action"):
            return None
        if self._calendar is None:
            self._calendar = working_calendar()
        return self._calendar.add_working_days(timezone.localdate(timezone=self.by.zone), int(days))


def _users_by_name() -> dict[str, User]:
    """Active users by username, email and full name (a full name two users share is left
    out: it cannot say which)."""
    found: dict[str, User] = {}
    shared: set[str] = set()
    for user in User.objects.filter(is_active=True).prefetch_related("groups"):
        for key in {_key(user.username), _key(user.email or ""), _key(user.full_name or "")} - {""}:
            if key in found and found[key] != user:
                shared.add(key)
            found[key] = user
    return {k: v for k, v in found.items() if k not in shared}


# External ids -------------------------------------------------------------------------


def _known(system: str, kind: str, source_ids: Iterable[str]) -> dict[str, int]:
    """The Relay records that rows with these source ids made. A Relay export carries its
    records' own ids: a file exported here updates what it lists (``_same_record`` checks
    that an id names the same record, since a file from another installation reuses
    them); ids of another installation's file are remembered like any system's."""
    ids = {s for s in source_ids if s}
    if not ids:
        return {}
    found = dict(
        ExternalId.objects.filter(system=system, kind=kind, source_id__in=ids).values_list(
            "source_id", "object_id"
        )
    )
    if system == "relay":
        own = {s: int(s) for s in ids - set(found) if s.isdigit() and len(s) < 19}
        found = {**own, **found}
    return found


def _same_record(run: Run, existing: Any, *keys: tuple[str, str]) -> Any:
    """``existing`` when it is the row's record: always for another system's ids (they were
    remembered for it), for a Relay id only when one of ``keys`` ((stored, in the file))
    agrees, so a file from another Relay installation never overwrites what shares its id."""
    if existing is None or run.job.system != "relay":
        return existing
    if any(a and b and a.lower() == b.lower() for a, b in keys):
        return existing
    return None


def _remember(run: Run, kind: str, pairs: list[tuple[str, int]]) -> None:
    ExternalId.objects.bulk_create(
        [
            ExternalId(
                system=run.job.system, kind=kind, source_id=s[:255], object_id=pk, job=run.job
            )
            for s, pk in pairs
            # (A Relay id that is the record's own needs no entry.)
            if s and not (run.job.system == "relay" and s == str(pk))
        ],
        ignore_conflicts=True,
    )


# Kinds ------------------------------------------------------------------------------


class Importer:
    kind: str

    def __init__(self, run: Run, tally: Tally) -> None:
        self.run = run
        self.tally = tally

    def batch(self, rows: list[reading.Row]) -> None:
        raise NotImplementedError

    def refuse(self, source: Source, errors: dict[str, list[str]] | None = None) -> None:
        self.tally.refuse(source.line, errors or source.errors, self.run.columns, source.cells)

    def count(self, outcome: crm.ImportOutcome[Any]) -> None:
        if outcome.created:
            self.tally.created += 1
        elif outcome.changed:
            self.tally.updated += 1
        else:
            self.tally.skipped += 1

    def settle(
        self, kept: list[tuple[Source, int]], outcomes: list[crm.ImportOutcome[Any]]
    ) -> None:
        """Count what the service did with each kept row (several rows may share one
        outcome: the file's own duplicates), refuse the rows it refused, and remember the
        source ids of the rest."""
        pairs = []
        counted: set[int] = set()
        for source, index in kept:
            outcome = outcomes[index]
            if outcome.error is not None:
                self.refuse(source, _errors(outcome.error))
                continue
            if index not in counted:
                self.count(outcome)
                counted.add(index)
            assert outcome.record is not None
            pairs.append((source.text("external_id"), outcome.record.pk))
        _remember(self.run, self.kind, pairs)


def _companies_by(field_name: str, keys: set[str]) -> dict[str, Company]:
    if not keys:
        return {}
    if field_name == "domain":
        rows = Company.objects.filter(domain__in=keys)
        return {c.domain: c for c in rows.order_by("-pk")}
    # str.lower, as the database's LOWER: casefold would make "Weiß" "weiss".
    rows = Company.objects.alias(key=Lower("name")).filter(key__in=keys)
    return {c.name.lower(): c for c in rows.order_by("-pk")}


class CompanyImporter(Importer):
    kind = Kind.COMPANIES

    def batch(self, rows: list[reading.Row]) -> None:
        run = self.run
        sources = [Source(run, row) for row in rows]
        known = _known(run.job.system, self.kind, (s.text("external_id") for s in sources))
        by_pk = Company.objects.in_bulk(list(known.values()))
        domains = _companies_by(
            "domain", {crm.normalize_domain(s.text("domain")) for s in sources} - {""}
        )
        names = _companies_by("name", {s.text("name").lower() for s in sources} - {""})
        specs: list[crm.CompanyRow] = []
        kept: list[tuple[Source, int]] = []
        pending: dict[str, int] = {}  # domain or name -> index in specs: the file's duplicates
        targeted: dict[int, int] = {}  # an existing company's pk -> index in specs
        for source in sources:
            name = source.text("name")
            if not name:
                source.fail("name", "A company needs a name.")
            owner = run.owner(source)
            if source.errors:
                self.refuse(source)
                continue
            domain = crm.normalize_domain(source.text("domain"))
            keys = [k for k in (domain, name.lower()) if k]
            existing = by_pk.get(known.get(source.text("external_id"), 0))
            if existing is not None:
                existing = _same_record(
                    run, existing, (existing.name, name), (existing.domain, domain)
                )
            if existing is None and run.on_duplicate != OnDuplicate.CREATE:
                existing = domains.get(domain) if domain else None
                existing = existing or names.get(name.lower())
            twin = targeted.get(existing.pk) if existing is not None else None
            if existing is None and run.on_duplicate != OnDuplicate.CREATE:
                twin = next((pending[k] for k in keys if k in pending), None)
            if twin is not None:
                # Another row of this batch for the same company: one company, this row
                # filling in what the first left blank; the row counts as a duplicate.
                spec = specs[twin]
                spec.domain = spec.domain or domain
                spec.industry = spec.industry or source.text("industry")
                kept.append((source, twin))
                self.tally.skipped += 1
                continue
            if existing is not None and run.on_duplicate == OnDuplicate.SKIP:
                self.tally.skipped += 1
                continue
            specs.append(
                crm.CompanyRow(
                    name=name,
                    domain=domain,
                    industry=source.text("industry"),
                    owner=owner,
                    created_at=source.moment("created_at"),
                    existing=existing,
                )
            )
            kept.append((source, len(specs) - 1))
            if existing is None:
                pending.update(dict.fromkeys(keys, len(specs) - 1))
            else:
                targeted[existing.pk] = len(specs) - 1
        self.settle(kept, crm.companies_import(by=run.by, rows=specs))


class ContactImporter(Importer):
    kind = Kind.CONTACTS

    def batch(self, rows: list[reading.Row]) -> None:
        run = self.run
        sources = [Source(run, row) for row in rows]
        known = _known(run.job.system, self.kind, (s.text("external_id") for s in sources))
        by_pk = Contact.objects.in_bulk(list(known.values()))
        emails = {s.text("email").lower() for s in sources} - {""}
        by_email = {c.email: c for c in Contact.objects.filter(email__in=emails)}
        companies = _linked_companies(run, sources)
        specs: list[crm.ContactRow] = []
        kept: list[tuple[Source, int]] = []
        pending: dict[str, int] = {}  # email -> index in specs: the file's duplicates
        targeted: dict[int, int] = {}  # an existing contact's pk -> index in specs
        for source in sources:
            first, last = source.text("first_name"), source.text("last_name")
            if not first and not last and source.text("full_name"):
                first, last = values.split_full_name(source.text("full_name"))
            if not first and last:
                first, last = last, ""
            if not first:
                source.fail("first_name", "A contact needs a name.")
            owner = run.owner(source)
            company = companies.get(source)
            if source.errors:
                self.refuse(source)
                continue
            email = source.text("email").lower()
            existing = by_pk.get(known.get(source.text("external_id"), 0))
            if existing is not None:
                existing = _same_record(
                    run,
                    existing,
                    (existing.email, email),
                    (f"{existing.first_name} {existing.last_name}", f"{first} {last}"),
                )
            if existing is None and run.on_duplicate != OnDuplicate.CREATE and email:
                existing = by_email.get(email)
            twin = targeted.get(existing.pk) if existing is not None else None
            if existing is None and run.on_duplicate != OnDuplicate.CREATE:
                twin = pending.get(email) if email else None
            if twin is not None:
                # Another row of this batch for the same contact (by the address, or by the
                # id a twin got last time): the first row's, this row counting as a duplicate.
                kept.append((source, twin))
                self.tally.skipped += 1
                continue
            if existing is not None and run.on_duplicate == OnDuplicate.SKIP:
                self.tally.skipped += 1
                continue
            specs.append(
                crm.ContactRow(
                    first_name=first,
                    last_name=last,
                    email=email,
                    phone=source.text("phone"),
                    title=source.text("title"),
                    company=company,
                    owner=owner,
                    created_at=source.moment("created_at"),
                    existing=existing,
                )
            )
            kept.append((source, len(specs) - 1))
            if existing is not None:
                targeted[existing.pk] = len(specs) - 1
            elif email:
                pending[email] = len(specs) - 1
        self.settle(kept, crm.contacts_import(by=run.by, rows=specs))


def _linked_companies(
    run: Run, sources: list[Source], *, create: bool = False
) -> dict[Source, Company | None]:
    """Each row's company: by the source system's id, else by name; with ``create``, a name
    Relay does not know becomes a new company (a deals file may be all there is)."""
    ids = {s.first_id("company_external_id") for s in sources}
    known = _known(run.job.system, Kind.COMPANIES, ids)
    by_pk = Company.objects.in_bulk(list(known.values()))
    names = _companies_by("name", {s.text("company").lower() for s in sources} - {""})
    found: dict[Source, Company | None] = {}
    missing: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        company = by_pk.get(known.get(source.first_id("company_external_id"), 0))
        name = source.text("company")
        company = company or (names.get(name.lower()) if name else None)
        if company is None and (name or source.first_id("company_external_id")):
            if create and name:
                missing[name.lower()].append(source)
            else:
                wanted = name or source.first_id("company_external_id")
                source.fail(
                    "company" if name else "company_external_id",
                    f"No company {wanted!r}: import the companies first.",
                )
        found[source] = company
    if missing:
        rows = [crm.CompanyRow(name=group[0].text("company")) for group in missing.values()]
        for group, outcome in zip(
            missing.values(), crm.companies_import(by=run.by, rows=rows), strict=True
        ):
            for source in group:
                if outcome.error is not None:
                    for messages in _errors(outcome.error).values():
                        for message in messages:
                            source.fail("company", message)
                found[source] = outcome.record
    return found


class DealImporter(Importer):
    kind = Kind.DEALS

    def batch(self, rows: list[reading.Row]) -> None:
        run = self.run
        sources = [Source(run, row) for row in rows]
        known = _known(run.job.system, self.kind, (s.text("external_id") for s in sources))
        by_pk = Deal.objects.in_bulk(list(known.values()))
        companies = _linked_companies(run, sources, create=True)
        contacts = _linked_contacts(run, sources, companies)
        specs, kept = [], []
        for source in sources:
            spec = self._spec(source, companies.get(source), contacts.get(source))
            if spec is None or source.errors:
                self.refuse(source)
                continue
            existing = by_pk.get(known.get(source.text("external_id"), 0))
            if (
                not spec.qualification_notes
                and spec.stage
                not in (
                    Stage.LEAD,
                    Stage.WON,
                    Stage.LOST,
                )
                and (existing is None or not existing.qualification_notes)
            ):
                # The source system qualified it; R4 asks for notes, which say so.
                system = SYSTEMS.get(run.job.system, run.job.system)
                stage_text = source.text("stage")
                spec.qualification_notes = (
                    f"Qualified in {system} before the import (stage {stage_text!r})."
                )
            spec.existing = _same_record(
                run, existing, (existing.title, spec.title) if existing else ("", "")
            )
            if spec.existing is not None and run.on_duplicate == OnDuplicate.SKIP:
                self.tally.skipped += 1
                continue
            specs.append(spec)
            kept.append((source, len(specs) - 1))
        self.settle(kept, crm.deals_import(by=run.by, rows=specs, note=run.note))

    def _stage(self, source: Source) -> str | None:
        run = self.run
        raw, status_raw = source.text("stage"), source.text("status")
        status = None
        if status_raw:
            status = run.mapped("status", status_raw) or profiles.status_value(
                status_raw, run.job.system
            )
            if status is None:
                source.fail(
                    "status", f"Unknown status {status_raw!r}: map it to open, won or lost."
                )
        if status in (Stage.WON, Stage.LOST):
            return status
        if not raw:
            return Stage.LEAD
        stage = run.mapped("stage", raw) or profiles.stage_value(run.job.system, raw)
        stage = stage or RELAY_STAGES.get(_key(raw)) or _any_vendor_stage(raw)
        if stage is None:
            source.fail("stage", f"Unknown stage {raw!r}: map it to one of Relay's stages.")
            return None
        if status == "open" and stage not in OPEN_STAGES and run.job.system != "odoo":
            # (Odoo's status is its ``active`` flag, true for won leads too.)
            source.fail("stage", f"The stage {raw!r} is closed but the status says open.")
        return stage

    def _spec(
        self, source: Source, company: Company | None, contact: Contact | None
    ) -> crm.DealRow | None:
        run = self.run
        title = source.text("title")
        if not title:
            source.fail("title", "A deal needs a title.")
        if (
            company is None
            and "company" not in source.errors
            and "company_external_id" not in source.errors
        ):
            source.fail("company", "A deal needs a company.")
        stage = self._stage(source)
        amount, currency = source.money("amount")
        named = source.text("currency").upper()
        if named and currency and named != currency:
            source.fail(
                "currency", f"The amount says {currency} but the currency column says {named}."
            )
        owner = run.owner(source)
        created_at = source.moment("created_at")
        closed = source.moment("won_at" if stage == Stage.WON else "lost_at") or source.moment(
            "closed_at"
        )
        expected = source.date("expected_close_date")
        if closed is None and stage in (Stage.WON, Stage.LOST) and expected is not None:
            # Vendors keep the day a deal closed in its close date.
            closed = dt.datetime.combine(expected, dt.time(12), tzinfo=run.zone)
        next_action = " ".join(source.text("next_action").split())  # "Next Step" spans lines
        due = source.due("next_action_due")
        at = source.parse("next_action_due_time", _parse_time)
        if at is not None and isinstance(due, dt.date) and not isinstance(due, dt.datetime):
            due = dt.datetime.combine(due, at, tzinfo=(owner or run.by).zone)
        if stage in OPEN_STAGES and run.options.get("default_next_action"):
            # The default fills what the row lacks: the text, the due date or both.
            next_action = next_action or str(run.options["default_next_action"])[:255]
            due = due if due is not None else run.due_by_default()
        source_value = run.lookup(run.sources, source, "source", LeadSource)
        reason = (
            run.lookup(run.reasons, source, "lost_reason", LostReason)
            if stage == Stage.LOST
            else None
        )
        if source.errors or company is None or stage is None:
            return None
        spec = crm.DealRow(
            title=title,
            company=company,
            owner=owner,
            contact=contact
            if contact is not None and contact.company_id in (None, company.pk)
            else None,
            amount=amount,
            source=source_value,
            expected_close_date=expected,
            qualification_notes=source.text("qualification_notes"),
            next_action=next_action,
            next_action_due=due,
            stage=stage,
            created_at=created_at,
            closed_at=closed,
            lost_reason=reason,
            lost_note=source.text("lost_note"),
        )
        spec.currency = named or currency or ""
        return spec


def _linked_contacts(
    run: Run, sources: list[Source], companies: dict[Source, Company | None] | None = None
) -> dict[Source, Contact | None]:
    """Each row's contact: by the source system's id, by email, or by full name among the
    row's company's contacts."""
    ids = {s.first_id("contact_external_id") for s in sources}
    known = _known(run.job.system, Kind.CONTACTS, ids)
    by_pk = Contact.objects.in_bulk(list(known.values()))
    emails = {s.text("contact_email").lower() for s in sources} - {""}
    by_email = {c.email: c for c in Contact.objects.filter(email__in=emails)}
    companies = companies or {}
    named = {c.pk for s, c in companies.items() if c is not None and s.text("contact")}
    by_name = {
        (c.company_id, _key(c.full_name)): c
        for c in Contact.objects.filter(company__in=named).order_by("-pk")
    }
    found: dict[Source, Contact | None] = {}
    for source in sources:
        contact = by_pk.get(known.get(source.first_id("contact_external_id"), 0))
        contact = contact or by_email.get(source.text("contact_email").lower())
        company = companies.get(source)
        if contact is None and company is not None and source.text("contact"):
            contact = by_name.get((company.pk, _key(source.text("contact"))))
        found[source] = contact
    return found


class ActivityImporter(Importer):
    kind = Kind.ACTIVITIES

    def batch(self, rows: list[reading.Row]) -> None:
        run = self.run
        sources = [Source(run, row) for row in rows]
        known = _known(run.job.system, self.kind, (s.text("external_id") for s in sources))
        deal_ids = _known(
            run.job.system, Kind.DEALS, (s.first_id("deal_external_id") for s in sources)
        )
        deals = Deal.objects.select_related("company").in_bulk(list(deal_ids.values()))
        companies = _linked_companies(run, sources)
        contacts = _linked_contacts(run, sources, companies)
        specs, kept = [], []
        for source in sources:
            if source.text("external_id") in known:
                self.tally.skipped += 1  # imported before: an activity is not edited
                continue
            raw_kind = source.text("kind") or "note"
            kind = run.mapped("kind", raw_kind) or ACTIVITY_KINDS.get(_key(raw_kind))
            if kind not in ActivityKind.values:
                source.fail(
                    "kind",
                    f"Unknown activity type {raw_kind!r}: map it to note, call, email or meeting.",
                )
            body = "\n\n".join(p for p in (source.text("subject"), source.text("body")) if p)
            if not body:
                source.fail("body", "An activity needs a subject or a text.")
            occurred = source.moment("occurred_at")
            if occurred is None and "occurred_at" not in source.errors:
                source.fail("occurred_at", "An activity needs the date it happened.")
            author = run.owner(source, "author") or run.by
            deal = deals.get(deal_ids.get(source.first_id("deal_external_id"), 0))
            if source.first_id("deal_external_id") and deal is None:
                source.fail("deal_external_id", "No deal with this id: import the deals first.")
            if source.errors or occurred is None:
                self.refuse(source)
                continue
            specs.append(
                crm.ActivityRow(
                    kind=kind or "note",
                    body=body,
                    occurred_at=occurred,
                    author=author,
                    deal=deal,
                    contact=contacts.get(source),
                    company=companies.get(source),
                )
            )
            kept.append((source, len(specs) - 1))
        self.settle(kept, crm.activities_import(by=run.by, rows=specs))


IMPORTERS: dict[str, type[Importer]] = {
    Kind.COMPANIES: CompanyImporter,
    Kind.CONTACTS: ContactImporter,
    Kind.DEALS: DealImporter,
    Kind.ACTIVITIES: ActivityImporter,
}


# Progress -----------------------------------------------------------------------------


def _progress_alias() -> str:
    return getattr(settings, "IMPORTS_PROGRESS_DATABASE", "default")


def report(job: ImportJob, **fields: Any) -> None:
    """Write ``fields`` of the job at once, outside the import's transaction."""
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.using(_progress_alias()).filter(pk=job.pk).update(**fields)


def _cancel_requested(job: ImportJob) -> bool:
    return bool(
        ImportJob.objects.using(_progress_alias())
        .filter(pk=job.pk)
        .values_list("cancel_requested", flat=True)
        .first()
    )


def _batches(rows: Iterator[reading.Row]) -> Iterator[list[reading.Row]]:
    while batch := list(itertools.islice(rows, BATCH_ROWS)):
        yield batch


def run(job: ImportJob) -> ImportJob:
    """Run a queued import to its end: done, failed (with every problem) or cancelled."""
    if job.status not in (Status.QUEUED, Status.RUNNING):
        return job
    report(
        job, status=Status.RUNNING, phase="checking", started_at=timezone.now(), processed_rows=0
    )
    tally = Tally()
    outcome, message = Status.DONE, ""
    processed = 0
    try:
        with local_file(job) as path:
            runner = Run(job, path)
            importer = IMPORTERS[job.kind](runner, tally)
            total = job.total_rows or reading.count_rows(path, runner.layout)
            report(job, total_rows=total)
            with transaction.atomic():
                for batch in _batches(reading.read_rows(path, runner.layout)):
                    if _cancel_requested(job):
                        raise Cancelled
                    importer.batch(batch)
                    processed += len(batch)
                    report(job, processed_rows=processed)
                if tally.failed or job.dry_run:
                    transaction.set_rollback(True)
        if tally.failed:
            outcome = Status.FAILED
            message = (
                f"{tally.failed} of {processed} rows have problems; nothing was imported. "
                "Correct them (or the mapping) and run the import again."
            )
    except Cancelled:
        outcome, message = Status.CANCELLED, "Cancelled: nothing was imported."
    except PermissionDenied as error:
        outcome, message = Status.FAILED, str(error) or "You may not import this."
    except ValidationError as error:
        outcome, message = Status.FAILED, " ".join(error.messages)
    except DatabaseError as error:
        outcome, message = Status.FAILED, f"The import stopped on a database error: {error}"[:500]
    RowProblem.objects.bulk_create(
        [
            RowProblem(job=job, row=p.row, column=p.column[:255], value=p.value, message=p.message)
            for p in tally.problems
        ],
        batch_size=1000,
    )
    if outcome != Status.DONE:
        tally.created = tally.updated = 0  # rolled back
    report(
        job,
        status=outcome,
        phase="",
        message=message,
        created=tally.created,
        updated=tally.updated,
        skipped=tally.skipped,
        failed=tally.failed,
        finished_at=timezone.now(),
    )
    if _progress_alias() != "default":
        connections[_progress_alias()].close()
    return job
