"""Repair rows saved before the input policy: dates outside 1900-2999 onto the window's edge."""

from django.db import migrations

from inputs.dates import clamp_stored


def repair(apps, schema_editor):
    clamp_stored(apps.get_model("handoff", "Handoff"), ["promised_date", "kickoff_date"], [])


class Migration(migrations.Migration):
    dependencies = [("handoff", "0002_input_policy")]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
