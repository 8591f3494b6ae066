"""The default 回头看 rules. Seed 002 asks for "定期开展回头看" (periodic look-backs so a
settled dispute does not flare up again) without a cadence; the review that filed issue 11
set it: 3 and 6 months after closing for yellow and red cases, none for blue (minor cases
settled on the spot). Reminded three days ahead.

Cases closed before this migration get no look-backs: they were closed under the old rule,
and scheduling them now would send a burst of reminders for visits long past due. Look-backs
recorded by hand before stay as they are (done, so outside the one-open rules)."""

from django.db import migrations

RULES = [
    # grade, months after closing, remind before (hours)
    ("yellow", 3, 72),
    ("yellow", 6, 72),
    ("red", 3, 72),
    ("red", 6, 72),
]


def add_defaults(apps, schema_editor):
    LookBackRule = apps.get_model("cases", "LookBackRule")
    for grade, months, before in RULES:
        LookBackRule.objects.get_or_create(
            grade=grade, months_after_closing=months, defaults={"remind_before_hours": before}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0025_refusal_waiver_look_back")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
