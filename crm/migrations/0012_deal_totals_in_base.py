"""The running deal totals (0008) in the installation currency: they sum each deal's
``amount_base`` (its amount at its exchange rate) instead of its amount, and follow changes
of it; weighted totals are the base amount times the probability. The table is recomputed.
"""

from django.db import migrations

# As 0008's function and trigger, with amount_base for amount.
TOTALS = """
CREATE OR REPLACE FUNCTION crm_deal_totals() RETURNS trigger AS $$
DECLARE
    old_month bigint;
    new_month bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_month := crm_deal_close_key(OLD.expected_close_date);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_month := crm_deal_close_key(NEW.expected_close_date);
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM crm_deal_totals_add(NEW.stage, NEW.owner_id, COALESCE(NEW.source_id, 0),
            new_month, 1, NEW.{amount}, NEW.{amount} * NEW.probability / 100);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM crm_deal_totals_add(OLD.stage, OLD.owner_id, COALESCE(OLD.source_id, 0),
            old_month, -1, -OLD.{amount}, -(OLD.{amount} * OLD.probability / 100));
    ELSIF (OLD.stage, OLD.owner_id, COALESCE(OLD.source_id, 0), old_month)
            = (NEW.stage, NEW.owner_id, COALESCE(NEW.source_id, 0), new_month)
            THEN
        IF OLD.{amount} <> NEW.{amount} OR OLD.probability <> NEW.probability THEN
            PERFORM crm_deal_totals_add(NEW.stage, NEW.owner_id, COALESCE(NEW.source_id, 0),
                new_month, 0, NEW.{amount} - OLD.{amount},
                NEW.{amount} * NEW.probability / 100 - OLD.{amount} * OLD.probability / 100);
        END IF;
    ELSIF (OLD.stage, OLD.owner_id, COALESCE(OLD.source_id, 0), old_month)
            < (NEW.stage, NEW.owner_id, COALESCE(NEW.source_id, 0), new_month) THEN
        PERFORM crm_deal_totals_add(OLD.stage, OLD.owner_id, COALESCE(OLD.source_id, 0),
            old_month, -1, -OLD.{amount}, -(OLD.{amount} * OLD.probability / 100));
        PERFORM crm_deal_totals_add(NEW.stage, NEW.owner_id, COALESCE(NEW.source_id, 0),
            new_month, 1, NEW.{amount}, NEW.{amount} * NEW.probability / 100);
    ELSE
        PERFORM crm_deal_totals_add(NEW.stage, NEW.owner_id, COALESCE(NEW.source_id, 0),
            new_month, 1, NEW.{amount}, NEW.{amount} * NEW.probability / 100);
        PERFORM crm_deal_totals_add(OLD.stage, OLD.owner_id, COALESCE(OLD.source_id, 0),
            old_month, -1, -OLD.{amount}, -(OLD.{amount} * OLD.probability / 100));
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS crm_deal_totals ON crm_deal;
CREATE TRIGGER crm_deal_totals
    AFTER INSERT OR DELETE
        OR UPDATE OF stage, owner_id, source_id, {amount}, probability, expected_close_date
    ON crm_deal FOR EACH ROW EXECUTE FUNCTION crm_deal_totals();

DELETE FROM crm_dealtotal;
INSERT INTO crm_dealtotal (stage, owner_id, source_key, close_key, count, amount, weighted)
SELECT stage, owner_id, COALESCE(source_id, 0), crm_deal_close_key(expected_close_date),
       COUNT(*), SUM({amount}), SUM({amount} * probability / 100)
FROM crm_deal GROUP BY 1, 2, 3, 4;
"""


def in_base(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TOTALS.replace("{amount}", "amount_base"))


def in_amount(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TOTALS.replace("{amount}", "amount"))


class Migration(migrations.Migration):
    dependencies = [("crm", "0011_money")]

    operations = [migrations.RunPython(in_base, in_amount)]
