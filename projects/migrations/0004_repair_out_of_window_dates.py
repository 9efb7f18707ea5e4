"""Repair rows saved before the input policy: dates outside 1900-2999 onto the window's edge."""

from django.db import migrations

from inputs.dates import clamp_stored


def repair(apps, schema_editor):
    clamp_stored(
        apps.get_model("projects", "Project"),
        ["start_date", "promised_date", "planned_finish", "baseline_finish"],
        [],
    )
    clamp_stored(
        apps.get_model("projects", "Task"),
        [
            "start_no_earlier_than",
            "planned_start",
            "planned_finish",
            "baseline_start",
            "baseline_finish",
        ],
        [],
    )
    clamp_stored(apps.get_model("projects", "Milestone"), ["due_date", "baseline_date"], [])
    clamp_stored(apps.get_model("projects", "Holiday"), ["date"], [])


class Migration(migrations.Migration):
    dependencies = [("projects", "0003_input_policy")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
