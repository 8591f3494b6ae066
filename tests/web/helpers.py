"""Shared helpers of the web tests: reading pages back, moving cases along the workflow
through the services, and a snapshot of everything a page could have changed."""

import datetime
import re

from django.utils import timezone

from cases import services
from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    Escalation,
    FollowUp,
    GradeChange,
    MediationSession,
    Party,
    PersonalDataAccess,
)

LOGIN_URL = "/accounts/login/"


# ---------------------------------------------------------------------------
# Reading pages
# ---------------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def ledger_numbers(response) -> list[str]:
    """The case numbers of the ledger table's rows, in the order shown."""
    return re.findall(
        r'<td class="text-nowrap"><a href="/cases/\d+/">([^<]+)</a></td>', html(response)
    )


def timeline_kinds(response) -> list[str]:
    """The event labels of the case page's timeline (办理经过), top to bottom."""
    timeline = re.search(r'<ol class="timeline.*?</ol>', html(response), re.S)
    assert timeline, "the case page has no timeline"
    return re.findall(r"<div><strong>([^<]+)</strong>", timeline.group(0))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', html(response))
    assert match, "the page has no <html lang>"
    return match.group(1)


# ---------------------------------------------------------------------------
# Dates as the forms take them
# ---------------------------------------------------------------------------


def today() -> datetime.date:
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def now_minute() -> datetime.datetime:
    """Now, to the minute: what a datetime-local input sends, and never in the future."""
    return timezone.localtime().replace(second=0, microsecond=0)


def datetime_input(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------------------
# The workflow, through the services
# ---------------------------------------------------------------------------


def accept(case: Case, by, mediators, owner=None) -> Case:
    return services.case_accept(case=case, by=by, owner=owner or by, mediators=list(mediators))


def record_session(case: Case, by, mediators, result="continue", parties_present=()):
    return services.session_record(
        case=case,
        by=by,
        held_at=now_minute(),
        place="mediation_room",
        method="face_to_face",
        content="双方陈述了各自意见。",
        result=result,
        mediators=list(mediators),
        parties_present=list(parties_present),
    )


def mediating(case: Case, by, mediators) -> Case:
    accept(case, by, mediators)
    return record_session(case, by, mediators).case


def resolved(case: Case, by, mediators) -> Case:
    """Mediated to an oral agreement (in effect at once), not yet fulfilled."""
    mediating(case, by, mediators)
    services.agreement_record(
        case=case,
        by=by,
        data={
            "form": "oral",
            "reached_on": today(),
            "facts": "双方对院墙位置有争议。",
            "terms": "院墙按原址重建,费用各半。",
        },
    )
    return Case.objects.get(pk=case.pk)


def fulfilled(case: Case, by) -> None:
    services.agreement_update(case=case, by=by, data={"performance": "fulfilled"})


def phoned(case: Case, by) -> None:
    services.follow_up_record(
        case=case,
        by=by,
        data={"kind": "phone", "done_at": now_minute(), "satisfaction": "satisfied"},
    )


def ready_to_close(case: Case, by, mediators) -> Case:
    """Resolved, agreement fulfilled, follow-up call made: 销号 is allowed."""
    resolved(case, by, mediators)
    fulfilled(case, by)
    phoned(case, by)
    return Case.objects.get(pk=case.pk)


# ---------------------------------------------------------------------------
# What a request could have changed
# ---------------------------------------------------------------------------


def snapshot() -> dict:
    """Every row a case page can write, so 'nothing changed' is one comparison."""
    return {
        "cases": list(
            Case.objects.order_by("pk").values_list(
                "pk",
                "status",
                "grade",
                "level",
                "title",
                "owner_id",
                "failed_attempts",
                "outcome_reason",
                "void_reason",
                "updated_at",
            )
        ),
        "case_mediators": list(
            Case.mediators.through.objects.order_by("pk").values_list("case_id", "mediator_id")
        ),
        "parties": list(Party.objects.order_by("pk").values_list("pk", "name", "updated_at")),
        "events": list(CaseEvent.objects.order_by("pk").values_list("pk", "kind")),
        "sessions": MediationSession.objects.count(),
        "escalations": list(Escalation.objects.order_by("pk").values_list("pk", "status")),
        "agreements": list(
            Agreement.objects.order_by("pk").values_list("pk", "performance", "updated_at")
        ),
        "follow_ups": FollowUp.objects.count(),
        "grade_changes": GradeChange.objects.count(),
        "personal_data_access": PersonalDataAccess.objects.count(),
    }
