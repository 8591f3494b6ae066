"""Refusal of mediation (art. 17) and waiving a visit, through the case page's forms and
the API, and what the case page then shows (issue 11, items 4 and 5)."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from cases.models import EventKind, FailureReason, FollowUpKind, Status
from tests.api.conftest import token_client
from tests.builders import accept, fulfil, refresh, resolved_case, visit
from tests.factories import register_case
from tests.rules.doors import CASES_API
from tests.web.helpers import html, messages_of

pytestmark = pytest.mark.django_db


def _post(client, user, case, url_name, data):
    client.force_login(user)
    response = client.post(reverse(f"cases:{url_name}", args=[case.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    return client.get(response["Location"])


def test_a_refusal_before_acceptance_closes_the_case_as_not_mediated_and_the_page_says_who_and_when(
    client, world
):
    case = register_case(world.secretary_a)
    respondent = case.parties.get(role="respondent")
    today = timezone.localdate()

    page = _post(
        client,
        world.secretary_a,
        case,
        "refusal",
        {
            "party": respondent.pk,
            "refused_on": today.isoformat(),
            "note": "被申请人在村委会当面表示不接受调解,要求直接起诉。",
            "routes_explained": "on",
        },
    )

    case = refresh(case)
    # Not mediated (调解不成), not "not accepted": the law's words for art. 17.
    assert case.status == Status.FAILED
    assert case.failure_reason == FailureReason.PARTY_REFUSED
    assert (case.refusal.party, case.refusal.refused_on, case.refusal.recorded_by) == (
        respondent,
        today,
        world.secretary_a,
    )
    respondent.refresh_from_db()
    assert respondent.refused_mediation is True
    assert messages_of(page) == ["已登记当事人拒绝调解,案件按调解不成办结。"]
    shown = html(page)
    assert f"{respondent.name}(被申请人)于 {today.isoformat()} 明确拒绝调解" in shown
    assert "被申请人在村委会当面表示不接受调解" in shown
    assert "(已登记 → 调解不成)" in shown


def test_a_refusal_through_the_api_answers_with_who_refused_and_when(world):
    case = accept(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    applicant = case.parties.get(role="applicant")
    today = timezone.localdate().isoformat()

    response = token_client(world.secretary_a).post(
        f"{CASES_API}{case.pk}/refusal/",
        {"party": applicant.pk, "refused_on": today, "note": "书面拒绝", "routes_explained": True},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["failure_reason"]) == ("failed", "party_refused")
    assert body["refusal"] == {
        "party": applicant.pk,
        "party_name": applicant.name,
        "refused_on": today,
        "note": "书面拒绝",
        "recorded_by": "secretary_a",
        "created_at": body["refusal"]["created_at"],
    }
    assert token_client(world.secretary_a).get(f"{CASES_API}{case.pk}/").json()["refusal"][
        "party"
    ] == (applicant.pk)


def test_the_fail_page_with_the_reason_refusal_records_the_party_too(client, world):
    case = accept(register_case(world.secretary_a), world.secretary_a, [world.mediator_a])
    respondent = case.parties.get(role="respondent")

    _post(
        client,
        world.secretary_a,
        case,
        "fail",
        {
            "failure_reason": "party_refused",
            "party": respondent.pk,
            "refused_on": timezone.localdate().isoformat(),
            "routes_explained": "on",
        },
    )

    assert refresh(case).refusal.party == respondent


def test_the_case_page_lists_the_visits_still_needed_before_closing(client, world):
    case = resolved_case(world)
    client.force_login(world.secretary_a)

    shown = html(client.get(reverse("cases:detail", args=[case.pk])))

    assert "销号前尚需完成的回访" in shown
    assert "电话回访(24小时内),应于" in shown
    assert "上门走访(7日内),应于" in shown
    assert reverse("cases:follow_up_waive", args=[case.pk]) in shown


def test_a_waived_visit_lets_the_case_close_and_shows_on_the_page_and_in_the_audit(client, world):
    case = resolved_case(world)
    fulfil(case, world.secretary_a)
    visit(case, world.secretary_a)
    home = case.follow_ups.get(kind=FollowUpKind.HOME_VISIT)

    page = _post(
        client,
        world.secretary_a,
        case,
        "follow_up_waive",
        {"follow_up": home.pk, "reason": "当事人已外出务工,电话确认履行完毕"},
    )

    home.refresh_from_db()
    assert (home.waived_by, home.waive_reason) == (
        world.secretary_a,
        "当事人已外出务工,电话确认履行完毕",
    )
    assert home.cancelled_at is not None
    shown = html(page)
    assert "已免除" in shown
    assert "当事人已外出务工,电话确认履行完毕" in shown
    assert "销号前尚需完成的回访" not in shown
    assert case.events.filter(kind=EventKind.FOLLOW_UP_WAIVED).count() == 1
    entry = LogEntry.objects.get_for_object(home).order_by("-pk").first()
    assert "当事人已外出务工,电话确认履行完毕" in str(entry.changes)

    closed = _post(client, world.secretary_a, case, "close", {"note": ""})
    assert refresh(case).status == Status.CLOSED
    assert "(调解成功 → 已销号)" in html(closed)
