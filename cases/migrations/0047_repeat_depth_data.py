"""Fill the repeat depths, the parties' keys and the repeat disputes' rollup rows for the
cases that exist, so the repeat rate reads right from the first request after the deploy.

As 0031 did for the rollup, it calls the rebuild itself (``cases.rollup.rollup_rebuild``,
the ``rebuild_case_rollup`` command), whose rules are the ones the services keep it by. A
database with no cases has nothing to build (a new install, the tests).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    from cases.rollup import rollup_rebuild

    rollup_rebuild()


class Migration(migrations.Migration):
    dependencies = [("cases", "0046_repeat_depth")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
