"""The mediation paperwork as PDF files (issue 15): each document of a case opened with
pypdf, A4, the Chinese font embedded, the case's facts in its text, each print logged
as a reveal, and refused with a message where the case's state rules it out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.documents.pdf import document_font
from cases.documents.registry import documents_for, kind_get
from cases.models import (
    CaseSource,
    FailureReason,
    FollowUpKind,
    IssuedDocument,
    JudicialConfirmation,
    PersonalDataAccess,
    SessionResult,
)
from tests import builders
from tests.cases.documents_pdf import A4, embedded_fonts, page_sizes, text_of
from tests.factories import make_id_number, party_rows, register_case

pytestmark = pytest.mark.django_db


def parties():
    rows = party_rows("王建国", "李秀英")
    rows[1].update(id_number=make_id_number(sequence=456), mobile="13800001111")
    return rows


@pytest.fixture
def agreed(world):
    """A case of 枫源村 settled by a written agreement, signed and sealed, visited once."""
    case = register_case(
        world.secretary_a, parties=parties(), title="院墙边界纠纷", summary="两家因院墙位置争执。"
    )
    builders.accept(case, world.secretary_a, [world.mediator_a])
    builders.record_session(
        case,
        world.secretary_a,
        [world.mediator_a],
        SessionResult.RESOLVED,
        parties_present=list(case.parties.all()),
    )
    services.agreement_record(
        case=case,
        by=world.secretary_a,
        data=builders.written_agreement(terms="一、院墙按原址重建。\n二、费用双方各半。"),
    )
    case = builders.sign(case, world.secretary_a, world.mediator_a)
    builders.visit(case, world.secretary_a, notes="电话回访,院墙已重建。")
    return builders.refresh(case)


def render(case, key, by, record=None):
    return services.document_render(case=case, kind=key, by=by, record=record)


def test_the_font_is_found_by_its_family_through_fontconfig():
    family, path = document_font()
    assert family in ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Serif CJK SC")
    assert path.is_file()


def test_the_written_agreement_is_an_a4_pdf_with_the_chinese_font_embedded(world, agreed):
    pdf = render(agreed, "agreement", world.secretary_a, agreed.agreement)

    assert page_sizes(pdf) == {A4}
    family = document_font()[0].replace(" ", "")
    fonts = embedded_fonts(pdf)
    assert fonts, "the PDF names no font"
    for name, files in fonts.items():
        assert family in name.replace(" ", "").replace("-", ""), name
        assert files & {"/FontFile2", "/FontFile3"}, f"{name} is not embedded"


def test_the_agreement_carries_the_committees_number_the_parties_in_full_and_its_terms(
    world, agreed
):
    pdf = render(agreed, "agreement", world.secretary_a, agreed.agreement)
    text = text_of(pdf)
    year = agreed.agreement.reached_on.year

    assert f"〔{year}〕枫源调字第1号" in text
    assert "枫源村人民调解委员会" in text
    for party in agreed.parties.all():
        assert party.name in text
        assert party.id_number in text
        assert party.mobile in text
    assert "一、院墙按原址重建。" in text
    # The form's own headings no longer number themselves 一、二、三、 against the terms.
    assert text.count("一、") == 1
    assert "纠纷主要事实、争议事项及各方当事人的责任" in text


def test_a_reprint_keeps_the_number_and_each_print_is_logged_as_a_reveal(world, agreed):
    agreement = agreed.agreement
    render(agreed, "agreement", world.secretary_a, agreement)
    pdf = render(agreed, "agreement", world.mediator_user_a, agreement)

    issued = IssuedDocument.objects.get(case=agreed, kind="agreement")
    assert issued.sequence == 1
    assert issued.number in text_of(pdf)
    # Two parties with an ID number and a phone each: four looks per print.
    rows = PersonalDataAccess.objects.filter(party__case=agreed)
    assert rows.count() == 8
    assert set(rows.values_list("user", flat=True)) == {
        world.secretary_a.pk,
        world.mediator_user_a.pk,
    }
    assert all(issued.number in row.document and "人民调解协议书" in row.document for row in rows)


def test_the_session_record_and_the_follow_up_record_name_their_facts(world, agreed):
    session = agreed.sessions.get()
    text = text_of(render(agreed, "session_record", world.secretary_a, session))
    assert "人民调解记录" in text
    assert "宝大叔" in text
    assert session.held_at.strftime("%Y年") in text
    assert "王建国" in text and "李秀英" in text
    assert "达成一致" in text

    follow_up = agreed.follow_ups.get(kind=FollowUpKind.PHONE, done_at__isnull=False)
    text = text_of(render(agreed, "follow_up_record", world.secretary_a, follow_up))
    assert "人民调解回访记录" in text
    assert "电话回访,院墙已重建。" in text
    # It names the agreement it follows up by the agreement's number.
    assert IssuedDocument.objects.get(case=agreed, kind="agreement").number in text


def test_each_investigation_prints_as_its_own_record_with_who_was_asked_and_what_they_said(
    world,
):
    case = register_case(world.secretary_a, parties=parties(), title="院墙边界纠纷")
    builders.accept(case, world.secretary_a, [world.mediator_a])
    investigation = services.investigation_record(
        case=case,
        by=world.secretary_a,
        investigators=[world.mediator_a],
        held_at=builders.now_minute(),
        place="枫源村三组王家院坝",
        interviewee_name="王二叔",
        interviewee_relation="邻居,知情人",
        content="界桩是十年前两家一起埋的,后来修路时被挪动过。",
    )
    case = builders.refresh(case)
    entry = next(e for e in documents_for(case) if e.kind.key == "investigation_record")
    assert entry.record_id == investigation.pk

    pdf = render(case, "investigation_record", world.secretary_a, investigation)

    text = text_of(pdf)
    assert set(page_sizes(pdf)) == {A4}
    assert "人民调解调查记录" in text
    assert "王二叔" in text and "邻居,知情人" in text
    assert "界桩是十年前两家一起埋的" in text
    assert "宝大叔" in text  # the investigator


def test_a_case_without_an_investigation_has_no_investigation_record_to_print(world, agreed):
    assert "investigation_record" not in {e.kind.key for e in documents_for(agreed)}
    with pytest.raises(ValidationError) as refused:
        render(agreed, "investigation_record", world.secretary_a)
    assert "该案件还没有调查记录。" in str(refused.value)


def test_the_case_level_papers_of_a_closed_case_carry_its_facts(world, agreed):
    builders.fulfil(agreed, world.secretary_a)
    builders.visit(agreed, world.secretary_a, kind=FollowUpKind.HOME_VISIT)
    case = builders.close(agreed, world.secretary_a)

    registration = text_of(render(case, "registration", world.secretary_a))
    assert "人民调解受理登记表" in registration
    assert case.number in registration
    assert "两家因院墙位置争执。" in registration

    report = text_of(render(case, "closing_report", world.secretary_a))
    assert "结案报告表" in report
    assert "宝大叔" in report
    assert case.accepted_on.strftime("%Y年%-m月%-d日") in report
    assert "书面协议" in report


def test_the_rights_notice_prints_the_day_the_service_recorded(world):
    case = builders.accepted_case(world, parties=parties())
    told_on = case.accepted_on
    services.case_record_rights_notice(case=case, by=world.secretary_a, told_on=told_on)

    text = text_of(render(builders.refresh(case), "rights_notice", world.secretary_a))
    assert "人民调解当事人权利义务告知书" in text
    assert f"告知日期:{told_on:%Y年}{told_on.month}月{told_on.day}日" in text
    assert "王建国" in text


def test_a_failed_case_prints_the_termination_notice_with_the_routes_of_article_26(world):
    case = builders.mediating_case(world, parties=parties())
    case = services.case_fail(
        case=case,
        by=world.secretary_a,
        failure_reason=FailureReason.SESSIONS_FAILED,
        routes_explained=True,
        note="双方分歧较大。",
    )

    text = text_of(render(case, "termination_notice", world.secretary_a))
    assert "调解终止告知书" in text
    assert "双方分歧较大。" in text
    assert "申请仲裁" in text and "行政机关" in text and "人民法院提起诉讼" in text
    assert IssuedDocument.objects.get(case=case, kind="termination_notice").sequence == 1


def test_a_case_not_accepted_prints_its_notice_with_the_reason(world):
    case = register_case(world.secretary_a, parties=parties())
    case = services.case_not_accept(case=case, by=world.secretary_a, reason="属于法院已受理案件。")

    text = text_of(render(case, "not_accepted_notice", world.secretary_a))
    assert "不予受理告知书" in text
    assert "属于法院已受理案件。" in text


def test_an_oral_agreement_prints_its_registration_form(world):
    case = builders.resolved_case(world, parties=parties())
    agreement = case.agreement

    text = text_of(render(case, "oral_agreement", world.secretary_a, agreement))
    assert "人民调解口头协议登记表" in text
    assert agreement.terms in text
    assert "〔" in text and "调字第" in text


def test_the_judicial_confirmation_application_where_the_parties_apply(world, agreed):
    services.agreement_update(
        case=agreed,
        by=world.secretary_a,
        data={
            "judicial_confirmation": JudicialConfirmation.INTENDED,
            "judicial_court": "诸暨市人民法院",
        },
    )
    case = builders.refresh(agreed)

    text = text_of(render(case, "judicial_application", world.secretary_a))
    assert "司法确认申请书" in text
    assert "诸暨市人民法院" in text
    assert "王建国" in text


def test_a_document_the_cases_state_rules_out_is_refused_with_a_message_not_a_pdf(world):
    case = register_case(world.secretary_a, parties=parties())

    with pytest.raises(ValidationError) as refused:
        render(case, "closing_report", world.secretary_a)
    assert refused.value.messages == ["案件调解结束后才能填写结案报告表。"]
    with pytest.raises(ValidationError) as refused:
        render(case, "termination_notice", world.secretary_a)
    assert "调解不成" in refused.value.messages[0]
    assert not IssuedDocument.objects.exists()
    assert not PersonalDataAccess.objects.exists()


def test_a_role_that_may_not_reveal_numbers_may_not_print_and_nothing_is_logged(world, agreed):
    for user in (world.supervisor_a, world.grid_member_a):
        with pytest.raises(PermissionDenied):
            render(agreed, "agreement", user, agreed.agreement)
    assert not PersonalDataAccess.objects.exists()
    assert not IssuedDocument.objects.exists()


def test_the_case_lists_the_documents_that_apply_one_per_record(world, agreed):
    keys = [(entry.kind.key, entry.record_id) for entry in documents_for(agreed)]
    session = agreed.sessions.get()
    follow_up = agreed.follow_ups.get(done_at__isnull=False)
    assert keys == [
        ("registration", None),
        ("rights_notice", None),
        ("session_record", session.pk),
        ("agreement", agreed.agreement.pk),
        ("follow_up_record", follow_up.pk),
    ]
    assert kind_get("agreement").required


def test_a_case_a_party_applied_for_prints_the_application_not_the_registration_form(world):
    walk_in = CaseSource.objects.get(code="walk_in")
    case = register_case(world.secretary_a, parties=parties(), source=walk_in, title="借款纠纷")

    text = text_of(render(case, "application", world.secretary_a))
    assert "人民调解申请书" in text
    assert "申请人王建国" in text
    assert "借款纠纷" in text
    assert f"申请日期:{case.received_on:%Y年}{case.received_on.month}月" in text
    with pytest.raises(ValidationError) as refused:
        render(case, "registration", world.secretary_a)
    assert "请打印人民调解申请书" in refused.value.messages[0]


@pytest.fixture
def no_fontconfig(settings, monkeypatch, tmp_path):
    """A host without fontconfig (nor a configured font): the renderer cannot set Chinese."""
    settings.FENGQIAO_DOCUMENT_FONT = ""
    monkeypatch.setenv("PATH", str(tmp_path))
    document_font.cache_clear()
    yield
    document_font.cache_clear()


def test_a_host_without_the_font_answers_a_message_and_logs_no_reveal(world, no_fontconfig):
    case = register_case(world.secretary_a, parties=parties())

    with pytest.raises(ValidationError) as refused:
        render(case, "registration", world.secretary_a)
    assert refused.value.code == "renderer_missing"
    assert "无法生成PDF" in refused.value.messages[0]
    assert not PersonalDataAccess.objects.exists()
    # The print page needs no renderer.
    page = services.document_html(case=case, kind="registration", by=world.secretary_a)
    assert "人民调解受理登记表" in page
