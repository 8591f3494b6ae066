"""On PostgreSQL, the log of looks at a 重点人员 flag's reason (cases.WatchedPersonAccess)
is append-only like the other audit tables: 0001's row trigger refuses UPDATE and DELETE,
0002's statement trigger TRUNCATE outside a maintenance session. The functions are theirs."""

from django.db import migrations

TABLE = "cases_watchedpersonaccess"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();"
    )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE};")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_refuse_truncate"),
        ("cases", "0039_watched_persons"),
    ]

    operations = [migrations.RunPython(install, remove)]
