"""The ledger's pages as a village office uses them: register, take each workflow step,
see it on the timeline, and never lose what was typed."""

import re

import pytest
from django.urls import reverse

from cases import services
from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    CaseSource,
    DisputeType,
    Escalation,
    FollowUp,
    MediationSession,
    Party,
    PersonalDataAccess,
    WorkflowPolicy,
)
from tests.builders import (
    accept,
    in_signing,
    mediating,
    now_minute,
    ready_to_close,
    resolved,
    today,
)
from tests.factories import make_id_number, party_rows, register_case
from tests.web.helpers import (
    datetime_input,
    days_ago,
    html,
    ledger_numbers,
    messages_of,
    snapshot,
    timeline_kinds,
)

BAD_ID_NUMBER = "360426199101010072"
GOOD_ID_NUMBER = "11010519491231002X"

# ---------------------------------------------------------------------------
# Registering
# ---------------------------------------------------------------------------

# The management form exactly as the registration page renders it.
RENDERED_MANAGEMENT_FORM = {
    "parties-TOTAL_FORMS": "3",
    "parties-INITIAL_FORMS": "0",
    "parties-MIN_NUM_FORMS": "2",
    "parties-MAX_NUM_FORMS": "500",
}


def registration(world, **overrides) -> dict:
    """What the registration page posts with the three party blocks filled in."""
    data = {
        **RENDERED_MANAGEMENT_FORM,
        "area": world.village_a.pk,
        "title": "王某与陈某宅基地纠纷",
        "summary": "两家因宅基地界址发生争吵,需村里调解。",
        "source": CaseSource.objects.get(code="walk_in").pk,
        "dispute_type": DisputeType.objects.get(code="housing_homestead").pk,
        "grade": "yellow",
        "received_on": today().isoformat(),
        "occurred_on": "",
        "people_involved": "",
        "amount_at_stake": "",
        "external_reference": "",
        "parties-0-role": "applicant",
        "parties-0-name": "王大山",
        # As the number says (its 17th digit is even): a contradiction is refused.
        "parties-0-gender": "female",
        "parties-0-id_number": GOOD_ID_NUMBER,
        "parties-0-mobile": "13912345678",
        "parties-0-address": "枫源村三组8号",
        "parties-1-role": "respondent",
        "parties-1-name": "陈小河",
        "parties-1-gender": "female",
        "parties-1-id_number": "",
        "parties-1-mobile": "",
        "parties-1-address": "",
        "parties-2-role": "other",
        "parties-2-name": "王二山",
        "parties-2-gender": "",
        "parties-2-id_number": "",
        "parties-2-mobile": "",
        "parties-2-address": "",
    }
    data.update(overrides)
    return data


def test_the_registration_page_renders_the_parties_management_form_as_expected(client, world):
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:create")))

    for name, value in RENDERED_MANAGEMENT_FORM.items():
        assert f'name="{name}" value="{value}"' in page


def test_registering_through_the_page_creates_the_case_and_opens_it(client, world):
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:create"), registration(world))

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.title == "王某与陈某宅基地纠纷"
    assert case.area == world.village_a
    assert case.status == "registered"
    assert case.created_by == world.secretary_a
    assert list(case.parties.order_by("id").values_list("role", "name", "id_number")) == [
        ("applicant", "王大山", GOOD_ID_NUMBER),
        ("respondent", "陈小河", ""),
        ("other", "王二山", ""),
    ]
    page = client.get(response["Location"])
    assert f"案件 {case.number} 已登记。" in messages_of(page)
    assert timeline_kinds(page) == ["登记"]


def test_registering_with_the_optional_third_party_left_blank_creates_the_case(client, world):
    client.force_login(world.secretary_a)
    data = registration(world, **{"parties-2-name": ""})

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 302
    assert Case.objects.get().parties.count() == 2


