from django.db import migrations, models

# crm_deal.search_text holds what the deal list's `?q=` looks in: the title, the company's
# name and the contact's full name, one per line (a search term is one line, so it cannot
# match across two of them). Database triggers keep it on every write, whatever makes it
# (services, admin, imports, bulk loads, cascades): a deal's own row is recomputed when its
# title, company or contact changes, and a company's or contact's rename recomputes its deals.
# One trigram index then answers `search_text icontains` where a union of three lookups
# joined thousands of rows.

POSTGRESQL = """
CREATE OR REPLACE FUNCTION crm_deal_search_text(title text, company bigint, contact bigint)
RETURNS text AS $$
    SELECT concat_ws(E'\\n', title,
        (SELECT name FROM crm_company WHERE id = company),
        (SELECT concat_ws(' ', first_name, last_name) FROM crm_contact WHERE id = contact));
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION crm_deal_search() RETURNS trigger AS $$
BEGIN
    NEW.search_text := crm_deal_search_text(NEW.title, NEW.company_id, NEW.contact_id);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION crm_deal_search_of_company() RETURNS trigger AS $$
BEGIN
    UPDATE crm_deal SET search_text = '' WHERE company_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION crm_deal_search_of_contact() RETURNS trigger AS $$
BEGIN
    UPDATE crm_deal SET search_text = '' WHERE contact_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- (the deals' own trigger fills in the text those two updates clear)
CREATE TRIGGER crm_deal_search
    BEFORE INSERT OR UPDATE OF title, company_id, contact_id, search_text
    ON crm_deal FOR EACH ROW EXECUTE FUNCTION crm_deal_search();
CREATE TRIGGER crm_deal_search_of_company
    AFTER UPDATE OF name ON crm_company FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION crm_deal_search_of_company();
CREATE TRIGGER crm_deal_search_of_contact
    AFTER UPDATE OF first_name, last_name ON crm_contact FOR EACH ROW
    WHEN ((OLD.first_name, OLD.last_name) IS DISTINCT FROM (NEW.first_name, NEW.last_name))
    EXECUTE FUNCTION crm_deal_search_of_contact();

UPDATE crm_deal SET search_text = '';
CREATE INDEX crm_deal_search_upper_trgm ON crm_deal USING gin (UPPER(search_text) gin_trgm_ops);
"""

POSTGRESQL_DROP = """
DROP INDEX IF EXISTS crm_deal_search_upper_trgm;
DROP TRIGGER IF EXISTS crm_deal_search ON crm_deal;
DROP TRIGGER IF EXISTS crm_deal_search_of_company ON crm_company;
DROP TRIGGER IF EXISTS crm_deal_search_of_contact ON crm_contact;
DROP FUNCTION IF EXISTS crm_deal_search();
DROP FUNCTION IF EXISTS crm_deal_search_of_company();
DROP FUNCTION IF EXISTS crm_deal_search_of_contact();
DROP FUNCTION IF EXISTS crm_deal_search_text(text, bigint, bigint);
"""


# On SQLite (the no-configuration default) crm.triggers installs its own after every
# migrate: SQLite rebuilds a table to alter it, which drops the table's triggers.
def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)


class Migration(migrations.Migration):
    dependencies = [("crm", "0009_activity_author_order")]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="search_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.RunPython(create, drop),
    ]
