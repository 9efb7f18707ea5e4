"""Repair rows saved before the input policy: dates outside 1900-2999 onto the window's edge."""

from django.db import migrations

from inputs.dates import clamp_stored


def repair(apps, schema_editor):
    clamp_stored(
        apps.get_model("crm", "Deal"),
        ["expected_close_date", "next_action_due_date"],
        ["next_action_due_at"],
    )
    clamp_stored(apps.get_model("crm", "Activity"), [], ["occurred_at"])


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_input_policy")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
