"""Write the vendor export files of this folder, and expected.py describing them.

Run once from the repository root, then format: ``.venv/bin/python
tests/data/imports/make_files.py && .venv/bin/ruff format tests/data/imports``. The output
is deterministic: one set of companies, contacts and deals rendered the way each CRM exports
it, with its own ids, so the files of one vendor link to each other by those ids.
"""

import csv
import datetime as dt
import hashlib
import io
import pprint
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
ZONE = ZoneInfo("Europe/Zurich")
OWNERS = ("Rita Rep", "Ravi Rep", "Sam Manager", "Former Employee")
USERNAMES = {
    "Rita Rep": "rita",
    "Ravi Rep": "ravi",
    "Sam Manager": "sam",
    "Former Employee": "former",
}


@dataclass
class Company:
    index: int
    name: str
    domain: str
    industry: str
    phone: str
    city: str
    owner: str
    created: dt.datetime


@dataclass
class Contact:
    index: int
    first: str
    last: str
    email: str
    phone: str
    title: str
    company: int | None
    owner: str
    created: dt.datetime


@dataclass
class Deal:
    index: int
    title: str
    company: int
    contact: int | None
    owner: str
    amount: Decimal | None
    currency: str
    stage: str
    created: dt.datetime
    close: dt.date
    lost_reason: str
    notes: str
    source: str


COMPANY_ROWS = [
    ("Acme Robotics", "acme-robotics.com", "Machinery", "Zürich"),
    ("Müller Haustechnik GmbH", "mueller-haustechnik.de", "Construction", "München"),
    ("Smith, Jones & Partners LLP", "smithjones.co.uk", "Legal Services", "London"),
    ("Zoë Design Studio", "zoe-design.ch", "Design", "Genève"),
    ("Nordlicht Energie AG", "nordlicht-energie.de", "Utilities", "Hamburg"),
    ("Bluebird Logistics", "bluebird-logistics.com", "Logistics", "Rotterdam"),
    ("Café Olé SARL", "cafe-ole.fr", "Food & Beverages", "Lyon"),
    ("Helvetia Dental Clinic", "helvetia-dental.ch", "Health Care", "Bern"),
    ("Quantum Ledger Inc.", "quantumledger.io", "Financial Services", "Boston"),
    ("Ørsted Wind Services", "orsted-wind.dk", "Renewables", "Aarhus"),
    ("Greenfield Schools Trust", "greenfield-schools.org", "Education", "Leeds"),
    ("Pixelwerk Medien", "pixelwerk.de", "Marketing", "Berlin"),
    ("Alpine Timber Co.", "alpinetimber.at", "Wood Products", "Innsbruck"),
    ("Brightside Solar", "brightside-solar.com", "Renewables", "Austin"),
    ("Kovač Engineering d.o.o.", "kovac-eng.hr", "Engineering", "Zagreb"),
    ("Lakeside Hotels Group", "lakeside-hotels.com", "Hospitality", "Lucerne"),
    ("Redwood Analytics", "redwood-analytics.com", "Computer Software", "San Francisco"),
    ("Fjord Fisheries AS", "fjordfish.no", "Food Production", "Bergen"),
    ("Sánchez & Hijos", "sanchezhijos.es", "Retail", "Sevilla"),
    ("Crown Street Bakery", "crownstreetbakery.co.uk", "Food & Beverages", "Bristol"),
    ("Metro Facility Services", "metro-facility.com", "Facilities Services", "Chicago"),
    ("Weiß & Söhne KG", "weiss-soehne.de", "Manufacturing", "Stuttgart"),
    ("Orbit Telecom", "orbit-telecom.net", "Telecommunications", "Dublin"),
    ("Maple Leaf Insurance", "mapleleaf-ins.ca", "Insurance", "Toronto"),
    ("Atelier Lumière", "atelier-lumiere.fr", "Architecture", "Paris"),
    ("Summit Outdoor Gear", "summit-gear.com", "Sporting Goods", "Denver"),
    ("Delta Pharma Labs", "deltapharma.com", "Pharmaceuticals", "Basel"),
    ("Harbor City Council", "harborcity.gov", "Government", "Portland"),
    ("Nguyễn Trading", "nguyen-trading.vn", "Wholesale", "Hà Nội"),
    ("Blue Finch Ventures", "bluefinch.vc", "Venture Capital", "New York"),
]
FIRST = [
    "Chloe",
    "Lukas",
    "Zoë",
    "Amelia",
    "Jonas",
    "Sofia",
    "Noah",
    "Léa",
    "Elias",
    "Mia",
    "Ben",
    "Hannah",
    "Luca",
    "Emma",
    "Felix",
    "Ana",
    "Oliver",
    "Ines",
    "Matteo",
    "Clara",
]
LAST = [
    "Meyer",
    "Müller",
    "Schmidt",
    "O'Brien",
    "Dubois",
    "Rossi",
    "Novak",
    "García",
    "Weber",
    "Jansen",
    "Fischer",
    "Brown",
    "Keller",
    "Costa",
    "Lindqvist",
    "Huber",
    "Moreau",
    "Wagner",
    "Nowak",
    "Bauer",
]
TITLES = [
    "CEO",
    "Head of Operations",
    "Purchasing Manager",
    "CTO",
    "Office Manager",
    "Project Lead, Facilities",
    "",
]
SOURCES = ["Website", "Referral", "Trade Show", "Cold Call", "Partner", ""]
LOST_REASONS = ["Price too high", "Chose a competitor", "No budget", "Timing"]
PRODUCTS = [
    "Website relaunch",
    "Maintenance contract 2027",
    "CRM rollout",
    "Office move",
    "Solar installation",
    "IT support retainer",
    "Brand workshop",
    "Network upgrade",
    "Security audit",
]


