"""The database side of bench/load.py, run inside the stack's own Django (production
settings, the bench database) by ``manage.py shell``: what the virtual users need to
know (accounts, search terms, names), and the reminder drill (visits that fall due
during the run, then whether each produced exactly one notification).

    manage.py shell -c "import loaddb; loaddb.main('inputs', '{}')"   (bench/ on sys.path)

Each command prints one line, ``LOADDB <json>``, that load.py reads.
"""

import datetime
import json
import random

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from loadusers import TITLE_MARK

from accounts.models import Role, User
from cases.demo import DEMO_PASSWORD
from cases.models import Case, DisputeType, FollowUp, FollowUpKind, Party, Status
from cases.selectors import visible_cases
from notifications.models import Notification

MARKER = "LOADDB "
# Who browses, by role: the demo's logins (cases/demo.py) that can see the ledger.
BROWSING_ROLES = (Role.VILLAGE_SECRETARY, Role.GRID_MEMBER, Role.SUPERVISOR, Role.CLERK)
DRILL_NOTE = "bench/load.py reminder drill {run}"


def _search_terms(user: User, rng: random.Random) -> dict:
    """Party names and case-number prefixes that exist in what ``user`` sees."""
    mine = visible_cases(user).exclude(status=Status.VOIDED)
    recent = list(mine.order_by("-received_on", "-id").values_list("pk", "number")[:200])
    names = list(
        Party.objects.filter(case_id__in=[pk for pk, _ in recent])
        .values_list("name", flat=True)
        .distinct()[:200]
    )
    return {
        "names": rng.sample(names, min(10, len(names))),
        # "330681101-2026-123" for "330681101-2026-12345": up to 100 numbers each.
        "prefixes": sorted({number[:-2] for _, number in recent[:50]})[:10],
    }


def inputs(args: dict) -> dict:
    rng = random.Random(args.get("seed", 2026))
    accounts = []
    users = User.objects.filter(is_active=True, role__in=BROWSING_ROLES).select_related("area")
    for user in users.order_by("username"):
        if user.area is None or not user.check_password(DEMO_PASSWORD):
            continue
        accounts.append(
            {
                "username": user.username,
                "password": DEMO_PASSWORD,
                "role": user.role,
                "area_code": user.area.code,
                **_search_terms(user, rng),
            }
        )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone()
    names = list(Party.objects.order_by("-id").values_list("name", flat=True)[:400])
    return {
        "cases": Case.objects.count(),
        "server_version": server_version,
        "database_user": connection.settings_dict["USER"],
        "accounts": accounts,
        "dispute_types": list(DisputeType.objects.active().values_list("pk", flat=True)),
        "party_names": sorted(set(names)),
    }


def arrange_reminders(args: dict) -> dict:
    """One look-back visit per moment in ``args["moments"]`` (ISO), each on its own
    resolved or closed case, reminded at that moment; returns their ids."""
    moments = [datetime.datetime.fromisoformat(m) for m in args["moments"]]
    note = DRILL_NOTE.format(run=args["run"])
    cases = list(
        Case.objects.filter(status__in=(Status.RESOLVED, Status.CLOSED), owner__isnull=False)
        .order_by("-id")
        .values_list("pk", "owner_id")[: len(moments)]
    )
    if len(cases) < len(moments):
        raise SystemExit(f"only {len(cases)} resolved or closed cases for {len(moments)} visits")
    with transaction.atomic():
        visits = FollowUp.objects.bulk_create(
            FollowUp(
                case_id=case_id,
                kind=FollowUpKind.LOOK_BACK,
                remind_at=moment,
                due_at=moment + datetime.timedelta(days=7),
                responsible_id=owner_id,
                notes=note,
            )
            for (case_id, owner_id), moment in zip(cases, moments, strict=True)
        )
    return {"follow_ups": [visit.pk for visit in visits]}


def check_reminders(args: dict) -> dict:
    """For each drill visit of this run: when it was due, when it was reminded and how
    many notifications it produced. Then the drill's visits are cancelled, so they do
    not linger as open visits in the bench database."""
    note = DRILL_NOTE.format(run=args["run"])
    visits = list(FollowUp.objects.filter(notes=note).order_by("remind_at"))
    keys = [f"follow-up:{visit.pk}" for visit in visits]
    counts = {key: 0 for key in keys}
    for key in Notification.objects.filter(dedupe_key__in=keys).values_list(
        "dedupe_key", flat=True
    ):
        counts[key] += 1
    rows = [
        {
            "pk": visit.pk,
            "remind_at": visit.remind_at.isoformat(),
            "reminded_at": visit.reminded_at.isoformat() if visit.reminded_at else None,
            "notifications": counts[f"follow-up:{visit.pk}"],
        }
        for visit in visits
    ]
    if args.get("finish"):
        FollowUp.objects.filter(notes=note, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
    return {"visits": rows}


def activity(args: dict) -> dict:
    """What the run left in the database since ``args["since"]`` (ISO)."""
    since = datetime.datetime.fromisoformat(args["since"])
    return {
        "cases_registered": Case.objects.filter(
            Q(title__startswith=TITLE_MARK), created_at__gte=since
        ).count(),
        "notifications": Notification.objects.filter(created_at__gte=since).count(),
    }


COMMANDS = {
    "inputs": inputs,
    "arrange_reminders": arrange_reminders,
    "check_reminders": check_reminders,
    "activity": activity,
}


def main(command: str, args_json: str) -> None:
    print(MARKER + json.dumps(COMMANDS[command](json.loads(args_json)), ensure_ascii=False))
