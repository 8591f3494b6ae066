"""The case admin corrects through the services and never steps around the workflow."""

import pytest

from cases import services
from cases.models import (
    Agreement,
    Case,
    CaseEvent,
    EventKind,
    Grade,
    Party,
    PartyRole,
    SessionResult,
    Status,
)
from tests.admin.conftest import admin_url, form_errors, post_data_from
from tests.builders import follow_up, oral_agreement, record_session, resolved_case
from tests.factories import make_id_number, party_rows, register_case


@pytest.fixture
def case(world):
    return register_case(world.secretary_a, parties=party_rows("张三", "李四"))


def refresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def edited_events(case: Case) -> list[dict]:
    return list(
        CaseEvent.objects.filter(case=case, kind=EventKind.EDITED)
        .order_by("id")
        .values_list("changes", flat=True)
    )


def change_page_data(client, case: Case) -> dict:
    response = client.get(admin_url(Case, "change", case.pk))
    assert response.status_code == 200
    return post_data_from(response)


def party_prefix(data: dict, name: str) -> str:
    key = next(k for k, v in data.items() if k.startswith("parties-") and v == name)
    return key.removesuffix("-name")


# --- saving a change ---------------------------------------------------------


def test_saving_a_case_through_the_admin_records_an_edited_event_with_the_field(
    client, world, case
):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data["title"] = "张三与李四院墙纠纷"

    response = client.post(admin_url(Case, "change", case.pk), data)

    assert response.status_code == 302
    assert refresh(case).title == "张三与李四院墙纠纷"
    assert edited_events(case) == [{"案件名称": ["宅基地边界纠纷", "张三与李四院墙纠纷"]}]
    event = CaseEvent.objects.get(case=case, kind=EventKind.EDITED)
    assert event.actor == world.clerk_a


def test_saving_an_unchanged_case_records_nothing(client, world, case):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)

    response = client.post(admin_url(Case, "change", case.pk), data)

    assert response.status_code == 302
    assert edited_events(case) == []


def test_status_grade_and_number_cannot_be_changed_by_posting_them(client, world, case):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data.update(status=Status.CLOSED, grade=Grade.RED, number="X-1", level="district")

    client.post(admin_url(Case, "change", case.pk), data)

    after = refresh(case)
    assert (after.status, after.grade, after.number, after.level) == (
        case.status,
        case.grade,
        case.number,
        case.level,
    )


def test_moving_a_case_to_a_village_of_another_town_is_refused_on_the_form(client, world, case):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data["area"] = str(world.village_b.pk)

    response = client.post(admin_url(Case, "change", case.pk), data)

    assert response.status_code == 200
    assert "area" in form_errors(response)
    assert refresh(case).area == world.village_a


def test_a_case_cannot_be_registered_in_the_admin(client, world):
    client.force_login(world.clerk_a)

    assert client.get(admin_url(Case, "add")).status_code == 403


# --- parties -------------------------------------------------------------------


def test_party_numbers_are_masked_on_the_case_page(client, world, case):
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    client.force_login(world.clerk_a)

    content = client.get(admin_url(Case, "change", case.pk)).content.decode()

    assert applicant.id_number not in content
    assert applicant.mobile not in content
    assert applicant.masked_id_number in content
    assert applicant.masked_mobile in content


def test_party_list_shows_numbers_masked(client, world, case):
    applicant = case.parties.get(role=PartyRole.APPLICANT)
    client.force_login(world.clerk_a)

    content = client.get(admin_url(Party, "changelist")).content.decode()

    assert applicant.masked_id_number in content
    assert applicant.id_number not in content
    assert applicant.mobile not in content


def test_renaming_a_party_in_the_inline_goes_into_the_history_and_the_search_text(
    client, world, case
):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data[party_prefix(data, "张三") + "-name"] = "张三丰"

    response = client.post(admin_url(Case, "change", case.pk), data)

    assert response.status_code == 302
    assert sorted(case.parties.values_list("name", flat=True)) == ["张三丰", "李四"]
    assert edited_events(case) == [{"张三·姓名/名称": ["张三", "张三丰"]}]
    assert "张三丰" in refresh(case).search_text


