"""Shared helpers of the web tests: reading pages back, dates as the forms take them, and
a snapshot of everything a page could have changed. Cases in a given state come from
tests/builders.py."""

import datetime
import re

from django.utils import timezone

from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    Escalation,
    FollowUp,
    GradeChange,
    Investigation,
    MediationSession,
    Party,
    PersonalDataAccess,
    Refusal,
)
from tests.builders import today

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


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def datetime_input(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


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
        "investigations": Investigation.objects.count(),
        "escalations": list(Escalation.objects.order_by("pk").values_list("pk", "status")),
        "agreements": list(
            Agreement.objects.order_by("pk").values_list("pk", "performance", "updated_at")
        ),
        "follow_ups": list(
            FollowUp.objects.order_by("pk").values_list("pk", "done_at", "cancelled_at")
        ),
        "refusals": Refusal.objects.count(),
        "grade_changes": GradeChange.objects.count(),
        "personal_data_access": PersonalDataAccess.objects.count(),
    }
