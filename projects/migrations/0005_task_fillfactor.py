"""Leave room in the task table's pages (PostgreSQL ``fillfactor`` 70) so that a reschedule
that rewrites only a task's float or critical flag (no indexed column) is a HOT update: no
new index entries, about a third of the time for the thousands of rows one edit in a big
project rewrites. Pages are filled that way from now on; ``VACUUM FULL projects_task``
repacks an existing table. Nothing to do on SQLite."""

from django.db import migrations


def _set(fillfactor: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(apps.get_model("projects", "Task")._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} {fillfactor}")

    return run


class Migration(migrations.Migration):
    dependencies = [("projects", "0004_repair_out_of_window_dates")]

    operations = [
        migrations.RunPython(_set("SET (fillfactor = 70)"), _set("RESET (fillfactor)")),
    ]