def test_typing_a_new_id_number_replaces_it_and_the_history_keeps_it_hidden(client, world, case):
    new_number = make_id_number(sequence=457)  # odd: a man, as 张三 is
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data[party_prefix(data, "张三") + "-new_id_number"] = new_number

    client.post(admin_url(Case, "change", case.pk), data)

    assert case.parties.get(name="张三").id_number == new_number
    assert edited_events(case) == [{"张三·身份证号码": ["***", "***"]}]


def test_leaving_the_new_id_number_empty_keeps_the_registered_one(client, world, case):
    before = case.parties.get(name="张三").id_number
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data[party_prefix(data, "李四") + "-address"] = "二组3号"

    client.post(admin_url(Case, "change", case.pk), data)

    assert case.parties.get(name="张三").id_number == before
    assert case.parties.get(name="李四").address == "二组3号"


def test_an_invalid_new_id_number_is_refused_on_the_form(client, world, case):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data[party_prefix(data, "张三") + "-new_id_number"] = "360426199101010072"

    response = client.post(admin_url(Case, "change", case.pk), data)

    assert response.status_code == 200
    assert edited_events(case) == []


def test_a_refusal_of_the_service_is_shown_on_the_form_and_nothing_is_saved(client, world, case):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data["title"] = "改了名称"
    # Leaves the dispute without an applicant: case_update refuses.
    data[party_prefix(data, "张三") + "-role"] = PartyRole.RESPONDENT

    response = client.post(admin_url(Case, "change", case.pk), data)

    assert response.status_code == 200
    assert any("至少需要两方当事人" in e for e in form_errors(response)["__all__"])
    # What was typed is still on the page.
    assert response.context["adminform"].form["title"].value() == "改了名称"
    assert refresh(case).title == "宅基地边界纠纷"
    assert case.parties.get(name="张三").role == PartyRole.APPLICANT
    assert edited_events(case) == []


def test_parties_cannot_be_deleted_from_the_inline(client, world, case):
    client.force_login(world.clerk_a)
    data = change_page_data(client, case)
    data[party_prefix(data, "李四") + "-DELETE"] = "on"

    client.post(admin_url(Case, "change", case.pk), data)

    assert case.parties.count() == 2


def test_editing_a_party_on_its_own_page_goes_through_the_case_history(client, world, case):
    party = case.parties.get(name="李四")
    client.force_login(world.clerk_a)
    response = client.get(admin_url(Party, "change", party.pk))
    data = post_data_from(response)
    data["name"] = "李四娘"

    response = client.post(admin_url(Party, "change", party.pk), data)

    assert response.status_code == 302
    assert edited_events(case) == [{"李四·姓名/名称": ["李四", "李四娘"]}]


# --- voiding -------------------------------------------------------------------


def test_void_action_asks_for_a_reason_before_voiding(client, world, case):
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(Case, "changelist"),
        {"action": "void_selected", "_selected_action": [case.pk]},
    )

    assert response.status_code == 200
    assert "admin/cases/void_confirmation.html" in [t.name for t in response.templates]
    assert case.number in response.content.decode()
    assert refresh(case).status == Status.REGISTERED


def test_void_action_voids_with_the_reason_and_the_case_still_exists(client, world, case):
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(Case, "changelist"),
        {
            "action": "void_selected",
            "_selected_action": [case.pk],
            "apply": "yes",
            "reason": "重复登记",
        },
    )

    assert response.status_code == 302
    after = refresh(case)
    assert after.status == Status.VOIDED
    assert after.void_reason == "重复登记"
    event = CaseEvent.objects.get(case=case, kind=EventKind.VOIDED)
    assert (event.actor, event.note, event.from_status) == (
        world.clerk_a,
        "重复登记",
        Status.REGISTERED,
    )