def test_an_invalid_id_number_is_refused_in_chinese_and_everything_typed_is_kept(client, world):
    client.force_login(world.secretary_a)
    data = registration(
        world,
        **{
            "parties-0-id_number": BAD_ID_NUMBER,
            "parties-2-address": "枫源村五组1号",
            "amount_at_stake": "12000",
        },
    )

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    page = html(response)
    assert "身份证号码校验位不正确,请核对后重新输入。" in page
    assert response.context["parties"].forms[0].errors["id_number"] == [
        "身份证号码校验位不正确,请核对后重新输入。"
    ]
    for typed in (
        "王某与陈某宅基地纠纷",
        "两家因宅基地界址发生争吵,需村里调解。",
        "王大山",
        "陈小河",
        "王二山",
        BAD_ID_NUMBER,
        "13912345678",
        "枫源村三组8号",
        "枫源村五组1号",
        'value="12000"',
    ):
        assert typed in page, typed
    assert not Case.objects.exists()
    assert not Party.objects.exists()
    assert not CaseEvent.objects.exists()


def test_a_dispute_with_only_one_side_is_refused_and_nothing_is_created(client, world):
    client.force_login(world.secretary_a)
    data = registration(world, **{"parties-1-role": "applicant"})

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    assert response.context["parties"].non_form_errors() == [
        "纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。"
    ]
    assert "纠纷至少需要两方当事人" in html(response)
    assert not Case.objects.exists()


def test_a_registration_with_only_one_party_filled_in_is_refused_in_the_words_of_the_domain(
    client, world
):
    client.force_login(world.secretary_a)
    blank_second = {
        f"parties-1-{name}": "" for name in ("name", "gender", "id_number", "mobile", "address")
    }
    data = registration(world, **blank_second, **{"parties-2-name": ""})

    response = client.post(reverse("cases:create"), data)

    assert response.status_code == 200
    assert response.context["parties"].non_form_errors() == [
        "纠纷至少需要两方当事人:请至少填写一名申请人和一名被申请人。"
    ]
    assert "表单" not in html(response)
    assert not Case.objects.exists()


def test_a_title_too_long_is_refused_in_plain_words(client, world):
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:create"), registration(world, title="纠" * 101))

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == ["最多填写 100 个字。"]
    assert not Case.objects.exists()


def test_the_registration_page_and_the_ledger_offer_please_choose_instead_of_dashes(client, world):
    client.force_login(world.secretary_a)

    for url in (reverse("cases:create"), reverse("cases:list")):
        page = html(client.get(url))
        assert '<option value="" selected>请选择</option>' in page, url
        assert "---------" not in page, url


def test_a_received_date_in_the_future_is_refused(client, world):
    client.force_login(world.secretary_a)
    tomorrow = days_ago(-1).isoformat()

    response = client.post(reverse("cases:create"), registration(world, received_on=tomorrow))

    assert response.status_code == 200
    assert response.context["form"].errors["received_on"] == ["日期不能晚于今天。"]
    assert f'value="{tomorrow}"' in html(response)
    assert not Case.objects.exists()


def test_registering_in_another_village_is_refused(client, world):
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:create"), registration(world, area=world.village_b.pk))

    assert response.status_code == 200
    assert "area" in response.context["form"].errors
    assert not Case.objects.exists()


def test_a_supervisor_may_not_open_the_registration_page(client, world):
    client.force_login(world.supervisor_a)

    assert client.get(reverse("cases:create")).status_code == 403
    assert client.post(reverse("cases:create"), registration(world)).status_code == 403
    assert not Case.objects.exists()


# ---------------------------------------------------------------------------
# Workflow pages
# ---------------------------------------------------------------------------


@pytest.fixture
def case(world) -> Case:
    return register_case(world.secretary_a)


def _step(client, world, case: Case, url_name: str, data: dict):
    """Submit a workflow page as the village secretary; return the case page it leads to."""
    client.force_login(world.secretary_a)
    response = client.post(reverse(f"cases:{url_name}", args=[case.pk]), data)
    form = response.context and response.context.get("form")
    assert response.status_code == 302, form.errors if form else response.status_code
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    case.refresh_from_db()
    return client.get(response["Location"])