def ascii_name(name: str) -> str:
    """An email address's part for a name: "Müller" -> "mueller", "García" -> "garcia"."""
    name = name.lower().replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace("'", "")


def build() -> tuple[list[Company], list[Contact], list[Deal]]:
    rng = random.Random(13)
    start = dt.datetime(2026, 9, 1, 9, 0, tzinfo=ZONE)
    companies = [
        Company(
            index=i,
            name=name,
            domain=domain,
            industry=industry,
            phone=f"+41 44 {200 + i:03d} {10 + i * 3:02d} {i * 7 % 100:02d}",
            city=city,
            owner=OWNERS[i % 4] if i % 9 else OWNERS[3],
            created=start + dt.timedelta(days=i * 3, hours=i % 8, minutes=i * 7 % 60),
        )
        for i, (name, domain, industry, city) in enumerate(COMPANY_ROWS)
    ]
    contacts = []
    for i in range(40):
        first, last = FIRST[i % 20], LAST[(i * 7) % 20]
        company = i % 30 if i != 17 else None
        domain = companies[company].domain if company is not None else "gmail.com"
        email = f"{ascii_name(first)}.{ascii_name(last)}@{domain}"
        contacts.append(
            Contact(
                index=i,
                first=first,
                last=last,
                email=email if i != 33 else contacts[3].email,  # one address twice
                phone=f"+49 30 {5550000 + i * 17}" if i % 5 else "",
                title=TITLES[i % len(TITLES)],
                company=company,
                owner=OWNERS[i % 3],
                created=start + dt.timedelta(days=10 + i * 2, hours=i % 9, minutes=i * 11 % 60),
            )
        )
    stages = ["lead"] * 9 + ["qualified"] * 10 + ["proposal"] * 8 + ["negotiation"] * 9
    stages += ["won"] * 5 + ["lost"] * 4
    rng.shuffle(stages)
    for position, stage in enumerate(("won", "lost")):  # the first rows show both ends
        found = stages.index(stage, position)
        stages[position], stages[found] = stages[found], stages[position]
    # The deal without an amount (row 7) is a lead: R4 asks for one from proposal on.
    found = stages.index("lead", 8)
    stages[7], stages[found] = stages[found], stages[7]
    deals = []
    for i, stage in enumerate(stages):
        company = (i * 7) % 30
        contact = next((c.index for c in contacts if c.company == company), None)
        amount = Decimal((i * 37 % 50 + 2) * 750) + Decimal(i % 4 * 25)
        amount = {0: Decimal("3200.00"), 1: Decimal("51500.00"), 2: Decimal("12500.00")}.get(
            i, amount
        )
        created = start + dt.timedelta(days=20 + i * 4, hours=i % 7, minutes=i * 13 % 60)
        notes = ""
        if i % 6 == 2:
            notes = f"Budget approved by {contacts[contact].first if contact is not None else 'the board'}, legal review pending.\nCall back after the {i % 27 + 1}th."
        elif i % 6 == 4:
            notes = 'Needs "turnkey" offer, incl. training'
        deals.append(
            Deal(
                index=i,
                title=f"{PRODUCTS[i % len(PRODUCTS)]} \u2013 {COMPANY_ROWS[company][0]}",  # en dash
                company=company,
                contact=contact if i % 8 != 5 else None,
                owner=OWNERS[i % 4] if i % 10 != 9 else OWNERS[3],
                amount=None if i == 7 else amount,
                currency=["USD", "USD", "CHF", "GBP", "EUR"][i % 5]
                if i > 2
                else ["USD", "EUR", "CHF"][i],
                stage=stage,
                created=created,
                close=(created + dt.timedelta(days=40 + i % 5 * 11)).date(),
                lost_reason=LOST_REASONS[i % 4] if stage == "lost" else "",
                notes=notes,
                source=SOURCES[i % len(SOURCES)],
            )
        )
    # The same company twice (a duplicate every CRM grows): its second record.
    companies.append(
        Company(
            index=30,
            name="Acme Robotics",
            domain="acme-robotics.com",
            industry="Machinery",
            phone="",
            city="Zurich",
            owner=OWNERS[1],
            created=start + dt.timedelta(days=95, hours=3),
        )
    )
    return companies, contacts, deals


# Files -----------------------------------------------------------------------------------


@dataclass
class File:
    name: str
    system: str
    kind: str
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[list[str]]
    preamble: list[list[str]]
    footer: list[list[str]]
    blank_after: int | None = None  # a blank row after this data row (0-based)
    lineterminator: str = "\r\n"

    def write(self) -> dict[int, int]:
        """Write the file; answer each data row's spreadsheet line by its index."""
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator=self.lineterminator)
        lines, line = {}, 0
        for record in [*self.preamble, self.header]:
            writer.writerow(record)
            line += 1
        for index, row in enumerate(self.rows):
            writer.writerow(row)
            line += 1
            lines[index] = line
            if index == self.blank_after:
                buffer.write(self.lineterminator)
                line += 1
        for record in self.footer:
            if record:
                writer.writerow(record)
            else:
                buffer.write(self.lineterminator)
        text = buffer.getvalue()
        # Excel writes "?" for a character its code page lacks (Kovač, Nguyễn in cp1252).
        data = text.encode("utf-8" if self.encoding == "utf-8-sig" else self.encoding, "replace")
        if self.encoding == "utf-8-sig":
            data = b"\xef\xbb\xbf" + data
        (HERE / self.name).write_bytes(data)
        return lines


def hubspot_id(base: int, i: int) -> str:
    return str(base + i * 1013)


def sf_id(prefix: str, i: int) -> str:
    return f"{prefix}5g0000{i:06d}QAA"


def zoho_id(i: int, offset: int) -> str:
    return str(4876876000000240000 + offset + i)


