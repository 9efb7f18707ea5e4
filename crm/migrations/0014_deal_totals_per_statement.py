"""The deal totals (0008, 0012) follow inserted deals once per statement instead of once per
row: a bulk insert (an import's batch) adds each key's count and sums in one upsert, the
keys in order, as the row trigger does. Updates and deletes keep the row trigger."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION crm_deal_totals_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO crm_dealtotal (stage, owner_id, source_key, close_key, count, amount, weighted)
    SELECT stage, owner_id, COALESCE(source_id, 0), crm_deal_close_key(expected_close_date),
           COUNT(*), SUM(amount_base), SUM(amount_base * probability / 100)
    FROM crm_deal_inserted GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (stage, owner_id, source_key, close_key) DO UPDATE SET
        count = crm_dealtotal.count + EXCLUDED.count,
        amount = crm_dealtotal.amount + EXCLUDED.amount,
        weighted = crm_dealtotal.weighted + EXCLUDED.weighted;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS crm_deal_totals ON crm_deal;
CREATE TRIGGER crm_deal_totals
    AFTER DELETE
        OR UPDATE OF stage, owner_id, source_id, amount_base, probability, expected_close_date
    ON crm_deal FOR EACH ROW EXECUTE FUNCTION crm_deal_totals();
CREATE TRIGGER crm_deal_totals_inserted
    AFTER INSERT ON crm_deal REFERENCING NEW TABLE AS crm_deal_inserted
    FOR EACH STATEMENT EXECUTE FUNCTION crm_deal_totals_inserted();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS crm_deal_totals_inserted ON crm_deal;
DROP FUNCTION IF EXISTS crm_deal_totals_inserted();
DROP TRIGGER IF EXISTS crm_deal_totals ON crm_deal;
CREATE TRIGGER crm_deal_totals
    AFTER INSERT OR DELETE
        OR UPDATE OF stage, owner_id, source_id, amount_base, probability, expected_close_date
    ON crm_deal FOR EACH ROW EXECUTE FUNCTION crm_deal_totals();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("crm", "0013_created_at_default")]

    operations = [migrations.RunPython(forward, backward)]