def test_the_accept_page_accepts_and_assigns_the_case(client, world, case):
    page = _step(
        client,
        world,
        case,
        "accept",
        {"owner": world.secretary_a.pk, "mediators": [world.mediator_a.pk], "note": "今日受理"},
    )

    assert case.status == "accepted"
    assert case.owner == world.secretary_a
    assert list(case.mediators.all()) == [world.mediator_a]
    assert messages_of(page) == ["案件已受理。"]
    assert timeline_kinds(page) == ["登记", "受理"]
    assert "今日受理" in html(page)


def test_the_session_page_records_a_session_and_the_case_is_being_mediated(client, world, case):
    accept(case, world.secretary_a, [world.mediator_a])
    held_at = now_minute()
    applicant = case.parties.get(role="applicant")

    page = _step(
        client,
        world,
        case,
        "session_create",
        {
            "held_at": datetime_input(held_at),
            "place": "courtyard",
            "place_detail": "三组晒谷场",
            "method": "courtyard_meeting",
            "mediators": [world.mediator_a.pk],
            "parties_present": [applicant.pk],
            "content": "双方同意退让半米。",
            "result": "not_resolved",
        },
    )

    session = MediationSession.objects.get(case=case)
    assert session.held_at == held_at
    assert list(session.parties_present.all()) == [applicant]
    assert case.status == "mediating"
    assert case.failed_attempts == 1
    assert timeline_kinds(page) == ["登记", "受理", "调解记录"]
    assert "双方同意退让半米。" in html(page)


def _continuing_session(world) -> dict:
    return {
        "held_at": datetime_input(now_minute()),
        "place": "mediation_room",
        "method": "face_to_face",
        "mediators": [world.mediator_a.pk],
        "content": "双方各让一步,约定下周再谈。",
        "result": "continue",
    }


def _failed_attempts_shown(page) -> tuple[str, str]:
    """The case page's count of failed attempts and the counting rule under it."""
    match = re.search(
        r"本级调解未成次数</dt><dd[^>]*>([^<]*)</dd>\s*"
        r'<dd class="[^"]*failed-attempts-rule">([^<]*)</dd>',
        html(page),
    )
    assert match, "no failed attempts on the case page"
    return match.group(1), match.group(2)


def test_by_default_the_third_continuing_session_on_the_session_page_proposes_escalation(
    client, world, case
):
    accept(case, world.secretary_a, [world.mediator_a])

    pages = [_step(client, world, case, "session_create", _continuing_session(world))]
    assert case.failed_attempts == 1
    pages.append(_step(client, world, case, "session_create", _continuing_session(world)))
    assert case.failed_attempts == 2
    assert not Escalation.objects.filter(case=case).exists()
    pages.append(_step(client, world, case, "session_create", _continuing_session(world)))

    assert case.failed_attempts == 3
    escalation = Escalation.objects.get(case=case)
    assert (escalation.from_level, escalation.to_level, escalation.status) == (
        "village",
        "town",
        "proposed",
    )
    assert "本级已调解3次未成,按“三三调处”规则应提级调处。" in messages_of(pages[-1])
    assert [_failed_attempts_shown(page)[0] for page in pages] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("counts_continuing", "count", "rule"),
    [
        (True, "1", "未达成一致和继续调解均计入;满 3 次提级调处(三三调处)"),
        (False, "0", "仅未达成一致计入,继续调解不计入;满 3 次提级调处(三三调处)"),
    ],
    ids=["continuing-counts", "continuing-not-counted"],
)
def test_the_case_page_shows_the_failed_attempts_and_the_rule_the_policy_sets(
    client, world, case, counts_continuing, count, rule
):
    WorkflowPolicy.objects.filter(pk=WorkflowPolicy.current().pk).update(
        continuing_session_counts_as_failed=counts_continuing
    )
    accept(case, world.secretary_a, [world.mediator_a])

    page = _step(client, world, case, "session_create", _continuing_session(world))

    assert case.failed_attempts == int(count)
    assert _failed_attempts_shown(page) == (count, rule)
    assert messages_of(page) == ["调解记录已保存。"]