def odoo_id(model: str, i: int) -> str:
    digest = hashlib.sha1(f"{model}{i}".encode()).hexdigest()[:8]
    return f"__export__.{model}_{i + 1}_{digest}"


HUBSPOT_STAGES = {
    "lead": "Appointment Scheduled",
    "qualified": "Qualified To Buy",
    "proposal": "Decision Maker Bought-In",
    "negotiation": "Contract Sent",
    "won": "Closed Won",
    "lost": "Closed Lost",
}
PIPEDRIVE_STAGES = {
    "lead": "Lead In",
    "qualified": "Contact Made",
    "proposal": "Proposal Made",
    "negotiation": "Negotiations Started",
}
PIPEDRIVE_STAGES_DE = {
    "lead": "Lead eingegangen",
    "qualified": "Kontakt hergestellt",
    "proposal": "Angebot erstellt",
    "negotiation": "Verhandlungen begonnen",
}
SALESFORCE_STAGES = {
    "lead": "Prospecting",
    "qualified": "Needs Analysis",
    "proposal": "Proposal/Price Quote",
    "negotiation": "Negotiation/Review",
    "won": "Closed Won",
    "lost": "Closed Lost",
}
ZOHO_STAGES = {
    **SALESFORCE_STAGES,
    "lead": "Qualification",
    "qualified": "Identify Decision Makers",
}
ODOO_STAGES = {
    "lead": "New",
    "qualified": "Qualified",
    "proposal": "Proposition",
    "negotiation": "Proposition",
    "won": "Won",
}


