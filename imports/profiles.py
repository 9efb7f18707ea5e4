"""Which CRM wrote an export, and which Relay field each of its columns fills.

``detect`` matches a header against each vendor's export columns per kind (HubSpot,
Pipedrive in English and German, Salesforce reports, Zoho, Odoo ``crm.lead``, Relay's own
CSV exports). Column names are compared by their letters and digits only, case- and
accent-insensitively: "Deal - Währung" and "deal währung" are both "dealwahrung".
"""

import re
import unicodedata
from dataclasses import dataclass

FIELDS: dict[str, dict[str, str]] = {
    "companies": {
        "external_id": "External id",
        "name": "Name",
        "domain": "Web domain",
        "industry": "Industry",
        "owner": "Owner",
        "phone": "Phone",
        "created_at": "Created at",
    },
    "contacts": {
        "external_id": "External id",
        "first_name": "First name",
        "last_name": "Last name",
        "full_name": "Full name",
        "email": "Email",
        "phone": "Phone",
        "title": "Job title",
        "company": "Company name",
        "company_external_id": "Company external id",
        "owner": "Owner",
        "created_at": "Created at",
    },
    "deals": {
        "external_id": "External id",
        "title": "Title",
        "company": "Company name",
        "company_external_id": "Company external id",
        "contact": "Contact name",
        "contact_email": "Contact email",
        "contact_external_id": "Contact external id",
        "owner": "Owner",
        "amount": "Amount",
        "currency": "Currency",
        "stage": "Stage",
        "status": "Status (open, won, lost)",
        "probability": "Probability (%)",
        "source": "Lead source",
        "campaign": "Campaign",
        "expected_close_date": "Expected close date",
        "created_at": "Created at",
        "closed_at": "Closed at",
        "won_at": "Won at",
        "lost_at": "Lost at",
        "lost_reason": "Lost reason",
        "lost_note": "Lost note",
        "next_action": "Next action",
        "next_action_due": "Next action due",
        "qualification_notes": "Qualification notes",
    },
    "activities": {
        "external_id": "External id",
        "kind": "Kind (note, call, email, meeting)",
        "subject": "Subject",
        "body": "Text",
        "occurred_at": "When",
        "author": "Author",
        "deal_external_id": "Deal external id",
        "deal": "Deal title",
        "company": "Company name",
        "company_external_id": "Company external id",
        "contact_email": "Contact email",
        "contact_external_id": "Contact external id",
    },
}
SYSTEMS = ("hubspot", "pipedrive", "salesforce", "zoho", "odoo", "relay", "other")
STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
STATUSES = ("open", "won", "lost")


@dataclass
class Profile:
    """What ``detect`` found: the exporting system, the kind the header looks like, and
    every column's field (None: the column is ignored)."""

    system: str
    kind: str | None
    mapping: dict[str, str | None]