def test_the_agreement_page_records_a_written_agreement_and_the_case_awaits_its_signatures(
    client, world, case
):
    mediating(case, world.secretary_a, [world.mediator_a])

    page = _step(
        client,
        world,
        case,
        "agreement_create",
        {
            "form": "written",
            "reached_on": today().isoformat(),
            "facts": "院墙越界半米。",
            "terms": "王某拆除越界部分,陈某补偿2000元。",
            "performance_method": "现金当面支付",
            "performance_due_on": "",
            "amount": "2000",
        },
    )

    agreement = Agreement.objects.get(case=case)
    assert agreement.effective_on is None
    assert str(agreement.amount) == "2000.00"
    assert case.status == "signing"
    assert timeline_kinds(page) == ["登记", "受理", "调解记录", "达成协议"]
    assert "王某拆除越界部分,陈某补偿2000元。" in html(page)


def test_the_agreement_update_page_records_performance(client, world, case):
    resolved(case, world.secretary_a, [world.mediator_a])

    page = _step(
        client,
        world,
        case,
        "agreement_update",
        {
            "judicial_confirmation": "not_applied",
            "performance": "fulfilled",
            "performance_note": "已拆除并付款。",
        },
    )

    agreement = Agreement.objects.get(case=case)
    assert agreement.performance == "fulfilled"
    assert agreement.performance_note == "已拆除并付款。"
    assert timeline_kinds(page) == ["登记", "受理", "调解记录", "达成协议", "履行情况"]
    assert "履行情况:未到履行期 → 已履行" in html(page)


def test_the_follow_up_page_records_a_visit(client, world, case):
    resolved(case, world.secretary_a, [world.mediator_a])

    page = _step(
        client,
        world,
        case,
        "follow_up_create",
        {
            "kind": "phone",
            "done_at": datetime_input(now_minute()),
            "performance": "yes",
            "satisfaction": "satisfied",
            "notes": "双方表示满意。",
        },
    )

    visit = FollowUp.objects.get(case=case, done_at__isnull=False)
    assert (visit.kind, visit.satisfaction, visit.done_by) == (
        "phone",
        "satisfied",
        world.secretary_a,
    )
    assert case.status == "resolved"
    assert timeline_kinds(page) == ["登记", "受理", "调解记录", "达成协议", "回访"]
    assert "双方表示满意。" in html(page)


def test_the_close_page_crosses_the_case_off(client, world, case):
    ready_to_close(case, world.secretary_a, [world.mediator_a])

    page = _step(client, world, case, "close", {"note": "回访无反弹,销号。"})

    assert case.status == "closed"
    assert case.closed_at is not None
    assert timeline_kinds(page) == [
        "登记",
        "受理",
        "调解记录",
        "达成协议",
        "履行情况",
        "回访",
        "回访",
        "销号",
    ]
    assert "(调解成功 → 已销号)" in html(page)


def test_the_whole_workflow_through_the_pages_shows_on_the_timeline(client, world, case):
    """Accept, mediate, agree, perform, follow up and close, each by its page."""
    applicant = case.parties.get(role="applicant")
    steps = [
        ("accept", {"owner": world.secretary_a.pk, "mediators": [world.mediator_a.pk]}),
        (
            "session_create",
            {
                "held_at": datetime_input(now_minute()),
                "place": "mediation_room",
                "method": "face_to_face",
                "mediators": [world.mediator_a.pk],
                "parties_present": [applicant.pk],
                "content": "达成一致。",
                "result": "resolved",
            },
        ),
        (
            "agreement_create",
            {"form": "oral", "reached_on": today().isoformat(), "facts": "事实", "terms": "条款"},
        ),
        ("agreement_update", {"judicial_confirmation": "not_applied", "performance": "fulfilled"}),
        ("follow_up_create", {"kind": "phone", "done_at": datetime_input(now_minute())}),
        ("follow_up_create", {"kind": "home_visit", "done_at": datetime_input(now_minute())}),
        ("close", {"note": ""}),
    ]
    for url_name, data in steps:
        page = _step(client, world, case, url_name, data)

    assert case.status == "closed"
    assert timeline_kinds(page) == [
        "登记",
        "受理",
        "调解记录",
        "达成协议",
        "履行情况",
        "回访",
        "回访",
        "销号",
    ]
    for transition in (
        "(已登记 → 已受理)",
        "(已受理 → 调解中)",
        "(调解中 → 调解成功)",
        "(调解成功 → 已销号)",
    ):
        assert transition in html(page), transition


