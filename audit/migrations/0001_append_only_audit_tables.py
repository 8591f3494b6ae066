"""On PostgreSQL, the audit tables refuse UPDATE and DELETE for everyone who connects as
the application (level-2 protection: an audit trail users cannot alter), and the log's
area path is indexed for the scoping.

Row triggers do not fire on TRUNCATE, so the test runner can still empty the tables; a
DBA who must archive entries past the legal period disables the trigger as the table
owner, moves the rows, and enables it again (README, "Audit").
"""

from django.db import migrations

APPEND_ONLY_TABLES = ["auditlog_logentry", "cases_personaldataaccess"]
AREA_PATH_INDEX = "auditlog_logentry_area_path_idx"

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def install_append_only_and_index(apps, schema_editor):
    if not _postgresql(schema_editor):
        return
    # No parameters: the % in RAISE are plpgsql's, not placeholders.
    schema_editor.execute(CREATE_FUNCTION, params=None)
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
        )
    # Entries are scoped by a prefix match on the area path each one stored (the same
    # LIKE 'prefix%' as the areas themselves); this index serves it.
    schema_editor.execute(
        f"CREATE INDEX {AREA_PATH_INDEX} ON auditlog_logentry "
        "(((additional_data ->> 'area_path')::text) text_pattern_ops);",
        params=None,
    )


def remove_append_only_and_index(apps, schema_editor):
    if not _postgresql(schema_editor):
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {AREA_PATH_INDEX};")
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(install_append_only_and_index, remove_append_only_and_index)]
