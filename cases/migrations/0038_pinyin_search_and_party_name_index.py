"""Pinyin in the search text, and an index on party names.

Every case's ``search_text`` is rewritten with its parties' pinyin and initials
(``cases.search.case_search_text``, the services' own code), in batches of 2,000 cases by
id, each committed on its own (the migration is not atomic): a migration stopped halfway
starts again from the first case, which is only wasted work, never wrong. The same code
is the command ``refresh_search_text`` (resumable with ``--after ID``), e.g. after the
surname readings change.

Cost: one pass reading every case with its party names and writing every case row once.
pypinyin converts about 6,000 distinct names/s on the shared 2-core test host, and
names repeat (each distinct name is converted once, ``name_pinyin`` is cached), so at 1M
cases (2M parties) the Python side is a minute or two; PostgreSQL writes a new version of every
case row and updates its trigram and bigram GIN entries, which on the 1M-case benchmark
database should be in the order of 5-10 minutes on a busy host (by comparison, 0036
rewrote 2M party rows in about 5 minutes). Plan it in a maintenance window; the portal
works meanwhile, only pinyin does not yet find cases not yet rewritten. Backwards it
does nothing: the extra words are harmless.

The name index lets ``cases.people`` find a person without numbers by name in a village.
"""

import sys
import time

from django.db import migrations, models

from cases.search import refresh_search_texts

BATCH = 2000


def refresh(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Party = apps.get_model("cases", "Party")
    started, done = time.monotonic(), 0
    for batches, (_last, count) in enumerate(
        refresh_search_texts(
            Case, Party, using=schema_editor.connection.alias, batch_size=BATCH
        ),
        start=1,
    ):
        done += count
        if batches % 50 == 0:
            rate = done / max(time.monotonic() - started, 1e-9)
            sys.stdout.write(f"\n    cases: {done:,} ({rate:,.0f}/s)")
            sys.stdout.flush()


class Migration(migrations.Migration):
    atomic = False
    dependencies = [
        ("cases", "0037_party_number_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="party",
            index=models.Index(fields=["name"], name="party_name_idx"),
        ),
        migrations.RunPython(refresh, migrations.RunPython.noop, elidable=False),
    ]
