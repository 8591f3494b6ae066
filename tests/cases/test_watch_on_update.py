"""The 重点人员 rule when a case's parties change (issue 14): a flagged person added to a
pending blue case, or a party's number corrected to theirs, raises it to yellow as at
registration, at every door that changes parties (the edit page, the spreadsheet of
parties on the page and the API, the service itself); a case already yellow or red, or
a flagged party who was already there, is left as it is."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    EventKind,
    Grade,
    HandlingLevel,
    PartyRole,
    WatchGradeDecision,
)
from tests.admin.conftest import admin_url, post_data_from
from tests.admin.test_case_admin import party_prefix
from tests.api.conftest import token_client
from tests.factories import (
    case_data,
    case_edit_form_data,
    make_id_number,
    party_rows,
    watch_flag,
)

pytestmark = pytest.mark.django_db

FLAGGED = make_id_number()  # watch_flag's person
OTHER_PERSON = make_id_number(sequence=457)
RAISED_NOTE = "按重点人员规定提级"


def unflagged_case(by, grade=Grade.BLUE):
    parties = party_rows()
    parties[0].update(id_number=OTHER_PERSON, mobile="13900000001")
    return services.case_register(by=by, data=case_data(by.area, grade=grade), parties=parties)


def flagged_row() -> dict:
    return {"role": PartyRole.RESPONDENT, "name": "王大山", "gender": "male", "id_number": FLAGGED}


def watch_events(case):
    return CaseEvent.objects.filter(case=case, kind=EventKind.WATCH_GRADING)


def sheet(*rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(["身份", "姓名/名称", "身份证号码"])
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_flagged_person_added_to_a_blue_case_raises_it_to_yellow_as_at_registration(world):
    flag = watch_flag(world.secretary_a)
    case = unflagged_case(world.grid_member_a)
    assert (case.grade, case.level) == (Grade.BLUE, HandlingLevel.GRID)

    case = services.case_update(case=case, by=world.secretary_a, data={}, parties=[flagged_row()])

    case.refresh_from_db()
    assert (case.grade, case.level) == (Grade.YELLOW, HandlingLevel.VILLAGE)
    assert case.deadline == case.received_on + datetime.timedelta(days=15)
    event = watch_events(case).get()
    assert event.note == RAISED_NOTE
    assert event.changes["风险等级"] == ["蓝色(一般)", "黄色(较大)"]
    assert "处置层级" in event.changes
    assert flag.get_category_display() not in str(event.changes)
    decision = WatchGradeDecision.objects.get(case=case)
    assert (decision.watched_person, decision.raised, decision.party.name) == (flag, True, "王大山")
    assert (decision.from_grade, decision.to_grade) == (Grade.BLUE, Grade.YELLOW)


def test_a_party_s_id_number_corrected_to_a_flagged_person_s_raises_the_case(world):
    watch_flag(world.secretary_a)
    case = unflagged_case(world.secretary_a)
    applicant = case.parties.get(role=PartyRole.APPLICANT)

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={},
        parties=[{"id": applicant.pk, "id_number": FLAGGED, "mobile": applicant.mobile}],
    )

    case.refresh_from_db()
    assert case.grade == Grade.YELLOW
    assert WatchGradeDecision.objects.get(case=case).party == applicant


def test_a_yellow_case_and_a_flagged_party_already_on_the_case_are_left_as_they_are(world):
    yellow = unflagged_case(world.secretary_a, grade=Grade.YELLOW)
    blue = unflagged_case(world.secretary_a)
    applicant = blue.parties.get(role=PartyRole.APPLICANT)
    # Flagged after the registration; the next correction of the case does not count
    # as the person being added.
    watch_flag(world.secretary_a, id_number=OTHER_PERSON)
    services.case_update(case=yellow, by=world.secretary_a, data={}, parties=[flagged_row()])
    services.case_update(
        case=blue, by=world.secretary_a, data={}, parties=[{"id": applicant.pk, "address": "二组"}]
    )

    yellow.refresh_from_db()
    blue.refresh_from_db()
    assert (yellow.grade, blue.grade) == (Grade.YELLOW, Grade.BLUE)
    assert not WatchGradeDecision.objects.exists()
    assert not CaseEvent.objects.filter(kind=EventKind.WATCH_GRADING).exists()


def test_someone_at_the_handling_level_keeps_blue_with_a_reason_when_adding_a_party(world):
    flag = watch_flag(world.secretary_a)
    case = unflagged_case(world.grid_member_a)

    services.case_update(
        case=case,
        by=world.secretary_a,
        data={"watch_grade_override_reason": "只是证人性质的当事人,情绪稳定"},
        parties=[flagged_row()],
    )

    case.refresh_from_db()
    assert (case.grade, case.level) == (Grade.BLUE, HandlingLevel.GRID)
    assert watch_events(case).get().note == "按重点人员规定应提级,经处置层级说明理由未提级"
    decision = WatchGradeDecision.objects.get(case=case)
    assert (decision.watched_person, decision.raised) == (flag, False)
    assert decision.override_reason == "只是证人性质的当事人,情绪稳定"


def test_a_refused_addition_changes_neither_the_grade_nor_the_parties(world):
    watch_flag(world.secretary_a)
    case = unflagged_case(world.grid_member_a)
    wrong_gender = {**flagged_row(), "gender": "female"}

    with pytest.raises(ValidationError):
        services.case_update(case=case, by=world.secretary_a, data={}, parties=[wrong_gender])

    case.refresh_from_db()
    assert case.grade == Grade.BLUE and case.parties.count() == 2
    assert not WatchGradeDecision.objects.exists()


def test_the_edit_page_raises_the_case_and_offers_the_reason_to_keep_it(client, world):
    watch_flag(world.secretary_a)
    case = unflagged_case(world.grid_member_a)
    client.force_login(world.secretary_a)
    url = reverse("cases:edit", args=[case.pk])
    assert 'name="watch_grade_override_reason"' in client.get(url).content.decode()

    response = client.post(
        url,
        case_edit_form_data(
            case,
            **{
                "parties-TOTAL_FORMS": "3",
                "parties-2-role": "respondent",
                "parties-2-name": "王大山",
                "parties-2-gender": "male",
                "parties-2-id_number": FLAGGED,
            },
        ),
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.grade == Grade.YELLOW
    assert watch_events(case).get().note == RAISED_NOTE


def test_the_spreadsheet_of_parties_raises_the_case_on_the_page_and_the_api(client, world):
    watch_flag(world.secretary_a)
    on_page, on_api = unflagged_case(world.grid_member_a), unflagged_case(world.grid_member_a)
    content = sheet(("被申请人", "王大山", FLAGGED))
    client.force_login(world.secretary_a)

    client.post(
        reverse("cases:parties_import", args=[on_page.pk]),
        {"file": SimpleUploadedFile("名单.xlsx", content)},
    )
    response = token_client(world.secretary_a).post(
        f"/api/v1/cases/{on_api.pk}/parties/import/",
        {"file": SimpleUploadedFile("名单.xlsx", content)},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    for case in (on_page, on_api):
        case.refresh_from_db()
        assert (case.grade, case.parties.count()) == (Grade.YELLOW, 3)
        assert watch_events(case).get().note == RAISED_NOTE


def test_the_admin_typing_a_flagged_person_s_number_raises_the_case(client, world):
    watch_flag(world.secretary_a)
    case = unflagged_case(world.grid_member_a)
    client.force_login(world.clerk_a)
    data = post_data_from(client.get(admin_url(Case, "change", case.pk)))
    data[party_prefix(data, "李四") + "-new_id_number"] = FLAGGED
    data[party_prefix(data, "李四") + "-gender"] = "male"

    client.post(admin_url(Case, "change", case.pk), data)

    case.refresh_from_db()
    assert case.grade == Grade.YELLOW
    assert WatchGradeDecision.objects.get(case=case).party.name == "李四"
