"""The clocks of cases that existed before acceptance dates and terms were recorded.

Assumptions, so an inspector can follow them:
- The clock policy starts with the defaults (mediation term 30 days, one extension of at
  most 30 days; petition: 15 days to decide acceptance, 60 to handle, one 30-day extension;
  reminders 3 days before a petition clock).
- 受理日期: a case accepted before this change takes the (Shanghai) date of its ACCEPTED
  event on the timeline. A case past acceptance without such an event (data loaded by
  hand or imported) takes its registration date. A case never accepted (registered, not
  accepted) and a withdrawn or voided one without the event has none.
- The mediation term and the petition clocks run from those dates as the policy says; no
  case has an extension yet.
- ``due_on`` (what "overdue" compares) is the earliest clock running in the case's status,
  exactly as ``Case.running_clocks`` computes it; the last overdue report is kept when it
  was for that same day, so nobody is told twice.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

ACCEPTED_STATUSES = {"accepted", "mediating", "resolved", "failed", "closed"}


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    ClockPolicy = apps.get_model("cases", "ClockPolicy")
    policy, _created = ClockPolicy.objects.get_or_create(pk=1)
    zone = ZoneInfo(settings.TIME_ZONE)
    accepted_at = {}
    for case_id, at in CaseEvent.objects.filter(kind="accepted").order_by("at").values_list(
        "case_id", "at"
    ):
        accepted_at.setdefault(case_id, at.astimezone(zone).date())
    days = datetime.timedelta
    cases = Case.objects.select_related("source").order_by("pk")
    for case in cases.iterator(chunk_size=1000):
        case.accepted_on = accepted_at.get(case.pk)
        if case.accepted_on is None and case.status in ACCEPTED_STATUSES:
            case.accepted_on = case.received_on
        if case.accepted_on:
            case.term_ends_on = case.accepted_on + days(policy.mediation_term_days)
        petition = case.source.is_petition
        if petition:
            case.petition_route_by = case.received_on + days(policy.petition_route_days)
            if case.accepted_on:
                case.petition_handle_by = case.accepted_on + days(policy.petition_handle_days)
        if case.status == "registered":
            clocks = [case.deadline, case.petition_route_by]
        elif case.status in ("accepted", "mediating"):
            clocks = [case.deadline, case.term_ends_on, case.petition_handle_by]
        else:
            clocks = []
        case.due_on = min((c for c in clocks if c is not None), default=None)
        case.save(
            update_fields=[
                "accepted_on",
                "term_ends_on",
                "petition_route_by",
                "petition_handle_by",
                "due_on",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0027_case_clocks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
