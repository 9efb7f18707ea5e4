"""The deals' search text on SQLite, the no-configuration default.

PostgreSQL keeps ``crm_deal.search_text`` with the triggers of crm migration 0010. SQLite
rebuilds a table to alter it, dropping the table's triggers, so these are installed after
every ``migrate`` instead (and the text filled in when they were missing). SQLite has no
BEFORE trigger that can change the row: these update it after the write, and with recursive
triggers off (SQLite's default) the update stops there.
"""

from typing import Any

from django.db import connections

TRIGGERS = (
    "crm_deal_search_insert",
    "crm_deal_search_update",
    "crm_deal_search_of_company",
    "crm_deal_search_of_contact",
)

TEXT = """
    {deal}.title || char(10)
    || COALESCE((SELECT name FROM crm_company WHERE id = {deal}.company_id), '') || char(10)
    || COALESCE((SELECT first_name || ' ' || last_name FROM crm_contact
                 WHERE id = {deal}.contact_id), '')
"""

CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS crm_deal_search_insert AFTER INSERT ON crm_deal BEGIN
        UPDATE crm_deal SET search_text = {TEXT.format(deal="NEW")} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS crm_deal_search_update
        AFTER UPDATE OF title, company_id, contact_id, search_text ON crm_deal BEGIN
        UPDATE crm_deal SET search_text = {TEXT.format(deal="NEW")} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS crm_deal_search_of_company
        AFTER UPDATE OF name ON crm_company BEGIN
        UPDATE crm_deal SET search_text = {TEXT.format(deal="crm_deal")}
        WHERE company_id = NEW.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS crm_deal_search_of_contact
        AFTER UPDATE OF first_name, last_name ON crm_contact BEGIN
        UPDATE crm_deal SET search_text = {TEXT.format(deal="crm_deal")}
        WHERE contact_id = NEW.id;
    END""",
]


def install_sqlite_triggers(using: str = "default", **kwargs: Any) -> None:
    """A ``post_migrate`` receiver: the search-text triggers on a SQLite database."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if "crm_deal" not in connection.introspection.table_names(cursor):
            return
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s, %s, %s)",
            TRIGGERS,
        )
        if len(cursor.fetchall()) == len(TRIGGERS):
            return
        for statement in CREATE:
            cursor.execute(statement)
        cursor.execute(f"UPDATE crm_deal SET search_text = {TEXT.format(deal='crm_deal')}")
