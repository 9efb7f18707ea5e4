from django.db import migrations

# Trigram GIN indexes for search (PostgreSQL only): the raw column serves the fuzzy `%`
# match, UPPER(column) serves Django's case-insensitive `icontains`.
INDEXES = [
    ("crm_company", "name", True),
    ("crm_company", "domain", False),
    ("crm_contact", "first_name", True),
    ("crm_contact", "last_name", True),
    ("crm_contact", "email", False),
    ("crm_deal", "title", True),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, fuzzy in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_{column}_upper_trgm "
            f"ON {table} USING gin (UPPER({column}) gin_trgm_ops)"
        )
        if fuzzy:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_{column}_trgm "
                f"ON {table} USING gin ({column} gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_upper_trgm")
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_trigram")]

    operations = [migrations.RunPython(create, drop)]
