"""Encrypt the ID numbers and mobiles already stored, in batches of 2,000 parties each
committed on its own (the migration is not atomic), so a migration stopped halfway goes on
where it stopped when run again, and the table is never locked for long. It is the
rotation's own code (``common.encrypted_fields.reencrypt``, the command
``rotate_personal_data_key``): a value in clear is simply one not yet on the current key.

Run time: see README "Personal data at rest" (measured at 1M parties). A new install or the
test database has nothing to do.
"""

import sys
import time

from django.db import migrations

from common.encrypted_fields import reencrypt

BATCH = 2000


def _reporter():
    started = time.monotonic()
    seen = {"batches": 0}

    def report(done, total, last):
        seen["batches"] += 1
        if seen["batches"] % 50 == 0 or done == total:
            rate = done / max(time.monotonic() - started, 1e-9)
            sys.stdout.write(f"\n    parties: {done:,} / {total:,} ({rate:,.0f}/s)")
            sys.stdout.flush()

    return report


def encrypt(apps, schema_editor):
    Party = apps.get_model("cases", "Party")
    reencrypt(Party, using=schema_editor.connection.alias, batch_size=BATCH, progress=_reporter())


def decrypt(apps, schema_editor):
    Party = apps.get_model("cases", "Party")
    reencrypt(
        Party,
        using=schema_editor.connection.alias,
        batch_size=BATCH,
        to_clear=True,
        progress=_reporter(),
    )


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("cases", "0035_party_numbers_encrypted")]

    operations = [migrations.RunPython(encrypt, decrypt, elidable=False)]
