"""A business rule is the service's, so every door gives the same answer: the service
called directly (as a command or an import does), the web form and the API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Agreement, Case, CaseSource, FollowUp, Status
from cases.services import WorkflowError
from tests.api.conftest import errors, token_client
from tests.builders import accept, follow_up, refresh, resolved_case
from tests.factories import UserFactory, register_case
from tests.web.helpers import datetime_input, days_ago, messages_of

BEFORE_REGISTRATION = "回访时间不能早于登记日期。"
NO_AGREEMENT = "该案件没有现行的调解协议。"


def _visit_before_registration(case: Case) -> datetime.datetime:
    registered = timezone.make_aware(datetime.datetime.combine(case.received_on, datetime.time(9)))
    return registered - datetime.timedelta(days=3)


@pytest.fixture
def resolved_last_week(world) -> Case:
    return resolved_case(world, received_on=days_ago(7))


@pytest.fixture
def resolved_without_agreement(world) -> Case:
    """A resolved case whose agreement is no longer in force (as older ledger data has)."""
    case = resolved_case(world)
    Agreement.objects.filter(case=case).update(superseded_at=timezone.now())
    return refresh(case)


# ---------------------------------------------------------------------------
# A follow-up visit cannot be dated before the case was registered
# ---------------------------------------------------------------------------


def test_the_service_refuses_a_visit_dated_before_the_case_was_registered(
    world, resolved_last_week
):
    with pytest.raises(ValidationError) as refusal:
        services.follow_up_record(
            case=resolved_last_week,
            by=world.secretary_a,
            data=follow_up(done_at=_visit_before_registration(resolved_last_week)),
        )

    assert refusal.value.message_dict == {"done_at": [BEFORE_REGISTRATION]}
    assert not FollowUp.objects.filter(case=resolved_last_week, done_at__isnull=False).exists()


def test_the_follow_up_form_refuses_a_visit_dated_before_the_case_was_registered(
    client, world, resolved_last_week
):
    client.force_login(world.secretary_a)

    page = client.post(
        reverse("cases:follow_up_create", args=[resolved_last_week.pk]),
        {
            "kind": "phone",
            "done_at": datetime_input(_visit_before_registration(resolved_last_week)),
            "satisfaction": "satisfied",
        },
    )

    assert page.status_code == 200
    assert page.context["form"].errors["done_at"] == [BEFORE_REGISTRATION]
    assert not FollowUp.objects.filter(case=resolved_last_week, done_at__isnull=False).exists()


def test_the_api_refuses_a_visit_dated_before_the_case_was_registered(world, resolved_last_week):
    response = token_client(world.secretary_a).post(
        f"/api/v1/cases/{resolved_last_week.pk}/follow-ups/",
        {
            "kind": "phone",
            "done_at": _visit_before_registration(resolved_last_week).isoformat(),
        },
        format="json",
    )

    assert response.status_code == 400
    assert errors(response) == [
        {"field": "done_at", "code": "before_received", "message": BEFORE_REGISTRATION}
    ]


def test_a_visit_on_the_day_the_case_was_registered_is_accepted(world, resolved_last_week):
    registered = timezone.make_aware(
        datetime.datetime.combine(resolved_last_week.received_on, datetime.time(0, 5))
    )

    visit = services.follow_up_record(
        case=resolved_last_week, by=world.secretary_a, data=follow_up(done_at=registered)
    )

    assert visit.done_at == registered


# ---------------------------------------------------------------------------
# Performance is recorded only against an agreement in force
# ---------------------------------------------------------------------------


def test_the_service_refuses_to_update_an_agreement_the_case_no_longer_has(
    world, resolved_without_agreement
):
    with pytest.raises(WorkflowError) as refusal:
        services.agreement_update(
            case=resolved_without_agreement, by=world.secretary_a, data={"performance": "fulfilled"}
        )

    assert refusal.value.messages == [NO_AGREEMENT]


def test_the_agreement_page_sends_back_to_the_case_with_the_reason_when_there_is_no_agreement(
    client, world, resolved_without_agreement
):
    client.force_login(world.secretary_a)

    page = client.post(
        reverse("cases:agreement_update", args=[resolved_without_agreement.pk]),
        {"judicial_confirmation": "not_applied", "performance": "fulfilled"},
        follow=True,
    )

    assert page.status_code == 200
    assert page.redirect_chain == [
        (reverse("cases:detail", args=[resolved_without_agreement.pk]), 302)
    ]
    assert messages_of(page) == [NO_AGREEMENT]


def test_the_api_answers_400_not_500_when_the_case_has_no_agreement_in_force(
    world, resolved_without_agreement
):
    response = token_client(world.secretary_a).post(
        f"/api/v1/cases/{resolved_without_agreement.pk}/agreement/update/",
        {"performance": "fulfilled"},
        format="json",
    )

    assert response.status_code == 400
    assert errors(response) == [{"field": None, "code": "workflow", "message": NO_AGREEMENT}]


def test_the_case_page_does_not_offer_recording_performance_without_an_agreement(
    world, resolved_without_agreement
):
    offered = services.available_actions(world.secretary_a, resolved_without_agreement)

    assert "record_performance" not in offered
    assert "record_follow_up" in offered


# ---------------------------------------------------------------------------
# Rules the forms and the API held that the service now holds too
# ---------------------------------------------------------------------------


def test_the_service_refuses_to_make_a_deactivated_account_the_case_owner(world):
    case = register_case(world.secretary_a)
    gone = UserFactory(username="gone", role="village_secretary", area=world.village_a)
    gone.is_active = False
    gone.save()

    with pytest.raises(ValidationError) as refusal:
        accept(case, world.secretary_a, owner=gone)

    assert list(refusal.value.message_dict) == ["owner"]
    assert refresh(case).status == Status.REGISTERED


def test_editing_a_case_cannot_move_it_to_a_deactivated_source(world):
    case = register_case(world.secretary_a)
    retired = CaseSource.objects.create(code="hotline-old", name="旧热线", is_active=False)

    with pytest.raises(ValidationError) as refusal:
        services.case_update(case=case, by=world.secretary_a, data={"source": retired})

    assert refusal.value.message_dict == {"source": ["“旧热线”已停用,请选择其他选项。"]}
    assert refresh(case).source_id != retired.pk


def test_the_api_refuses_to_move_a_case_to_a_deactivated_source(world):
    case = register_case(world.secretary_a)
    CaseSource.objects.create(code="hotline-old", name="旧热线", is_active=False)

    response = token_client(world.secretary_a).patch(
        f"/api/v1/cases/{case.pk}/", {"source": "hotline-old"}, format="json"
    )

    assert response.status_code == 400
    assert errors(response) == [
        {"field": "source", "code": "invalid", "message": "“旧热线”已停用,请选择其他选项。"}
    ]


def test_a_case_keeps_a_source_deactivated_after_it_was_registered(world):
    case = register_case(world.secretary_a)
    CaseSource.objects.filter(pk=case.source_id).update(is_active=False)

    services.case_update(
        case=case, by=world.secretary_a, data={"source": refresh(case).source, "title": "新标题"}
    )

    assert refresh(case).title == "新标题"


def test_the_service_refuses_a_reason_longer_than_the_forms_take(world):
    case = register_case(world.secretary_a)

    with pytest.raises(ValidationError) as refusal:
        services.case_void(case=case, by=world.secretary_a, reason="误" * 2001)

    assert list(refusal.value.message_dict) == ["reason"]
    assert refresh(case).status == Status.REGISTERED
