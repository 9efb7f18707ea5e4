from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Trigram similarity for search on PostgreSQL (a no-op on SQLite)."""

    dependencies = [("crm", "0002_defaults")]

    operations = [TrigramExtension()]
