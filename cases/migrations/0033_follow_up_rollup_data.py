"""Rebuild the rollups for the data that exist: the follow-up visits' rollup is new and
the cases' rollup gains the pending cases' time limits (the overdue figures).

As 0031, it calls the rebuild itself (``cases.rollup.rollup_rebuild``) rather than a
frozen copy. A database with no cases has nothing to build (a new install, the tests).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    from cases.rollup import rollup_rebuild

    rollup_rebuild()


class Migration(migrations.Migration):
    dependencies = [("cases", "0032_follow_up_rollup")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