def test_void_action_without_a_reason_shows_the_page_again_and_voids_nothing(client, world, case):
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(Case, "changelist"),
        {"action": "void_selected", "_selected_action": [case.pk], "apply": "yes", "reason": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert refresh(case).status == Status.REGISTERED


def test_void_action_reports_a_case_it_may_not_void_and_voids_the_rest(client, world, case):
    already = register_case(world.secretary_a2)
    services.case_void(case=already, by=world.clerk_a, reason="误登记")
    client.force_login(world.clerk_a)

    response = client.post(
        admin_url(Case, "changelist"),
        {
            "action": "void_selected",
            "_selected_action": [case.pk, already.pk],
            "apply": "yes",
            "reason": "重复登记",
        },
        follow=True,
    )

    texts = [str(m) for m in response.context["messages"]]
    assert any(already.number in t and "未作废" in t for t in texts)
    assert any("已作废1件案件" in t for t in texts)
    assert refresh(case).status == Status.VOIDED
    assert refresh(already).void_reason == "误登记"


def test_void_action_ignores_cases_of_another_town(client, world, case):
    other = register_case(world.secretary_b)
    client.force_login(world.clerk_a)

    client.post(
        admin_url(Case, "changelist"),
        {
            "action": "void_selected",
            "_selected_action": [other.pk],
            "apply": "yes",
            "reason": "重复登记",
        },
    )

    assert refresh(other).status == Status.REGISTERED


def test_a_voided_case_opens_read_only(client, world, case):
    services.case_void(case=case, by=world.clerk_a, reason="重复登记")
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Case, "change", case.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    data = {"title": "改名", "_save": "保存"}
    assert client.post(admin_url(Case, "change", case.pk), data).status_code == 403


def test_a_superseded_agreement_opens_read_only_and_a_post_changes_neither_agreement(client, world):
    case = resolved_case(world)
    first = case.agreement
    services.follow_up_record(case=case, by=world.secretary_a, data=follow_up(flared_again=True))
    record_session(case, world.secretary_a, [world.mediator_a], SessionResult.RESOLVED)
    second = services.agreement_record(
        case=case, by=world.secretary_a, data=oral_agreement(terms="另行赔偿。")
    )
    client.force_login(world.clerk_a)

    response = client.get(admin_url(Agreement, "change", first.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    data = {"performance": "fulfilled", "performance_note": "已履行", "_save": "保存"}
    assert client.post(admin_url(Agreement, "change", first.pk), data).status_code == 403
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.performance_note, second.performance_note) == ("", "")
    assert client.get(admin_url(Agreement, "change", second.pk)).context["has_change_permission"]


# --- searching -----------------------------------------------------------------


@pytest.fixture
def three_cases(world, case):
    second = register_case(world.secretary_a, parties=party_rows("王五", "赵六"), title="欠薪纠纷")
    third = register_case(world.secretary_a2, parties=party_rows("Alice Wang", "钱七"))
    return case, second, third


def search(client, term: str) -> set:
    response = client.get(admin_url(Case, "changelist"), {"q": term})
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_search_by_full_number_finds_that_case_only(client, world, three_cases):
    first, second, third = three_cases
    client.force_login(world.clerk_a)

    assert search(client, second.number) == {second}


def test_search_by_the_start_of_a_number_finds_every_case_it_begins(client, world, three_cases):
    client.force_login(world.clerk_a)

    assert search(client, world.town_a.code + "-") == set(three_cases)


def test_search_by_party_name_finds_the_case(client, world, three_cases):
    first, second, third = three_cases
    client.force_login(world.clerk_a)

    assert search(client, "王五") == {second}
    assert search(client, "ALICE") == {third}


def test_search_never_reaches_another_town(client, world, three_cases):
    other = register_case(world.secretary_b, parties=party_rows("王五", "孙八"))
    client.force_login(world.clerk_a)

    assert other not in search(client, "王五")