def test_an_illegal_step_redirects_to_the_case_with_an_error_and_changes_nothing(
    client, world, case
):
    client.force_login(world.secretary_a)
    url = reverse("cases:close", args=[case.pk])
    before = snapshot()

    for request in (lambda: client.get(url), lambda: client.post(url, {"note": "强行销号"})):
        response = request()
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        page = client.get(response["Location"])
        assert messages_of(page) == ["案件当前状态为“已登记”,不能销号。"]
    assert snapshot() == before


def test_a_role_without_the_permission_gets_403_and_changes_nothing(client, world, case):
    accept(case, world.secretary_a, [world.mediator_a])
    client.force_login(world.supervisor_a)
    url = reverse("cases:session_create", args=[case.pk])
    before = snapshot()

    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "held_at": datetime_input(now_minute()),
            "place": "mediation_room",
            "method": "face_to_face",
            "mediators": [world.mediator_a.pk],
            "content": "督导代记",
            "result": "resolved",
        },
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_lowering_the_grade_is_kept_in_history(client, world, case):
    page = _step(client, world, case, "change_grade", {"grade": "blue", "reason": "已降温"})

    assert case.grade == "blue"
    assert case.grade_changes.get().reason == "已降温"
    assert timeline_kinds(page) == ["登记", "调整等级"]


def test_raising_the_grade_to_red_moves_the_case_up_to_the_town(client, world, case):
    page = _step(client, world, case, "change_grade", {"grade": "red", "reason": "有民转刑风险"})

    assert (case.grade, case.level) == ("red", "town")
    assert timeline_kinds(page) == ["登记", "调整等级"]
    assert "处置层级:村(社区) → 乡镇(街道)" in html(page)


def test_escalating_and_accepting_the_escalation_moves_the_case_up(client, world, case):
    mediating(case, world.secretary_a, [world.mediator_a])
    _step(client, world, case, "escalate", {"reason": "三次调解未成"})
    assert case.escalations.get().status == "proposed"

    client.force_login(world.supervisor_a)
    response = client.post(
        reverse("cases:decide_escalation", args=[case.pk]), {"accept": "yes", "note": "镇级接收"}
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.level, case.status, case.owner) == ("town", "accepted", world.supervisor_a)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert timeline_kinds(page) == ["登记", "受理", "调解记录", "提级调处", "上级接收"]


def test_failing_mediation_requires_telling_the_parties_their_other_routes(client, world, case):
    mediating(case, world.secretary_a, [world.mediator_a])
    client.force_login(world.secretary_a)
    url = reverse("cases:fail", args=[case.pk])

    response = client.post(url, {"failure_reason": "sessions_failed", "note": "分歧太大"})
    assert response.status_code == 200
    assert "调解不成时,应告知当事人可依法通过仲裁、行政、司法等途径维护权利。" in html(response)
    assert 'value="分歧太大"' in html(response) or "分歧太大</textarea>" in html(response)
    case.refresh_from_db()
    assert case.status == "mediating"

    page = _step(
        client,
        world,
        case,
        "fail",
        {"failure_reason": "sessions_failed", "routes_explained": "on", "note": "分歧太大"},
    )
    assert case.status == "failed"
    assert timeline_kinds(page) == ["登记", "受理", "调解记录", "调解不成"]


# ---------------------------------------------------------------------------
# Voiding
# ---------------------------------------------------------------------------


