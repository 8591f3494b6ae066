"""Trigram indexes so a ledger search (LIKE '%text%') uses an index on PostgreSQL.

They are created here rather than in the models' Meta because SQLite, the laptop
default, has no trigram indexes; on SQLite the migration does nothing.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS case_search_text_trgm ON cases_case USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS party_name_trgm ON cases_party USING gin (name gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS case_search_text_trgm",
    "DROP INDEX IF EXISTS party_name_trgm",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_default_lookups")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
