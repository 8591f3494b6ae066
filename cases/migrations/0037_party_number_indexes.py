"""The blind indexes' own indexes, built after 0033 has filled the columns (faster than
keeping them up to date row by row). Partial: a party without a number is not indexed."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0036_party_numbers_encrypted_data")]

    operations = [
        migrations.AddIndex(
            model_name="party",
            index=models.Index(
                condition=models.Q(("id_number_index", ""), _negated=True),
                fields=["id_number_index"],
                name="party_id_number_index",
            ),
        ),
        migrations.AddIndex(
            model_name="party",
            index=models.Index(
                condition=models.Q(("mobile_index", ""), _negated=True),
                fields=["mobile_index"],
                name="party_mobile_index",
            ),
        ),
    ]