def test_voiding_requires_a_reason(client, world, case):
    client.force_login(world.secretary_a)
    before = snapshot()

    response = client.post(reverse("cases:void", args=[case.pk]), {"reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["请填写原因。"]
    assert snapshot() == before


def test_a_voided_case_is_kept_but_leaves_the_default_ledger(client, world, case):
    other = register_case(world.secretary_a, title="另一件")

    page = _step(client, world, case, "void", {"reason": "重复登记"})

    assert Case.objects.count() == 2
    assert case.status == "voided"
    assert case.void_reason == "重复登记"
    assert "本案已作废" in html(page)
    assert timeline_kinds(page) == ["登记", "作废"]
    assert ledger_numbers(client.get(reverse("cases:list"))) == [other.number]
    voided = client.get(reverse("cases:list"), {"status": "voided"})
    assert ledger_numbers(voided) == [case.number]


def test_opening_the_edit_page_of_a_voided_case_redirects_with_the_refusal(client, world, case):
    services.case_void(case=case, by=world.secretary_a, reason="重复登记")
    client.force_login(world.secretary_a)
    client.raise_request_exception = False

    response = client.get(reverse("cases:edit", args=[case.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])


def test_the_edit_page_saves_changes_into_the_history(client, world, case):
    client.force_login(world.secretary_a)
    parties = list(case.parties.order_by("id"))
    data = {
        "area": world.grid_a.pk,
        "title": "改正后的标题",
        "summary": case.summary,
        "source": case.source_id,
        "dispute_type": case.dispute_type_id,
        "received_on": case.received_on.isoformat(),
        "parties-TOTAL_FORMS": "3",
        "parties-INITIAL_FORMS": "2",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "30",
    }
    for i, party in enumerate(parties):
        data.update(
            {
                f"parties-{i}-id": party.pk,
                f"parties-{i}-role": party.role,
                f"parties-{i}-name": party.name,
                f"parties-{i}-gender": party.gender,
                f"parties-{i}-id_number": party.id_number,
                f"parties-{i}-mobile": party.mobile,
                f"parties-{i}-address": party.address,
            }
        )
    data["parties-1-name"] = "李四海"

    page = _step(client, world, case, "edit", data)

    assert (case.title, case.area) == ("改正后的标题", world.grid_a)
    assert list(case.parties.order_by("id").values_list("name", flat=True)) == ["张三", "李四海"]
    assert timeline_kinds(page) == ["登记", "修改"]
    assert "李四·姓名/名称:李四 → 李四海" in html(page)


# ---------------------------------------------------------------------------
# Personal data
# ---------------------------------------------------------------------------


def test_the_case_page_masks_id_and_mobile_numbers(client, world, case):
    client.force_login(world.secretary_a)
    full = make_id_number()

    page = html(client.get(reverse("cases:detail", args=[case.pk])))

    assert "110105********1239" in page
    assert full not in page
    assert "139****5678" in page
    assert "13912345678" not in page
    assert not PersonalDataAccess.objects.exists()


def test_revealing_an_id_number_shows_it_in_full_and_logs_who_looked(client, world, case):
    party = case.parties.get(role="applicant")
    client.force_login(world.secretary_a)

    response = client.post(reverse("cases:party_reveal", args=[party.pk, "id_number"]))

    assert response.status_code == 200
    assert make_id_number() in html(response)
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.party, access.field) == (world.secretary_a, party, "id_number")


def test_a_supervisor_may_not_reveal_an_id_number(client, world, case):
    party = case.parties.get(role="applicant")
    client.force_login(world.supervisor_a)

    response = client.post(reverse("cases:party_reveal", args=[party.pk, "id_number"]))

    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_leaving_a_partys_id_number_blank_on_the_edit_page_keeps_the_stored_one(
    client, world, case
):
    client.force_login(world.secretary_a)
    applicant = case.parties.order_by("id").first()
    stored_id, stored_mobile = applicant.id_number, applicant.mobile
    data = {
        "area": case.area_id,
        "title": case.title,
        "summary": case.summary,
        "source": case.source_id,
        "dispute_type": case.dispute_type_id,
        "received_on": case.received_on.isoformat(),
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "2",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "30",
    }
    for i, party in enumerate(case.parties.order_by("id")):
        data.update(
            {
                f"parties-{i}-id": party.pk,
                f"parties-{i}-role": party.role,
                f"parties-{i}-name": party.name,
                f"parties-{i}-gender": party.gender,
                f"parties-{i}-id_number": "",
                f"parties-{i}-mobile": "",
                f"parties-{i}-address": "新住址" if i == 0 else party.address,
            }
        )

    response = client.post(reverse("cases:edit", args=[case.pk]), data)

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert (applicant.id_number, applicant.mobile, applicant.address) == (
        stored_id,
        stored_mobile,
        "新住址",
    )


def test_the_edit_page_does_not_show_full_id_numbers_unlogged(client, world, case):
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:edit", args=[case.pk])))

    assert make_id_number() not in page
    assert "110105********" in page


@pytest.fixture
def agreed_case(world) -> Case:
    rows = party_rows()
    rows[1]["id_number"] = GOOD_ID_NUMBER
    rows.append({"role": "other", "name": "王五"})
    # Someone applied (a walk-in): the sides are 申请人 and 被申请人.
    walk_in = CaseSource.objects.get(code="walk_in")
    case = register_case(world.secretary_a, parties=rows, source=walk_in)
    # A written agreement waiting for its signatures: what is printed to be signed.
    return in_signing(case, world.secretary_a, [world.mediator_a])


def test_the_agreement_prints_with_full_ids_for_a_secretary_and_logs_each(
    client, world, agreed_case
):
    client.force_login(world.secretary_a)

    response = client.get(reverse("cases:agreement_print", args=[agreed_case.pk]))

    assert response.status_code == 200
    page = html(response)
    assert "人民调解协议书" in page
    assert "申请人张三(签名或按指印):" in page
    assert "被申请人李四(签名或按指印):" in page
    assert "其他当事人王五(签名或按指印):" in page
    assert "人民调解员(签名):" in page
    assert "人民调解委员会(印章):" in page
    assert "本协议一式4份" in page
    assert make_id_number() in page
    assert GOOD_ID_NUMBER in page
    # The parties need each other's contact: the phone prints in full too.
    assert "13912345678" in page
    logged = PersonalDataAccess.objects.order_by("party_id", "field")
    assert [(a.user, a.party.name, a.field) for a in logged] == [
        (world.secretary_a, "张三", "id_number"),
        (world.secretary_a, "张三", "mobile"),
        (world.secretary_a, "李四", "id_number"),
    ]
    assert all("人民调解协议书" in a.document for a in logged)


def test_a_supervisor_may_not_print_the_agreement_and_nothing_is_logged(client, world, agreed_case):
    client.force_login(world.supervisor_a)

    response = client.get(reverse("cases:agreement_print", args=[agreed_case.pk]))

    assert response.status_code == 403
    assert "查看完整身份证号码" in html(response)
    assert not PersonalDataAccess.objects.exists()


def test_printing_a_case_without_an_agreement_is_404(client, world, case):
    client.force_login(world.secretary_a)

    assert client.get(reverse("cases:agreement_print", args=[case.pk])).status_code == 404


# ---------------------------------------------------------------------------
# The ledger: filters and pages
# ---------------------------------------------------------------------------


@pytest.fixture
def ledger(world):
    """Four town-A cases that differ in every filtered field, seen by the town clerk."""

    def register(area, applicant, respondent, **data):
        return register_case(world.clerk_a, area, parties=party_rows(applicant, respondent), **data)

    c1 = register(
        world.village_a,
        "张三",
        "李四",
        title="宅基地边界纠纷",
        summary="院墙越界。",
        grade="yellow",
        received_on=days_ago(40),
    )
    c2 = register(
        world.grid_a,
        "王五",
        "赵六",
        title="楼上噪音纠纷",
        summary="夜间噪音扰民。",
        grade="blue",
        dispute_type=DisputeType.objects.get(code="neighbours"),
        source=CaseSource.objects.get(code="walk_in"),
        received_on=days_ago(3),
    )
    accept(c2, world.clerk_a, [world.mediator_a], owner=world.grid_member_a)
    c3 = register(
        world.village_a2,
        "陈七",
        "某建筑公司",
        title="欠薪纠纷",
        summary="拖欠工资三个月。",
        grade="red",
        dispute_type=DisputeType.objects.get(code="labour"),
        source=CaseSource.objects.get(code="phone"),
        received_on=days_ago(20),
    )
    c4 = register(
        world.village_a,
        "孙八",
        "周九",
        title="借款纠纷",
        summary="借款到期未还。",
        grade="blue",
        dispute_type=DisputeType.objects.get(code="contract"),
        source=CaseSource.objects.get(code="walk_in"),
        received_on=days_ago(30),
    )
    services.case_withdraw(case=c4, by=world.clerk_a, reason="当事人自行和解")
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4}


def _lookup(model, code):
    return model.objects.get(code=code).pk


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["c2", "c3", "c4", "c1"]),
        ({"status": "registered"}, ["c3", "c1"]),
        ({"status": "accepted"}, ["c2"]),
        ({"status": "withdrawn"}, ["c4"]),
        ({"grade": "blue"}, ["c2", "c4"]),
        ({"grade": "red"}, ["c3"]),
        ({"dispute_type": (DisputeType, "neighbours")}, ["c2"]),
        ({"dispute_type": (DisputeType, "housing_homestead")}, ["c1"]),
        ({"source": (CaseSource, "walk_in")}, ["c2", "c4"]),
        ({"source": (CaseSource, "phone")}, ["c3"]),
        ({"area": "village_a"}, ["c2", "c4", "c1"]),
        ({"area": "grid_a"}, ["c2"]),
        ({"area": "village_a2"}, ["c3"]),
        ({"received_after": 20}, ["c2", "c3"]),
        ({"received_before": 30}, ["c4", "c1"]),
        ({"received_after": 30, "received_before": 20}, ["c3", "c4"]),
        ({"overdue": "on"}, ["c1"]),
        ({"q": "王五"}, ["c2"]),
        ({"q": "某建筑公司"}, ["c3"]),
        ({"q": "噪音"}, ["c2"]),
        ({"q": "工资"}, ["c3"]),
        ({"q": "宅基地"}, ["c1"]),
        ({"q": "c3.number"}, ["c3"]),
        ({"q": "没有这个词"}, []),
        ({"status": "registered", "area": "village_a"}, ["c1"]),
    ],
    ids=lambda value: str(value) if not isinstance(value, list) else "",
)
def test_ledger_filters_show_exactly_the_matching_cases(client, world, ledger, params, expected):
    query = {}
    for name, value in params.items():
        if isinstance(value, tuple):
            value = _lookup(*value)
        elif name == "area":
            value = getattr(world, value).pk
        elif name in ("received_after", "received_before"):
            value = days_ago(value).isoformat()
        elif value == "c3.number":
            value = ledger["c3"].number
        query[name] = value
    client.force_login(world.clerk_a)

    response = client.get(reverse("cases:list"), query)

    assert response.status_code == 200
    assert not response.context["filter"].errors
    assert ledger_numbers(response) == [ledger[key].number for key in expected]
    assert f"共 {len(expected)} 件" in html(response)


