"""Build the statistics' rollup for the cases that exist, so the dashboard is right from
the first request after the deploy.

It calls the rebuild itself (``cases.rollup.rollup_rebuild``, the ``rebuild_case_rollup``
command) rather than a frozen copy: the rollup's rules must be the ones the services keep
it by. A database with no cases has nothing to build (a new install, the tests).
"""

from django.db import migrations


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    if not Case.objects.exists():
        return
    from cases.rollup import rollup_rebuild

    rollup_rebuild()


class Migration(migrations.Migration):
    dependencies = [("cases", "0030_case_rollup")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