def iso(moment: dt.datetime, seconds: bool = False) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def us_date(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def de_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


def money_us(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    text = f"{amount:,.2f}"
    return {"USD": f"${text}", "GBP": f"£{text}", "EUR": f"€{text}"}.get(
        currency, f"{currency} {text}"
    )


def money_de(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


# The header of Relay's deal export (crm.views.deal_list with ?format=csv), column for column.
RELAY_DEAL_COLUMNS = (
    "id",
    "title",
    "company",
    "contact",
    "owner",
    "stage",
    "amount",
    "currency",
    "amount_base",
    "probability",
    "weighted_amount",
    "source",
    "expected_close_date",
    "next_action",
    "next_action_due_date",
    "next_action_due_time",
    "qualification_notes",
    "lost_reason",
    "lost_note",
    "won_at",
    "lost_at",
    "created_at",
    "updated_at",
)
# The exporting installation's rates into its currency (EUR), for amount_base.
RELAY_RATES = {
    "EUR": Decimal(1),
    "USD": Decimal("0.92"),
    "GBP": Decimal("1.17"),
    "CHF": Decimal("1.04"),
}


def closed_at(deal: Deal) -> dt.datetime:
    return dt.datetime.combine(deal.close, dt.time(16, 30), tzinfo=ZONE)


def files(companies: list[Company], contacts: list[Contact], deals: list[Deal]) -> list[File]:
    """Each vendor's files, rendered from the same companies, contacts and deals."""
    out = []
    hub_co = lambda i: hubspot_id(18000000000, i)  # noqa: E731
    hub_ct = lambda i: hubspot_id(51000, i)  # noqa: E731
    hub_dl = lambda i: hubspot_id(9100000000, i)  # noqa: E731
    # HubSpot ------------------------------------------------------------------------------
    out.append(
        File(
            "hubspot_companies.csv",
            "hubspot",
            "companies",
            "utf-8-sig",
            ",",
            [
                "Record ID",
                "Company name",
                "Company Domain Name",
                "Industry",
                "Company owner",
                "Phone Number",
                "City",
                "Create Date",
            ],
            [
                [
                    hub_co(c.index),
                    c.name,
                    c.domain,
                    c.industry,
                    c.owner,
                    c.phone,
                    c.city,
                    iso(c.created),
                ]
                for c in companies
            ],
            [],
            [],
        )
    )
    rows = []
    for c in contacts:
        ids = hub_co(c.company) if c.company is not None else ""
        if c.index == 4:
            ids = f"{hub_co(4)};{hub_co(30)}"
        rows.append(
            [
                hub_ct(c.index),
                c.first,
                c.last,
                c.email,
                c.phone,
                c.title,
                ids,
                companies[c.company].name if c.company is not None else "",
                c.owner,
                "Customer" if c.index % 3 else "Lead",
                iso(c.created),
            ]
        )
    out.append(
        File(
            "hubspot_contacts.csv",
            "hubspot",
            "contacts",
            "utf-8-sig",
            ",",
            [
                "Record ID",
                "First Name",
                "Last Name",
                "Email",
                "Phone Number",
                "Job Title",
                "Associated Company IDs",
                "Associated Company",
                "Contact owner",
                "Lifecycle Stage",
                "Create Date",
            ],
            rows,
            [],
            [],
        )
    )
    rows = []
    for d in deals:
        company_ids = hub_co(d.company) if d.index != 3 else f"{hub_co(0)};{hub_co(30)}"
        rows.append(
            [
                hub_dl(d.index),
                d.title,
                "Sales Pipeline",
                HUBSPOT_STAGES[d.stage],
                "" if d.amount is None else str(d.amount),
                "USD",
                d.close.isoformat(),
                iso(d.created),
                d.owner,
                company_ids,
                companies[d.company].name,
                hub_ct(d.contact) if d.contact is not None else "",
                f"{contacts[d.contact].first} {contacts[d.contact].last}"
                if d.contact is not None
                else "",
                d.lost_reason,
                d.notes,
            ]
        )
    out.append(
        File(
            "hubspot_deals.csv",
            "hubspot",
            "deals",
            "utf-8-sig",
            ",",
            [
                "Record ID",
                "Deal Name",
                "Pipeline",
                "Deal Stage",
                "Amount",
                "Currency",
                "Close Date",
                "Create Date",
                "Deal owner",
                "Associated Company IDs",
                "Associated Company",
                "Associated Contact IDs",
                "Associated Contact",
                "Closed Lost Reason",
                "Deal Description",
            ],
            rows,
            [],
            [],
        )
    )
    # Pipedrive ----------------------------------------------------------------------------
    out.append(
        File(
            "pipedrive_organizations.csv",
            "pipedrive",
            "companies",
            "utf-8",
            ",",
            [
                "Organization - ID",
                "Organization - Name",
                "Organization - Owner",
                "Organization - Address",
                "Organization - People",
                "Organization - Organization created",
            ],
            [
                [
                    str(c.index + 1),
                    c.name,
                    c.owner,
                    c.city,
                    str(sum(1 for p in contacts if p.company == c.index)),
                    iso(c.created, True),
                ]
                for c in companies
            ],
            [],
            [],
        )
    )
    out.append(
        File(
            "pipedrive_persons.csv",
            "pipedrive",
            "contacts",
            "utf-8",
            ",",
            [
                "Person - ID",
                "Person - Name",
                "Person - First name",
                "Person - Last name",
                "Person - Organization",
                "Organization - ID",
                "Person - Email - Work",
                "Person - Phone - Work",
                "Person - Owner",
                "Person - Person created",
            ],
            [
                [
                    str(c.index + 1),
                    f"{c.first} {c.last}",
                    c.first,
                    c.last,
                    companies[c.company].name if c.company is not None else "",
                    str(c.company + 1) if c.company is not None else "",
                    c.email,
                    c.phone,
                    c.owner,
                    iso(c.created, True),
                ]
                for c in contacts
            ],
            [],
            [],
            blank_after=19,
        )
    )
    rows = []
    for d in deals:
        open_stage = PIPEDRIVE_STAGES.get(d.stage, "Negotiations Started")
        status = d.stage if d.stage in ("won", "lost") else "open"
        contact = contacts[d.contact] if d.contact is not None else None
        rows.append(
            [
                str(d.index + 1),
                d.title,
                d.owner,
                "" if d.amount is None else str(d.amount),
                d.currency if d.currency != "GBP" else "EUR",
                companies[d.company].name,
                str(d.company + 1),
                f"{contact.first} {contact.last}" if contact else "",
                str(contact.index + 1) if contact else "",
                contact.email if contact else "",
                "Sales",
                open_stage,
                status,
                d.close.isoformat(),
                iso(d.created, True),
                iso(closed_at(d), True) if status == "won" else "",
                iso(closed_at(d), True) if status == "lost" else "",
                d.lost_reason,
            ]
        )
    out.append(
        File(
            "pipedrive_deals.csv",
            "pipedrive",
            "deals",
            "utf-8",
            ",",
            [
                "Deal - ID",
                "Deal - Title",
                "Deal - Owner",
                "Deal - Value",
                "Deal - Currency",
                "Deal - Organization",
                "Organization - ID",
                "Deal - Contact person",
                "Person - ID",
                "Person - Email",
                "Deal - Pipeline",
                "Deal - Stage",
                "Deal - Status",
                "Deal - Expected close date",
                "Deal - Deal created",
                "Deal - Won time",
                "Deal - Lost time",
                "Deal - Lost reason",
            ],
            rows,
            [],
            [],
        )
    )
    german_reasons = {
        "Price too high": "Preis zu hoch (über 10.000 €)",
        "Chose a competitor": "Wettbewerber gewählt",
        "No budget": "Kein Budget",
        "Timing": "Zeitpunkt",
    }
    rows = []
    for d in deals:
        status = {"won": "gewonnen", "lost": "verloren"}.get(d.stage, "offen")
        contact = contacts[d.contact] if d.contact is not None else None
        rows.append(
            [
                str(d.index + 1),
                d.title.replace("Maintenance contract", "Wartungsvertrag"),
                d.owner,
                money_de(d.amount),
                "EUR",
                companies[d.company].name,
                str(d.company + 1),
                f"{contact.first} {contact.last}" if contact else "",
                str(contact.index + 1) if contact else "",
                "Vertrieb",
                PIPEDRIVE_STAGES_DE.get(d.stage, "Verhandlungen begonnen"),
                status,
                de_date(d.close),
                d.created.strftime("%d.%m.%Y %H:%M"),
                closed_at(d).strftime("%d.%m.%Y %H:%M") if status == "gewonnen" else "",
                closed_at(d).strftime("%d.%m.%Y %H:%M") if status == "verloren" else "",
                german_reasons.get(d.lost_reason, ""),
            ]
        )
    out.append(
        File(
            "pipedrive_deals_de.csv",
            "pipedrive",
            "deals",
            "cp1252",
            ";",
            [
                "Deal - ID",
                "Deal - Titel",
                "Deal - Besitzer",
                "Deal - Wert",
                "Deal - Währung",
                "Deal - Organisation",
                "Organisation - ID",
                "Deal - Kontaktperson",
                "Person - ID",
                "Deal - Pipeline",
                "Deal - Phase",
                "Deal - Status",
                "Deal - Erwartetes Abschlussdatum",
                "Deal - Deal erstellt",
                "Deal - Gewonnen am",
                "Deal - Verloren am",
                "Deal - Grund für Verlust",
            ],
            rows,
            [],
            [],
        )
    )
    # Salesforce ---------------------------------------------------------------------------
    footer = [
        [],
        ["Confidential Information - Do Not Distribute"],
        ["Copyright (c) 2000-2027 salesforce.com, inc. All rights reserved."],
    ]
    out.append(
        File(
            "salesforce_accounts.csv",
            "salesforce",
            "companies",
            "utf-8",
            ",",
            [
                "Account Owner",
                "Account Name",
                "Account ID",
                "Type",
                "Industry",
                "Website",
                "Phone",
                "Billing City",
                "Created Date",
            ],
            [
                [
                    c.owner,
                    c.name,
                    sf_id("001", c.index),
                    "Customer" if c.index % 3 else "Prospect",
                    c.industry,
                    f"www.{c.domain}",
                    c.phone,
                    c.city,
                    us_date(c.created.date()),
                ]
                for c in companies
            ],
            [],
            footer,
        )
    )
    out.append(
        File(
            "salesforce_contacts.csv",
            "salesforce",
            "contacts",
            "utf-8",
            ",",
            [
                "Contact Owner",
                "First Name",
                "Last Name",
                "Title",
                "Account Name",
                "Account ID",
                "Contact ID",
                "Email",
                "Phone",
                "Mailing City",
                "Created Date",
            ],
            [
                [
                    c.owner,
                    c.first,
                    c.last,
                    c.title,
                    companies[c.company].name if c.company is not None else "",
                    sf_id("001", c.company) if c.company is not None else "",
                    sf_id("003", c.index),
                    c.email,
                    c.phone,
                    companies[c.company].city if c.company is not None else "",
                    us_date(c.created.date()),
                ]
                for c in contacts
            ],
            [],
            footer,
        )
    )
    rows = []
    for d in deals:
        probability = {
            "lead": 10,
            "qualified": 20,
            "proposal": 75,
            "negotiation": 90,
            "won": 100,
            "lost": 0,
        }[d.stage]
        rows.append(
            [
                d.owner,
                companies[d.company].name,
                sf_id("001", d.company),
                d.title,
                sf_id("006", d.index),
                "New Business" if d.index % 3 else "Existing Business",
                d.source,
                SALESFORCE_STAGES[d.stage],
                f"{probability}%",
                d.currency if d.currency != "EUR" else "USD",
                money_us(d.amount, d.currency if d.currency != "EUR" else "USD"),
                us_date(d.close),
                us_date(d.created.date()),
                d.notes,
            ]
        )
    total = sum((d.amount or Decimal(0)) for d in deals)
    out.append(
        File(
            "salesforce_opportunities.csv",
            "salesforce",
            "deals",
            "utf-8",
            ",",
            [
                "Opportunity Owner",
                "Account Name",
                "Account ID",
                "Opportunity Name",
                "Opportunity ID",
                "Type",
                "Lead Source",
                "Stage",
                "Probability (%)",
                "Amount Currency",
                "Amount",
                "Close Date",
                "Created Date",
                "Next Step",
            ],
            rows,
            [["Opportunity Pipeline"], ["Filtered By: Close Date equals Next 12 Months"], []],
            [[], ["Total", *[""] * 9, f"{total:,.2f}", "", "", ""], *footer[1:]],
        )
    )
    # Zoho ---------------------------------------------------------------------------------
    zoho_user = {owner: str(4876876000000023001 + n * 2) for n, owner in enumerate(OWNERS)}
    out.append(
        File(
            "zoho_accounts.csv",
            "zoho",
            "companies",
            "utf-8",
            ",",
            [
                "Record Id",
                "Account Owner.id",
                "Account Owner",
                "Account Name",
                "Phone",
                "Website",
                "Industry",
                "Billing City",
                "Created Time",
            ],
            [
                [
                    zoho_id(c.index, 0),
                    zoho_user[c.owner],
                    c.owner,
                    c.name,
                    c.phone,
                    f"https://{c.domain}",
                    c.industry,
                    c.city,
                    iso(c.created),
                ]
                for c in companies
            ],
            [],
            [],
        )
    )
    rows = []
    for d in deals:
        contact = contacts[d.contact] if d.contact is not None else None
        stage = ZOHO_STAGES[d.stage] if d.index != 1 else "Closed-Lost to Competition"
        rows.append(
            [
                zoho_id(d.index, 5000),
                zoho_user[d.owner],
                d.owner,
                d.title,
                "" if d.amount is None else f"{d.amount:.2f}",
                "EUR" if d.currency == "EUR" else "USD",
                d.close.isoformat(),
                stage,
                companies[d.company].name,
                zoho_id(d.company, 0),
                f"{contact.first} {contact.last}" if contact else "",
                zoho_id(contact.index, 2000) if contact else "",
                d.source,
                iso(d.created),
                d.lost_reason,
                d.notes,
            ]
        )
    out.append(
        File(
            "zoho_deals.csv",
            "zoho",
            "deals",
            "utf-8",
            ",",
            [
                "Record Id",
                "Deal Owner.id",
                "Deal Owner",
                "Deal Name",
                "Amount",
                "Currency",
                "Closing Date",
                "Stage",
                "Account Name",
                "Account Name.id",
                "Contact Name",
                "Contact Name.id",
                "Lead Source",
                "Created Time",
                "Reason For Loss__s",
                "Description",
            ],
            rows,
            [],
            [],
        )
    )
    # Odoo ---------------------------------------------------------------------------------
    rows = []
    for d in deals:
        contact = contacts[d.contact] if d.contact is not None else None
        lost = d.stage == "lost"
        rows.append(
            [
                odoo_id("crm_lead", d.index),
                d.title,
                companies[d.company].name,
                odoo_id("res_partner", d.company),
                f"{contact.first} {contact.last}" if contact else "",
                contact.email if contact else "",
                ODOO_STAGES.get(d.stage, "Qualified"),
                "0.0"
                if d.amount is None
                else f"{d.amount:.1f}"
                if d.amount == d.amount.to_integral()
                else str(d.amount),
                "0.0" if lost else {"won": "100.0", "lead": "10.0"}.get(d.stage, "50.0"),
                d.close.isoformat(),
                d.owner,
                "False" if lost else "True",
                d.lost_reason,
                iso(d.created.astimezone(dt.UTC), True),
                iso(closed_at(d).astimezone(dt.UTC), True) if d.stage in ("won", "lost") else "",
                "EUR",
                d.source,
                d.notes,
            ]
        )
    out.append(
        File(
            "odoo_crm_lead.csv",
            "odoo",
            "deals",
            "utf-8",
            ",",
            [
                "id",
                "name",
                "partner_id",
                "partner_id/id",
                "contact_name",
                "email_from",
                "stage_id",
                "expected_revenue",
                "probability",
                "date_deadline",
                "user_id",
                "active",
                "lost_reason_id",
                "create_date",
                "date_closed",
                "company_currency",
                "source_id",
                "description",
            ],
            rows,
            [],
            [],
            lineterminator="\n",
        )
    )
    # Relay --------------------------------------------------------------------------------
    open_deals = {
        c.index: sum(1 for d in deals if d.company == c.index and d.stage not in ("won", "lost"))
        for c in companies
    }
    out.append(
        File(
            "relay_companies.csv",
            "relay",
            "companies",
            "utf-8-sig",
            ",",
            ["id", "name", "domain", "industry", "owner", "open_deals", "created_at"],
            [
                [
                    str(200 + c.index),
                    c.name,
                    c.domain,
                    c.industry,
                    USERNAMES[c.owner],
                    str(open_deals[c.index]),
                    c.created.isoformat(),
                ]
                for c in companies
            ],
            [],
            [],
        )
    )
    out.append(
        File(
            "relay_contacts.csv",
            "relay",
            "contacts",
            "utf-8-sig",
            ",",
            [
                "id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "title",
                "company",
                "owner",
                "created_at",
            ],
            [
                [
                    str(500 + c.index),
                    c.first,
                    c.last,
                    c.email,
                    c.phone,
                    c.title,
                    companies[c.company].name if c.company is not None else "",
                    USERNAMES[c.owner],
                    c.created.isoformat(),
                ]
                for c in contacts
            ],
            [],
            [],
        )
    )
    rows = []
    for d in deals:
        contact = contacts[d.contact] if d.contact is not None else None
        probability = {
            "lead": 10,
            "qualified": 25,
            "proposal": 50,
            "negotiation": 75,
            "won": 100,
            "lost": 0,
        }[d.stage]
        amount = d.amount or Decimal("0.00")
        base = (amount * RELAY_RATES[d.currency]).quantize(Decimal("0.01"))
        closed = d.stage in ("won", "lost")
        # Relay holds qualification notes on every deal past lead (R4).
        notes = d.notes or ("" if d.stage == "lead" else "Budget and timing confirmed.")
        rows.append(
            [
                str(1000 + d.index),
                d.title,
                companies[d.company].name,
                f"{contact.first} {contact.last}" if contact else "",
                USERNAMES[d.owner],
                d.stage,
                f"{amount:.2f}",
                d.currency,
                f"{base:.2f}",
                str(probability),
                f"{base * probability / 100:.2f}",
                d.source,
                d.close.isoformat(),
                "" if closed else "Call to confirm scope",
                "" if closed else (d.created + dt.timedelta(days=14)).date().isoformat(),
                "" if closed else "10:00:00",
                notes,
                d.lost_reason,
                "They will look again next year." if d.stage == "lost" and d.index % 2 else "",
                closed_at(d).astimezone(dt.UTC).isoformat() if d.stage == "won" else "",
                closed_at(d).astimezone(dt.UTC).isoformat() if d.stage == "lost" else "",
                d.created.isoformat(),
                (d.created + dt.timedelta(days=3)).isoformat(),
            ]
        )
    out.append(
        File(
            "relay_deals.csv",
            "relay",
            "deals",
            "utf-8-sig",
            ",",
            list(RELAY_DEAL_COLUMNS),
            rows,
            [],
            [],
        )
    )
    return out


# Expected values -------------------------------------------------------------------------

SYSTEM_STAGES = {
    "hubspot_deals.csv": "Deal Stage",
    "pipedrive_deals.csv": "Deal - Stage",
    "pipedrive_deals_de.csv": "Deal - Phase",
    "salesforce_opportunities.csv": "Stage",
    "zoho_deals.csv": "Stage",
    "odoo_crm_lead.csv": "stage_id",
    "relay_deals.csv": "stage",
}
FORMATS = {
    # file: decimal separator of its amounts, order of its dates, zone of its naive times
    "hubspot_companies.csv": (None, "YMD"),
    "hubspot_contacts.csv": (None, "YMD"),
    "hubspot_deals.csv": (".", "YMD"),
    "pipedrive_organizations.csv": (None, "YMD"),
    "pipedrive_persons.csv": (None, "YMD"),
    "pipedrive_deals.csv": (".", "YMD"),
    "pipedrive_deals_de.csv": (",", "DMY"),
    "salesforce_accounts.csv": (None, "MDY"),
    "salesforce_contacts.csv": (None, "MDY"),
    "salesforce_opportunities.csv": (".", "MDY"),
    "zoho_accounts.csv": (None, "YMD"),
    "zoho_deals.csv": (".", "YMD"),
    "odoo_crm_lead.csv": (".", "YMD"),
    "relay_companies.csv": (None, "YMD"),
    "relay_contacts.csv": (None, "YMD"),
    "relay_deals.csv": (".", "YMD"),
}
# Per file: the columns whose mapping the import depends on.
IMPORTANT = {
    "hubspot_companies.csv": {
        "Record ID": "external_id",
        "Company name": "name",
        "Company Domain Name": "domain",
        "Industry": "industry",
        "Company owner": "owner",
        "Phone Number": "phone",
        "Create Date": "created_at",
        "City": None,
    },
    "hubspot_contacts.csv": {
        "Record ID": "external_id",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone Number": "phone",
        "Job Title": "title",
        "Associated Company IDs": "company_external_id",
        "Associated Company": "company",
        "Contact owner": "owner",
        "Create Date": "created_at",
        "Lifecycle Stage": None,
    },
    "hubspot_deals.csv": {
        "Record ID": "external_id",
        "Deal Name": "title",
        "Deal Stage": "stage",
        "Amount": "amount",
        "Currency": "currency",
        "Close Date": "expected_close_date",
        "Create Date": "created_at",
        "Deal owner": "owner",
        "Associated Company IDs": "company_external_id",
        "Associated Company": "company",
        "Associated Contact IDs": "contact_external_id",
        "Associated Contact": "contact",
        "Closed Lost Reason": "lost_reason",
        "Deal Description": "qualification_notes",
        "Pipeline": None,
    },
    "pipedrive_organizations.csv": {
        "Organization - ID": "external_id",
        "Organization - Name": "name",
        "Organization - Owner": "owner",
        "Organization - Organization created": "created_at",
        "Organization - Address": None,
    },
    "pipedrive_persons.csv": {
        "Person - ID": "external_id",
        "Person - Name": "full_name",
        "Person - First name": "first_name",
        "Person - Last name": "last_name",
        "Person - Organization": "company",
        "Organization - ID": "company_external_id",
        "Person - Email - Work": "email",
        "Person - Phone - Work": "phone",
        "Person - Owner": "owner",
        "Person - Person created": "created_at",
    },
    "pipedrive_deals.csv": {
        "Deal - ID": "external_id",
        "Deal - Title": "title",
        "Deal - Owner": "owner",
        "Deal - Value": "amount",
        "Deal - Currency": "currency",
        "Deal - Organization": "company",
        "Organization - ID": "company_external_id",
        "Deal - Contact person": "contact",
        "Person - ID": "contact_external_id",
        "Person - Email": "contact_email",
        "Deal - Stage": "stage",
        "Deal - Status": "status",
        "Deal - Expected close date": "expected_close_date",
        "Deal - Deal created": "created_at",
        "Deal - Won time": "won_at",
        "Deal - Lost time": "lost_at",
        "Deal - Lost reason": "lost_reason",
        "Deal - Pipeline": None,
    },
    "pipedrive_deals_de.csv": {
        "Deal - ID": "external_id",
        "Deal - Titel": "title",
        "Deal - Besitzer": "owner",
        "Deal - Wert": "amount",
        "Deal - Währung": "currency",
        "Deal - Organisation": "company",
        "Organisation - ID": "company_external_id",
        "Deal - Kontaktperson": "contact",
        "Person - ID": "contact_external_id",
        "Deal - Phase": "stage",
        "Deal - Status": "status",
        "Deal - Erwartetes Abschlussdatum": "expected_close_date",
        "Deal - Deal erstellt": "created_at",
        "Deal - Gewonnen am": "won_at",
        "Deal - Verloren am": "lost_at",
        "Deal - Grund für Verlust": "lost_reason",
    },
    "salesforce_accounts.csv": {
        "Account ID": "external_id",
        "Account Name": "name",
        "Website": "domain",
        "Industry": "industry",
        "Account Owner": "owner",
        "Phone": "phone",
        "Created Date": "created_at",
        "Type": None,
    },
    "salesforce_contacts.csv": {
        "Contact ID": "external_id",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone": "phone",
        "Title": "title",
        "Account Name": "company",
        "Account ID": "company_external_id",
        "Contact Owner": "owner",
        "Created Date": "created_at",
    },
    "salesforce_opportunities.csv": {
        "Opportunity ID": "external_id",
        "Opportunity Name": "title",
        "Account Name": "company",
        "Account ID": "company_external_id",
        "Stage": "stage",
        "Amount": "amount",
        "Amount Currency": "currency",
        "Close Date": "expected_close_date",
        "Created Date": "created_at",
        "Opportunity Owner": "owner",
        "Lead Source": "source",
        "Probability (%)": "probability",
        "Next Step": "next_action",
        "Type": None,
    },
    "zoho_accounts.csv": {
        "Record Id": "external_id",
        "Account Name": "name",
        "Website": "domain",
        "Industry": "industry",
        "Account Owner": "owner",
        "Phone": "phone",
        "Created Time": "created_at",
        "Account Owner.id": None,
    },
    "zoho_deals.csv": {
        "Record Id": "external_id",
        "Deal Name": "title",
        "Account Name": "company",
        "Account Name.id": "company_external_id",
        "Contact Name": "contact",
        "Contact Name.id": "contact_external_id",
        "Stage": "stage",
        "Amount": "amount",
        "Currency": "currency",
        "Closing Date": "expected_close_date",
        "Deal Owner": "owner",
        "Lead Source": "source",
        "Created Time": "created_at",
        "Reason For Loss__s": "lost_reason",
        "Description": "qualification_notes",
        "Deal Owner.id": None,
    },
    "odoo_crm_lead.csv": {
        "id": "external_id",
        "name": "title",
        "partner_id": "company",
        "partner_id/id": "company_external_id",
        "contact_name": "contact",
        "email_from": "contact_email",
        "stage_id": "stage",
        "expected_revenue": "amount",
        "probability": "probability",
        "date_deadline": "expected_close_date",
        "user_id": "owner",
        "active": "status",
        "lost_reason_id": "lost_reason",
        "create_date": "created_at",
        "date_closed": "closed_at",
        "company_currency": "currency",
        "source_id": "source",
        "description": "qualification_notes",
    },
    "relay_companies.csv": {
        "id": "external_id",
        "name": "name",
        "domain": "domain",
        "industry": "industry",
        "owner": "owner",
        "open_deals": None,
        "created_at": "created_at",
    },
    "relay_contacts.csv": {
        "id": "external_id",
        "first_name": "first_name",
        "last_name": "last_name",
        "email": "email",
        "phone": "phone",
        "title": "title",
        "company": "company",
        "owner": "owner",
        "created_at": "created_at",
    },
    "relay_deals.csv": {
        "id": "external_id",
        "title": "title",
        "company": "company",
        "contact": "contact",
        "owner": "owner",
        "stage": "stage",
        "amount": "amount",
        "probability": "probability",
        "source": "source",
        "expected_close_date": "expected_close_date",
        "next_action": "next_action",
        "next_action_due_date": "next_action_due",
        "created_at": "created_at",
        "currency": "currency",
        "qualification_notes": "qualification_notes",
        "lost_reason": "lost_reason",
        "lost_note": "lost_note",
        "won_at": "won_at",
        "lost_at": "lost_at",
        "amount_base": None,
        "weighted_amount": None,
        "next_action_due_time": None,
        "updated_at": None,
    },
}
DATE_FIELDS = {"expected_close_date", "next_action_due"}
MOMENT_FIELDS = {"created_at", "won_at", "lost_at", "closed_at"}


def expected_values(
    file: File,
    lines: dict[int, int],
    deals: list[Deal],
    companies: list[Company],
    contacts: list[Contact],
) -> list[dict[str, object]]:
    """A few exact parsed values per file, from the data the file was rendered from."""
    mapping = IMPORTANT[file.name]
    column_of = {field: column for column, field in mapping.items() if field}
    values: list[dict[str, object]] = []

    def add(index: int, field: str, value: object, **extra: object) -> None:
        column = column_of[field]
        raw = file.rows[index][file.header.index(column)]
        values.append(
            {
                "line": lines[index],
                "column": column,
                "field": field,
                "raw": raw,
                "value": value,
                **extra,
            }
        )

    if file.kind == "deals":
        for row in [0, 1, 2, 7]:
            deal = deals[row]
            currency = None
            if file.system == "salesforce":
                currency = deal.currency if deal.currency != "EUR" else "USD"
            elif file.name == "pipedrive_deals_de.csv":
                currency = None
            amount = (
                deal.amount
                if not (file.system == "relay" and deal.amount is None)
                else Decimal("0.00")
            )
            if file.system == "odoo" and deal.amount is None:
                amount = Decimal("0.0")
            if deal.amount is None:
                currency = None
            extra = {"currency": currency} if file.system == "salesforce" else {}
            if amount is not None and file.system == "odoo" and amount == amount.to_integral():
                amount = amount.quantize(Decimal("0.0"))
            add(row, "amount", amount, **extra)
            stage = deal.stage
            if file.system == "pipedrive" and stage in ("won", "lost"):
                stage = "negotiation"  # closed by status, at its last open stage
            if file.system == "odoo" and stage == "lost":
                stage = "qualified"  # lost by active=False, at its stage
            if file.system == "odoo" and stage == "negotiation":
                stage = "proposal"  # Odoo's default pipeline has no negotiation stage
            add(row, "stage", stage)
            if "status" in column_of:
                status = deal.stage if deal.stage in ("won", "lost") else "open"
                if file.system == "odoo":  # active: only a lost lead is archived
                    status = "lost" if deal.stage == "lost" else "open"
                add(row, "status", status)
            add(row, "expected_close_date", deal.close)
            if file.system in ("hubspot", "zoho", "pipedrive", "relay", "odoo"):
                created = deal.created.replace(second=0)
                add(row, "created_at", created)
        if file.system == "hubspot":
            add(3, "company_external_id", [hubspot_id(18000000000, 0), hubspot_id(18000000000, 30)])
    elif file.kind == "companies":
        add(2, "name", companies[2].name)
        add(3, "name", companies[3].name)
        add(30, "name", companies[30].name)
        if "created_at" in column_of:
            created = companies[1].created
            value: object = created.replace(second=0)
            if file.system == "salesforce":  # a date: its midnight
                value = dt.datetime.combine(created.date(), dt.time(), tzinfo=ZONE)
            add(1, "created_at", value)
    else:
        add(1, "email", contacts[1].email)
        add(33, "email", contacts[3].email)
        if file.system == "hubspot":
            add(4, "company_external_id", [hubspot_id(18000000000, 4), hubspot_id(18000000000, 30)])
        if "created_at" in column_of:
            created = contacts[2].created
            if file.system == "salesforce":
                created = dt.datetime.combine(created.date(), dt.time(), tzinfo=ZONE)
            add(2, "created_at", created.replace(second=0))
    return values


def main() -> None:
    companies, contacts, deals = build()
    expected: dict[str, dict[str, object]] = {}
    for file in files(companies, contacts, deals):
        lines = file.write()
        decimal, order = FORMATS[file.name]
        expected[file.name] = {
            "system": file.system,
            "kind": file.kind,
            "encoding": file.encoding,
            "delimiter": file.delimiter,
            "header_line": len(file.preamble) + 1,
            "footer_rows": len(file.footer),
            "rows": len(file.rows),
            "decimal": decimal,
            "date_order": order,
            "zone": "UTC" if file.system == "odoo" else ZONE.key,  # Odoo writes UTC
            "mapping": IMPORTANT[file.name],
            "values": expected_values(file, lines, deals, companies, contacts),
        }
    text = pprint.pformat(expected, width=100, sort_dicts=False)
    (HERE / "expected.py").write_text(
        '"""What each file of this folder holds, written by make_files.py: its layout, its\n'
        "vendor and kind, its row count, the mapping of its important columns, and exact\n"
        "values as the parsers of imports.values read them (``value``; naive times are in\n"
        f'ZONE; ``currency`` is what parse_money reads beside the amount)."""\n\n'
        "import datetime\nimport zoneinfo\nfrom decimal import Decimal\n\n"
        f'ZONE = zoneinfo.ZoneInfo("{ZONE.key}")\n\nFILES = {text}\n'
    )


if __name__ == "__main__":
    main()