def test_searching_by_number_ignores_case_and_surrounding_spaces(client, world, ledger):
    client.force_login(world.clerk_a)
    number = ledger["c1"].number

    response = client.get(reverse("cases:list"), {"q": f"  {number.upper()}  "})

    assert ledger_numbers(response) == [number]


def test_the_ledger_pages_by_25_and_the_26th_case_is_alone_on_page_2(client, world, settings):
    settings.CASES_PER_PAGE = 25
    cases = [register_case(world.secretary_a, title=f"纠纷{i}") for i in range(26)]
    client.force_login(world.secretary_a)

    first = client.get(reverse("cases:list"))
    second = client.get(reverse("cases:list"), {"page": 2})

    newest_first = [c.number for c in reversed(cases)]
    assert ledger_numbers(first) == newest_first[:25]
    assert ledger_numbers(second) == [cases[0].number]
    assert "第 2 / 2 页" in html(second)
    assert "共 26 件" in html(second)


def test_the_pagination_links_keep_the_filter(client, world, settings):
    settings.CASES_PER_PAGE = 2
    for _ in range(3):
        register_case(world.secretary_a, grade="blue")
    register_case(world.secretary_a, grade="red")
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:list"), {"grade": "blue"}))

    assert re.search(r'href="\?grade=blue&amp;page=2"', page)
    assert "共 3 件" in page
