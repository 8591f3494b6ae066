"""On PostgreSQL, the audit tables refuse TRUNCATE too.

0001's row triggers do not fire on TRUNCATE, which empties a table in one statement (an
outside test did: 3,548 entries gone). A statement-level trigger refuses it unless the
session declares itself a maintenance session (``SET fengqiao.audit_maintenance = 'on'``):
the test runner's sessions do (config/settings/test.py), since Django empties the tables
between transactional tests that way; the portal's never do. A DBA archiving old entries
sets it in their own session, as the table owner, and records the operation.
"""

from django.db import migrations

APPEND_ONLY_TABLES = ["auditlog_logentry", "cases_personaldataaccess"]

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('fengqiao.audit_maintenance', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit records are append-only: TRUNCATE on % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def install(apps, schema_editor):
    if not _postgresql(schema_editor):
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();"
        )


def remove(apps, schema_editor):
    if not _postgresql(schema_editor):
        return
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_truncate();")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_append_only_audit_tables")]

    operations = [migrations.RunPython(install, remove)]
