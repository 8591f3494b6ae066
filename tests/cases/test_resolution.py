"""Settled by other means (其他方式化解): through the case page, the API and the back
office, then crossed off, with no follow-up loop and never counted as 调解成功."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import services
from cases.models import Case, CaseEvent, EscalationStatus, EventKind, FollowUp, Status
from cases.outcomes import Outcome, outcome_of
from tests.admin.conftest import admin_url
from tests.api.conftest import token_client
from tests.builders import accepted_case, mediating_case, refresh, today
from tests.factories import register_case
from tests.web.helpers import html, snapshot

pytestmark = pytest.mark.django_db

VETERANS = {
    "means": "administrative",
    "action_taken": "协调县退役军人事务局核实参战经历,两人应享待遇已落实。",
    "department": "县退役军人事务局",
}


def page_data(**overrides) -> dict:
    return {**VETERANS, "resolved_on": today().isoformat(), "note": "", **overrides}


def resolve(case: Case, by, **overrides) -> Case:
    data = {**VETERANS, "resolved_on": today(), **overrides}
    services.case_resolve_otherwise(case=case, by=by, note="", **data)
    return refresh(case)


def test_a_case_settled_by_administrative_action_on_the_case_page_is_resolved_otherwise(
    client, world
):
    case = mediating_case(world)
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:resolve_otherwise", args=[case.pk]), page_data())

    assert response.status_code == 302
    case = refresh(case)
    assert case.status == Status.RESOLVED_OTHERWISE
    assert case.resolution_means == "administrative"
    assert case.resolution_action == VETERANS["action_taken"]
    assert case.resolution_department == "县退役军人事务局"
    assert case.resolved_on == today()
    event = case.events.get(kind=EventKind.RESOLVED_OTHERWISE)
    assert (event.actor, event.from_status, event.to_status) == (
        world.secretary_a,
        Status.MEDIATING,
        Status.RESOLVED_OTHERWISE,
    )
    assert event.note == "行政处理 县退役军人事务局"
    shown = html(client.get(reverse("cases:detail", args=[case.pk])))
    assert "其他方式化解" in shown
    assert "县退役军人事务局" in shown
    assert VETERANS["action_taken"] in shown


def test_the_case_page_offers_the_step_only_while_the_case_is_being_handled(client, world):
    case = accepted_case(world)
    client.force_login(world.secretary_a)
    link = reverse("cases:resolve_otherwise", args=[case.pk])

    assert link in html(client.get(reverse("cases:detail", args=[case.pk])))
    resolve(case, world.secretary_a)
    assert link not in html(client.get(reverse("cases:detail", args=[case.pk])))


def test_a_refused_form_keeps_what_was_typed(client, world):
    case = mediating_case(world)
    client.force_login(world.secretary_a)
    before = snapshot()

    response = client.post(
        reverse("cases:resolve_otherwise", args=[case.pk]),
        page_data(means="other", means_detail="", department="镇人民政府"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"means_detail": ["选择“其他”时,请说明化解途径。"]}
    shown = html(response)
    assert VETERANS["action_taken"] in shown
    assert "镇人民政府" in shown
    assert snapshot() == before


def test_a_supervisor_may_not_record_it(client, world):
    case = mediating_case(world)
    client.force_login(world.supervisor_a)

    response = client.post(reverse("cases:resolve_otherwise", args=[case.pk]), page_data())

    assert response.status_code == 403
    assert refresh(case).status == Status.MEDIATING


def test_the_api_records_it_and_shows_how_it_was_settled(world):
    case = accepted_case(world)
    api = token_client(world.secretary_a)

    response = api.post(
        f"/api/v1/cases/{case.pk}/resolve-otherwise/",
        {
            "means": "relief",
            "action_taken": "镇政府给付救助金三万元,并解决医保缴费至成年。",
            "department": "镇人民政府",
            "resolved_on": today().isoformat(),
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "resolved_other"
    assert body["resolution_means"] == "relief"
    assert body["resolution_department"] == "镇人民政府"
    assert body["resolved_on"] == today().isoformat()
    assert body["events"][-1]["kind"] == "resolved_otherwise"


def test_the_api_refuses_an_unknown_means_and_changes_nothing(world):
    case = accepted_case(world)
    before = snapshot()

    response = token_client(world.secretary_a).post(
        f"/api/v1/cases/{case.pk}/resolve-otherwise/",
        {"means": "prayer", "action_taken": "x", "resolved_on": today().isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["means"]
    assert snapshot() == before


def test_a_case_settled_otherwise_is_crossed_off_like_a_failed_one_and_stays_counted_apart(
    world,
):
    case = resolve(mediating_case(world), world.secretary_a)
    # No agreement, so no visits: the body that settled it follows it through.
    assert not FollowUp.objects.filter(case=case).exists()

    services.case_close(case=case, by=world.secretary_a, note="待遇已落实,销号。")

    case = refresh(case)
    assert case.status == Status.CLOSED
    assert outcome_of(case.status, case.failure_reason, case.resolution_means) == (
        Outcome.RESOLVED_OTHERWISE
    )


def test_no_follow_up_is_recorded_on_a_case_settled_otherwise_even_once_closed(client, world):
    case = resolve(mediating_case(world), world.secretary_a)
    services.case_close(case=case, by=world.secretary_a)
    client.force_login(world.secretary_a)
    before = snapshot()

    response = client.post(
        reverse("cases:follow_up_create", args=[case.pk]),
        {"kind": "phone", "done_at": "", "notes": "再次激化", "flared_again": "on"},
    )

    shown = client.get(response["Location"])
    assert [str(m) for m in shown.context["messages"]] == [
        "该案件已以其他方式化解,由处理部门跟进,不在此记录回访。"
    ]
    assert snapshot() == before


def test_a_pending_escalation_lapses_when_the_case_is_settled_otherwise(world):
    case = mediating_case(world)
    services.escalation_propose(case=case, by=world.secretary_a, reason="三次调解未成")

    resolve(case, world.secretary_a, means="litigation", department="县人民法院")

    assert case.escalations.get().status == EscalationStatus.CANCELLED


def test_the_back_office_action_records_it_through_the_same_service(client, world):
    first, second = mediating_case(world), accepted_case(world)
    registered_only = register_case(world.secretary_a)
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(Case, "changelist"),
        {
            "action": "resolve_otherwise_selected",
            "_selected_action": [first.pk, second.pk, registered_only.pk],
            "apply": "yes",
            **page_data(means="arbitration", department="县劳动人事争议仲裁委员会"),
        },
        follow=True,
    )

    assert refresh(first).status == refresh(second).status == Status.RESOLVED_OTHERWISE
    assert refresh(first).resolution_department == "县劳动人事争议仲裁委员会"
    assert refresh(registered_only).status == Status.REGISTERED
    assert [str(m) for m in response.context["messages"]] == [
        f"{registered_only.number} 未处理:案件当前状态为“已登记”,不能登记其他方式化解。",
        "已记录2件案件以其他方式化解。",
    ]
    events = CaseEvent.objects.filter(kind=EventKind.RESOLVED_OTHERWISE, actor=world.clerk_a)
    assert events.count() == 2


def test_the_back_office_action_shows_a_refusal_beside_its_field_and_writes_nothing(client, world):
    case = mediating_case(world)
    client.force_login(world.clerk_a)
    before = snapshot()

    response = client.post(
        admin_url(Case, "changelist"),
        {
            "action": "resolve_otherwise_selected",
            "_selected_action": [case.pk],
            "apply": "yes",
            **page_data(action_taken="  ", department="县人民法院"),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"action_taken": ["请填写采取了哪些措施、结果如何。"]}
    assert "县人民法院" in html(response)
    assert snapshot() == before


def test_a_date_before_registration_is_refused(world):
    case = mediating_case(world)
    with pytest.raises(ValidationError) as refusal:
        resolve(case, world.secretary_a, resolved_on=case.received_on - datetime.timedelta(days=1))
    assert refusal.value.message_dict == {"resolved_on": ["化解日期不能早于登记日期。"]}
    assert refresh(case).status == Status.MEDIATING
