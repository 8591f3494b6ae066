"""Party ID numbers and mobiles encrypted at rest (issue 14): the columns become text
(a token is longer than the number) and each gets a blind index column beside it.
0033 encrypts the rows that exist, 0034 indexes the blind index once it is filled."""

import common.encrypted_fields
import common.validators
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0034_list_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="party",
            name="id_number_index",
            field=common.encrypted_fields.BlindIndexField(kind="id_number", source="id_number"),
        ),
        migrations.AddField(
            model_name="party",
            name="mobile_index",
            field=common.encrypted_fields.BlindIndexField(kind="mobile", source="mobile"),
        ),
        migrations.AlterField(
            model_name="party",
            name="id_number",
            field=common.encrypted_fields.EncryptedTextField(
                blank=True,
                kind="id_number",
                validators=[common.validators.validate_id_number],
                verbose_name="身份证号码",
            ),
        ),
        migrations.AlterField(
            model_name="party",
            name="mobile",
            field=common.encrypted_fields.EncryptedTextField(
                blank=True,
                kind="mobile",
                validators=[common.validators.validate_mobile],
                verbose_name="手机号码",
            ),
        ),
    ]