def normalize(text: str) -> str:
    """``text``'s letters and digits, lower case, accents removed ("Deal - Währung" ->
    "dealwahrung")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return re.sub(r"[^0-9a-z]", "", "".join(c for c in decomposed if not unicodedata.combining(c)))


# Per system and kind: each field with the column names that fill it, the preferred first.
# Each column fills at most one field and each field is filled by at most one column.
_Table = dict[str, tuple[str, ...]]
_HUBSPOT: dict[str, _Table] = {
    "companies": {
        "external_id": ("Record ID", "Company ID"),
        "name": ("Company name", "Name"),
        "domain": ("Company Domain Name", "Website URL"),
        "industry": ("Industry",),
        "owner": ("Company owner",),
        "phone": ("Phone Number",),
        "created_at": ("Create Date",),
    },
    "contacts": {
        "external_id": ("Record ID", "Contact ID"),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "email": ("Email",),
        "phone": ("Phone Number", "Mobile Phone Number"),
        "title": ("Job Title",),
        "company_external_id": ("Associated Company IDs", "Associated Company IDs (Primary)"),
        "company": ("Associated Company", "Associated Company (Primary)", "Company Name"),
        "owner": ("Contact owner",),
        "created_at": ("Create Date",),
    },
    "deals": {
        "external_id": ("Record ID", "Deal ID"),
        "title": ("Deal Name",),
        "stage": ("Deal Stage",),
        "amount": ("Amount",),
        "currency": ("Currency", "Deal currency code"),
        "expected_close_date": ("Close Date",),
        "created_at": ("Create Date",),
        "owner": ("Deal owner",),
        "company_external_id": ("Associated Company IDs", "Associated Company IDs (Primary)"),
        "company": ("Associated Company", "Associated Company (Primary)"),
        "contact_external_id": ("Associated Contact IDs", "Associated Contact IDs (Primary)"),
        "contact": ("Associated Contact", "Associated Contact (Primary)"),
        "probability": ("Deal probability",),
        "source": ("Original Source Type", "Original Traffic Source"),
        "lost_reason": ("Closed Lost Reason",),
        "next_action": ("Next step",),
        "qualification_notes": ("Deal Description",),
    },
}
_PIPEDRIVE: dict[str, _Table] = {
    "companies": {
        "external_id": ("Organization - ID", "Organisation - ID"),
        "name": ("Organization - Name", "Organisation - Name"),
        "domain": ("Organization - Website", "Organisation - Website"),
        "industry": ("Organization - Industry", "Organisation - Branche"),
        "owner": ("Organization - Owner", "Organisation - Besitzer"),
        "phone": ("Organization - Phone", "Organisation - Telefon"),
        "created_at": (
            "Organization - Organization created",
            "Organisation - Organisation erstellt",
        ),
    },
    "contacts": {
        "external_id": ("Person - ID",),
        "full_name": ("Person - Name",),
        "first_name": ("Person - First name", "Person - Vorname"),
        "last_name": ("Person - Last name", "Person - Nachname"),
        "email": (
            "Person - Email",
            "Person - Email - Work",
            "Person - E-Mail",
            "Person - E-Mail - Arbeit",
        ),
        "phone": (
            "Person - Phone",
            "Person - Phone - Work",
            "Person - Telefon",
            "Person - Telefon - Arbeit",
        ),
        "title": ("Person - Job title", "Person - Berufsbezeichnung"),
        "company": (
            "Person - Organization",
            "Person - Organisation",
            "Organization - Name",
            "Organisation - Name",
        ),
        "company_external_id": (
            "Organization - ID",
            "Organisation - ID",
            "Person - Organization ID",
        ),
        "owner": ("Person - Owner", "Person - Besitzer"),
        "created_at": ("Person - Person created", "Person - Person erstellt"),
    },
    "deals": {
        "external_id": ("Deal - ID",),
        "title": ("Deal - Title", "Deal - Titel"),
        "amount": ("Deal - Value", "Deal - Wert"),
        "currency": ("Deal - Currency", "Deal - Währung"),
        "stage": ("Deal - Stage", "Deal - Phase"),
        "status": ("Deal - Status",),
        "owner": ("Deal - Owner", "Deal - Besitzer"),
        "company": (
            "Deal - Organization",
            "Deal - Organisation",
            "Organization - Name",
            "Organisation - Name",
        ),
        "company_external_id": ("Deal - Organization ID", "Organization - ID", "Organisation - ID"),
        "contact": ("Deal - Contact person", "Deal - Kontaktperson", "Person - Name"),
        "contact_email": ("Person - Email", "Person - Email - Work", "Person - E-Mail"),
        "contact_external_id": ("Deal - Contact person ID", "Person - ID"),
        "probability": ("Deal - Probability", "Deal - Wahrscheinlichkeit"),
        "source": ("Deal - Source", "Deal - Source channel", "Deal - Quelle"),
        "expected_close_date": ("Deal - Expected close date", "Deal - Erwartetes Abschlussdatum"),
        "created_at": ("Deal - Deal created", "Deal - Deal erstellt"),
        "closed_at": ("Deal - Deal closed on", "Deal - Deal geschlossen am"),
        "won_at": ("Deal - Won time", "Deal - Gewonnen am", "Deal - Zeitpunkt gewonnen"),
        "lost_at": ("Deal - Lost time", "Deal - Verloren am", "Deal - Zeitpunkt verloren"),
        "lost_reason": ("Deal - Lost reason", "Deal - Grund für Verlust", "Deal - Verlustgrund"),
        "next_action_due": ("Deal - Next activity date", "Deal - Nächstes Aktivitätsdatum"),
    },
}
_SALESFORCE: dict[str, _Table] = {
    "companies": {
        "external_id": ("Account ID",),
        "name": ("Account Name",),
        "domain": ("Website",),
        "industry": ("Industry",),
        "owner": ("Account Owner",),
        "phone": ("Phone",),
        "created_at": ("Created Date",),
    },
    "contacts": {
        "external_id": ("Contact ID",),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "full_name": ("Contact Name", "Full Name"),
        "email": ("Email",),
        "phone": ("Phone", "Mobile"),
        "title": ("Title",),
        "company": ("Account Name",),
        "company_external_id": ("Account ID",),
        "owner": ("Contact Owner",),
        "created_at": ("Created Date",),
    },
    "deals": {
        "external_id": ("Opportunity ID",),
        "title": ("Opportunity Name",),
        "company": ("Account Name",),
        "company_external_id": ("Account ID",),
        "contact": ("Primary Contact", "Contact Name"),
        "contact_external_id": ("Contact ID",),
        "stage": ("Stage",),
        "amount": ("Amount",),
        "currency": ("Amount Currency", "Opportunity Currency"),
        "expected_close_date": ("Close Date",),
        "created_at": ("Created Date",),
        "owner": ("Opportunity Owner",),
        "source": ("Lead Source",),
        "campaign": ("Primary Campaign Source", "Campaign Source"),
        "probability": ("Probability (%)", "Probability"),
        "next_action": ("Next Step",),
        "lost_reason": ("Loss Reason", "Closed Lost Reason"),
        "qualification_notes": ("Description",),
    },
}
_ZOHO: dict[str, _Table] = {
    "companies": {
        "external_id": ("Record Id",),
        "name": ("Account Name",),
        "domain": ("Website",),
        "industry": ("Industry",),
        "owner": ("Account Owner",),
        "phone": ("Phone",),
        "created_at": ("Created Time",),
    },
    "contacts": {
        "external_id": ("Record Id",),
        "first_name": ("First Name",),
        "last_name": ("Last Name",),
        "email": ("Email",),
        "phone": ("Phone", "Mobile"),
        "title": ("Title",),
        "company": ("Account Name",),
        "company_external_id": ("Account Name.id",),
        "owner": ("Contact Owner",),
        "created_at": ("Created Time",),
    },
    "deals": {
        "external_id": ("Record Id",),
        "title": ("Deal Name",),
        "company": ("Account Name",),
        "company_external_id": ("Account Name.id",),
        "contact": ("Contact Name",),
        "contact_external_id": ("Contact Name.id",),
        "stage": ("Stage",),
        "amount": ("Amount",),
        "currency": ("Currency",),
        "expected_close_date": ("Closing Date",),
        "owner": ("Deal Owner",),
        "source": ("Lead Source",),
        "campaign": ("Campaign Source",),
        "probability": ("Probability (%)",),
        "next_action": ("Next Step",),
        "created_at": ("Created Time",),
        "lost_reason": ("Reason For Loss__s", "Reason For Loss"),
        "qualification_notes": ("Description",),
    },
}
_ODOO: dict[str, _Table] = {
    "companies": {
        "external_id": ("id",),
        "name": ("name", "Name", "Display Name"),
        "domain": ("website", "Website"),
        "industry": ("industry_id", "Industry"),
        "owner": ("user_id", "Salesperson"),
        "phone": ("phone", "Phone"),
        "created_at": ("create_date", "Created on"),
    },
    "deals": {
        "external_id": ("id",),
        "title": ("name", "Opportunity"),
        "company": ("partner_id", "Customer"),
        "company_external_id": ("partner_id/id", "Customer/External ID"),
        "contact": ("contact_name", "Contact Name"),
        "contact_email": ("email_from", "Email"),
        "stage": ("stage_id", "Stage"),
        "status": ("won_status", "Is Won", "active", "Active"),
        "amount": ("expected_revenue", "Expected Revenue"),
        "currency": ("company_currency", "Currency"),
        "probability": ("probability", "Probability"),
        "expected_close_date": ("date_deadline", "Expected Closing"),
        "owner": ("user_id", "Salesperson"),
        "source": ("source_id", "Source"),
        "campaign": ("campaign_id", "Campaign"),
        "lost_reason": ("lost_reason_id", "Lost Reason"),
        "created_at": ("create_date", "Created on"),
        "closed_at": ("date_closed", "Closed Date"),
        "qualification_notes": ("description", "Notes"),
    },
}
_RELAY: dict[str, _Table] = {
    "companies": {
        "external_id": ("id",),
        "name": ("name",),
        "domain": ("domain",),
        "industry": ("industry",),
        "owner": ("owner",),
        "created_at": ("created_at",),
    },
    "contacts": {
        "external_id": ("id",),
        "first_name": ("first_name",),
        "last_name": ("last_name",),
        "email": ("email",),
        "phone": ("phone",),
        "title": ("title",),
        "company": ("company",),
        "owner": ("owner",),
        "created_at": ("created_at",),
    },
    "deals": {
        "external_id": ("id",),
        "title": ("title",),
        "company": ("company",),
        "contact": ("contact",),
        "owner": ("owner",),
        "stage": ("stage",),
        "amount": ("amount",),
        "probability": ("probability",),
        "source": ("source",),
        "expected_close_date": ("expected_close_date",),
        "next_action": ("next_action",),
        "next_action_due": ("next_action_due_date",),
        "currency": ("currency",),
        "qualification_notes": ("qualification_notes",),
        "lost_reason": ("lost_reason",),
        "lost_note": ("lost_note",),
        "won_at": ("won_at",),
        "lost_at": ("lost_at",),
        "created_at": ("created_at",),
    },
}
# Relay's own CSV columns that no field takes (computed, or the time half of the due date).
_RELAY_IGNORED = (
    "open_deals",
    "amount_base",
    "weighted_amount",
    "next_action_due_time",
    "updated_at",
)
# A header of another tool: its columns by Relay's field names and labels, and common names.
_OTHER: dict[str, _Table] = {
    kind: {
        name: (name, label, *extra)
        for name, label in fields.items()
        for extra in [
            {
                "email": ("E-Mail", "Email address", "contact_email"),
                "company": ("Company", "Organization", "Organisation", "Account", "Firma"),
                "name": ("Company", "Company name", "Organization", "Firma"),
                "first_name": ("Vorname", "Given name"),
                "last_name": ("Nachname", "Surname", "Family name"),
                "full_name": ("Name", "Contact"),
                "domain": ("Website", "Web", "Domain"),
                "phone": ("Telefon", "Phone number"),
                "amount": ("Value", "Wert", "Betrag"),
                "currency": ("Währung",),
                "title": ("Deal", "Deal name", "Titel") if kind == "deals" else ("Job title",),
            }.get(name, ())
        ]
    }
    for kind, fields in FIELDS.items()
}
_TABLES: dict[str, dict[str, _Table]] = {
    "hubspot": _HUBSPOT,
    "pipedrive": _PIPEDRIVE,
    "salesforce": _SALESFORCE,
    "zoho": _ZOHO,
    "odoo": _ODOO,
    "relay": _RELAY,
}
# Column names any tool may write: they never tell one system from another.
_GENERIC = {
    normalize(alias) for table in _OTHER.values() for aliases in table.values() for alias in aliases
} | {normalize(word) for word in ("notes", "description", "active", "website", "source")}
# The systems writing each column name: one only that one system writes weighs more.
_ALIAS_SYSTEMS: dict[str, set[str]] = {}
for _system, _kinds in _TABLES.items():
    for _table in _kinds.values():
        for _aliases in _table.values():
            for _alias in _aliases:
                if normalize(_alias) not in _GENERIC:
                    _ALIAS_SYSTEMS.setdefault(normalize(_alias), set()).add(_system)


def _map(header: list[str], table: _Table) -> dict[str, str | None]:
    columns = {normalize(name): name for name in reversed(header)}  # the first of equals wins
    mapping: dict[str, str | None] = dict.fromkeys(header)
    for field, aliases in table.items():
        for alias in aliases:
            column = columns.get(normalize(alias))
            if column is not None and mapping[column] is None:
                mapping[column] = field
                break
    return mapping


def _score(header: list[str], system: str, mapping: dict[str, str | None]) -> float:
    matched = [column for column, field in mapping.items() if field]
    unique = [c for c in matched if _ALIAS_SYSTEMS.get(normalize(c)) == {system}]
    exact = [c for c in matched if c in _exact_names(system)]
    return len(matched) + 0.5 * len(unique) + 0.01 * len(exact) - 0.001 * len(header)


def _exact_names(system: str) -> set[str]:
    return {
        alias
        for table in _TABLES[system].values()
        for aliases in table.values()
        for alias in aliases
    }


def _guess_kind(header: list[str]) -> str | None:
    best, best_count = None, 0
    for kind in ("deals", "contacts", "companies", "activities"):
        count = sum(1 for field in _map(header, _OTHER[kind]).values() if field)
        if count > best_count:
            best, best_count = kind, count
    return best


def detect(header: list[str], kind: str | None = None) -> Profile:
    """The system whose export columns match ``header`` best, the kind they look like, and
    the mapping of every column for ``kind`` (or for the kind detected when None).

    A system is recognised when at least two columns and a third of the header match it,
    one of them a column only that system writes or at least four in all; otherwise the
    system is "other", mapped by Relay's field names, labels and common names.
    """
    if kind is not None and kind not in FIELDS:
        raise ValueError(f"kind must be one of {', '.join(FIELDS)}, not {kind!r}")
    best: tuple[float, str, str, dict[str, str | None]] | None = None
    for system, kinds in _TABLES.items():
        for table_kind, table in kinds.items():
            mapping = _map(header, table)
            matched = [column for column, field in mapping.items() if field]
            unique = any(_ALIAS_SYSTEMS.get(normalize(c)) == {system} for c in matched)
            if len(matched) < 2 or len(matched) * 3 < len(header):
                continue
            if not unique and len(matched) < 4:
                continue
            score = _score(header, system, mapping)
            if best is None or score > best[0]:
                best = (score, system, table_kind, mapping)
    if best is None:
        looks = _guess_kind(header)
        target = kind or looks
        mapping = _map(header, _OTHER[target]) if target else dict.fromkeys(header)
        return Profile(system="other", kind=looks, mapping=mapping)
    _, system, looks, mapping = best
    if kind is not None and kind != looks:
        table = _TABLES[system].get(kind) or _OTHER[kind]
        mapping = _map(header, table)
    return Profile(system=system, kind=looks, mapping=mapping)


# Values ----------------------------------------------------------------------------------

_STAGE_NAMES: dict[str, dict[str, str]] = {
    "hubspot": {
        "appointmentscheduled": "lead",
        "qualifiedtobuy": "qualified",
        "presentationscheduled": "qualified",
        "decisionmakerboughtin": "proposal",
        "contractsent": "negotiation",
        "closedwon": "won",
        "closedlost": "lost",
    },
    "pipedrive": {
        "Lead In": "lead",
        "Lead eingegangen": "lead",
        "Qualified": "qualified",
        "Qualifiziert": "qualified",
        "Contact Made": "qualified",
        "Kontakt hergestellt": "qualified",
        "Needs Defined": "qualified",
        "Bedarf ermittelt": "qualified",
        "Demo Scheduled": "qualified",
        "Demo geplant": "qualified",
        "Proposal Made": "proposal",
        "Angebot erstellt": "proposal",
        "Angebot gemacht": "proposal",
        "Negotiations Started": "negotiation",
        "Verhandlungen begonnen": "negotiation",
        "Verhandlung begonnen": "negotiation",
    },
    "salesforce": {
        # A deal in Qualification is being qualified: still a lead in Relay's terms.
        "Prospecting": "lead",
        "Qualification": "lead",
        "Needs Analysis": "qualified",
        "Value Proposition": "qualified",
        "Id. Decision Makers": "qualified",
        "Perception Analysis": "qualified",
        "Proposal/Price Quote": "proposal",
        "Negotiation/Review": "negotiation",
        "Closed Won": "won",
        "Closed Lost": "lost",
    },
    "zoho": {
        "Prospecting": "lead",
        "Qualification": "lead",
        "Needs Analysis": "qualified",
        "Value Proposition": "qualified",
        "Id. Decision Makers": "qualified",
        "Identify Decision Makers": "qualified",
        "Perception Analysis": "qualified",
        "Proposal/Price Quote": "proposal",
        "Negotiation/Review": "negotiation",
        "Closed Won": "won",
        "Closed Lost": "lost",
        "Closed-Lost to Competition": "lost",
        "Closed Lost to Competition": "lost",
    },
    "odoo": {
        "New": "lead",
        "Neu": "lead",
        "Qualified": "qualified",
        "Qualifiziert": "qualified",
        "Proposition": "proposal",
        "Angebot": "proposal",
        "Won": "won",
        "Gewonnen": "won",
    },
}
_STAGES = {
    system: {normalize(name): stage for name, stage in names.items()}
    for system, names in _STAGE_NAMES.items()
}
_RELAY_STAGES = {normalize(stage): stage for stage in STAGES}
# A stage name the vendors share and agree on ("Closed Won"), for a file of no known system
# (a known vendor's own pipeline decides for its files: Pipedrive's won is a status).
_SHARED_STAGES = {
    key: stages.pop()
    for key in {key for names in _STAGES.values() for key in names}
    if len(stages := {names[key] for names in _STAGES.values() if key in names}) == 1
}
_STATUS = {
    "open": "open",
    "offen": "open",
    "pending": "open",
    "won": "won",
    "gewonnen": "won",
    "lost": "lost",
    "verloren": "lost",
}
# Odoo's ``active``: an archived (inactive) lead is a lost one.
_ODOO_ACTIVE = {"true": "open", "1": "open", "false": "lost", "0": "lost"}


def stage_value(system: str, value: str) -> str | None:
    """Relay's stage for a stage of ``system``'s default pipeline (by name or, for HubSpot,
    internal id), Relay's own stage names, or in another system's file a name the vendors
    agree on ("Closed Won"); None when unknown."""
    key = normalize(value)
    if not key:
        return None
    shared = _SHARED_STAGES.get(key) if system not in _STAGES else None
    return _STAGES.get(system, {}).get(key) or _RELAY_STAGES.get(key) or shared


def status_value(value: str, system: str = "other") -> str | None:
    """ "open", "won" or "lost" from a status cell: Pipedrive's open/won/lost, German
    offen/gewonnen/verloren, Odoo's won_status; for ``system="odoo"`` also its ``active``
    flag, false being "lost" and true "open" (a Won stage still makes the deal won).
    None when unknown (Pipedrive's "deleted")."""
    key = normalize(value)
    if system == "odoo" and key in _ODOO_ACTIVE:
        return _ODOO_ACTIVE[key]
    return _STATUS.get(key)
