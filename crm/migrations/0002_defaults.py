from django.db import migrations

SOURCES = ["Website", "Referral", "Event", "Outbound", "Partner", "Existing customer"]
LOST_REASONS = ["Price", "Timing", "Chose a competitor", "No budget", "No decision", "Not a fit"]
STAGES = [("lead", 10, 14), ("qualified", 25, 21), ("proposal", 50, 21), ("negotiation", 75, 30)]


def seed_defaults(apps, schema_editor):
    LeadSource = apps.get_model("crm", "LeadSource")
    LostReason = apps.get_model("crm", "LostReason")
    StageSetting = apps.get_model("crm", "StageSetting")
    for name in SOURCES:
        LeadSource.objects.get_or_create(name=name)
    for name in LOST_REASONS:
        LostReason.objects.get_or_create(name=name)
    for stage, probability, stale in STAGES:
        StageSetting.objects.get_or_create(
            stage=stage, defaults={"probability": probability, "stale_after_days": stale}
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]

    operations = [migrations.RunPython(seed_defaults, migrations.RunPython.noop)]
