"""DOMAIN §4's defaults: the follow-up cadence and who makes the visits."""

from django.db import migrations

RULES = [
    # kind, amount, unit, remind before (hours)
    ("phone", 24, "hours", 2),
    ("home_visit", 7, "days", 24),
    ("revisit", 1, "months", 48),
]
ROLE_BY_LEVEL = {
    "grid": "grid_member",
    "village": "village_secretary",
    "town": "clerk",
    "district": "clerk",
}


def add_defaults(apps, schema_editor):
    FollowUpRule = apps.get_model("cases", "FollowUpRule")
    ResponsibilityRule = apps.get_model("cases", "ResponsibilityRule")
    WorkflowPolicy = apps.get_model("cases", "WorkflowPolicy")
    for kind, amount, unit, before in RULES:
        FollowUpRule.objects.update_or_create(
            kind=kind,
            defaults={"offset_amount": amount, "offset_unit": unit, "remind_before_hours": before},
        )
    for grade in ("blue", "yellow", "red"):
        for level, role in ROLE_BY_LEVEL.items():
            ResponsibilityRule.objects.update_or_create(
                grade=grade, level=level, defaults={"role": role}
            )
    WorkflowPolicy.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_follow_up_policy")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
