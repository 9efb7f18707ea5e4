"""Money in its currency: each deal's currency, the rate it was converted at and its amount in
the installation currency; the admin-kept exchange rates.

Every existing deal was entered in the installation currency: it gets that currency, rate 1
and its amount as its base amount. The deal list's amount sort follows the base amount (one
currency), so its index moves there.
"""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models
from django.db.models import F

import crm.models
import inputs.fields


def base_amounts(apps, schema_editor):
    # The running totals' trigger (0008) does not watch amount_base: no totals change here;
    # 0012 makes them sum it.
    Deal = apps.get_model("crm", "Deal")
    Deal.objects.using(schema_editor.connection.alias).update(
        amount_base=F("amount"), exchange_rate=Decimal(1)
    )


class Migration(migrations.Migration):
    dependencies = [("crm", "0010_deal_search_text")]

    operations = [
        migrations.CreateModel(
            name="ExchangeRate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "currency",
                    models.CharField(help_text="ISO 4217 code, e.g. CHF.", max_length=3),
                ),
                (
                    "rate",
                    models.DecimalField(
                        decimal_places=8,
                        help_text="How many units of the installation currency one unit of "
                        "this currency is worth.",
                        max_digits=18,
                        validators=[
                            django.core.validators.MinValueValidator(Decimal("1E-8")),
                            django.core.validators.MaxValueValidator(Decimal("1000000")),
                        ],
                    ),
                ),
                (
                    "valid_from",
                    inputs.fields.DateField(help_text="The first day this rate applies."),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["currency", "-valid_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("currency", "valid_from"),
                        name="crm_exchangerate_currency_day",
                        violation_error_message="This currency already has a rate from that day.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("rate__gt", 0), ("rate__lte", Decimal("1000000"))),
                        name="crm_exchangerate_rate_range",
                        violation_error_message="A rate is more than 0 and at most 1,000,000.",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="deal",
            name="currency",
            field=models.CharField(
                default=crm.models.installation_currency,
                help_text="ISO 4217 code, e.g. EUR.",
                max_length=3,
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="exchange_rate",
            field=models.DecimalField(
                decimal_places=8, default=Decimal("1"), editable=False, max_digits=18
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="amount_base",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                editable=False,
                max_digits=20,
                verbose_name="amount in the installation currency",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="amount",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0.00"),
                help_text="In the deal's currency.",
                max_digits=14,
                validators=[django.core.validators.MinValueValidator(Decimal("0.00"))],
            ),
        ),
        migrations.RemoveIndex(model_name="deal", name="crm_deal_amount"),
        migrations.RunPython(base_amounts, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(fields=["amount_base", "id"], name="crm_deal_amount_base"),
        ),
        migrations.AlterField(
            model_name="dealtotal",
            name="amount",
            field=models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=30),
        ),
        migrations.AlterField(
            model_name="dealtotal",
            name="weighted",
            field=models.DecimalField(decimal_places=4, default=Decimal("0"), max_digits=34),
        ),
    ]
