"""A bigram index for two-character searches on PostgreSQL.

Chinese names and words are often two characters (刘涛, 漏水). A trigram index cannot
answer those (no whole trigram in the pattern), so such a search read the whole case
table. ``fq_bigrams`` lists a text's distinct two-character pieces; with a GIN index on
``fq_bigrams(search_text)`` the ledger narrows a two-character search to the rows that
contain both characters side by side, then checks them with LIKE. SQLite does nothing.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION fq_bigrams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
        SELECT coalesce(array_agg(DISTINCT substr(value, i, 2)), '{}')
        FROM generate_series(1, char_length(value) - 1) AS i
    $$
    """,
    "CREATE INDEX IF NOT EXISTS case_search_text_bigrams ON cases_case USING gin (fq_bigrams(search_text))",
]
BACKWARD = [
    "DROP INDEX IF EXISTS case_search_text_bigrams",
    "DROP FUNCTION IF EXISTS fq_bigrams(text)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_live_case_indexes")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
