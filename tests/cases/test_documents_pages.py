"""The paperwork's doors: the 文书 panel of the case page, a document as PDF and as a
print page, scoped like every case page, refused with the reason, and always Chinese."""

import pytest
from django.urls import reverse

from cases.models import PersonalDataAccess
from tests import builders
from tests.factories import register_case
from tests.web.helpers import html, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreed(world):
    """枫源村's case settled by an oral agreement (in force at once)."""
    return builders.resolved_case(world)


def pdf_url(case, kind, record=None):
    if record is None:
        return reverse("cases:document_pdf", args=[case.pk, kind])
    return reverse("cases:document_pdf_record", args=[case.pk, kind, record.pk])


def page_url(case, kind, record=None):
    if record is None:
        return reverse("cases:document_page", args=[case.pk, kind])
    return reverse("cases:document_page_record", args=[case.pk, kind, record.pk])


def test_the_case_page_lists_the_documents_with_a_pdf_and_a_print_link(client, world, agreed):
    client.force_login(world.secretary_a)

    page = html(client.get(reverse("cases:detail", args=[agreed.pk])))

    assert "人民调解口头协议登记表" in page
    assert pdf_url(agreed, "oral_agreement", agreed.agreement) in page
    assert page_url(agreed, "oral_agreement", agreed.agreement) in page
    assert pdf_url(agreed, "registration") in page
    assert pdf_url(agreed, "closing_report") not in page


def test_the_case_page_tells_a_supervisor_why_there_is_nothing_to_print(client, world, agreed):
    client.force_login(world.supervisor_a)

    page = html(client.get(reverse("cases:detail", args=[agreed.pk])))

    assert "您的角色不能打印" in page
    assert pdf_url(agreed, "registration") not in page


def test_a_secretary_downloads_the_pdf_and_the_print_is_logged(client, world, agreed):
    client.force_login(world.secretary_a)

    response = client.get(pdf_url(agreed, "oral_agreement", agreed.agreement))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response.content.startswith(b"%PDF-")
    logged = PersonalDataAccess.objects.filter(user=world.secretary_a)
    assert logged.exists()
    assert all("人民调解口头协议登记表" in row.document for row in logged)


def test_the_print_page_is_chinese_for_an_english_interface(client, world, agreed):
    client.force_login(world.secretary_a)
    client.cookies["django_language"] = "en"

    response = client.get(page_url(agreed, "registration"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = html(response)
    assert "人民调解受理登记表" in page
    assert agreed.parties.get(role="applicant").id_number in page


def test_a_case_of_another_village_answers_404_and_logs_nothing(client, world, agreed):
    client.force_login(world.secretary_b)

    for url in (
        pdf_url(agreed, "oral_agreement", agreed.agreement),
        page_url(agreed, "oral_agreement", agreed.agreement),
        pdf_url(agreed, "registration"),
        page_url(agreed, "registration"),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("cases:rights_notice_record", args=[agreed.pk]),
        {"told_on": agreed.accepted_on.isoformat()},
    )
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_a_record_of_another_case_or_an_unknown_kind_is_404(client, world, agreed):
    other = builders.resolved_case(world)
    client.force_login(world.secretary_a)

    assert client.get(pdf_url(agreed, "oral_agreement", other.agreement)).status_code == 404
    assert client.get(pdf_url(agreed, "sentence")).status_code == 404
    # A per-case document asked for with a record, and the other way round.
    assert client.get(pdf_url(agreed, "registration", agreed.agreement)).status_code == 404
    assert client.get(pdf_url(agreed, "oral_agreement")).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_a_role_that_may_not_reveal_gets_403_with_the_reason(client, world, agreed):
    client.force_login(world.supervisor_a)

    response = client.get(pdf_url(agreed, "registration"))

    assert response.status_code == 403
    assert "查看完整身份证号码" in html(response)
    assert not PersonalDataAccess.objects.exists()


def test_a_document_for_a_wrong_state_answers_the_message_on_the_case_page(client, world):
    case = register_case(world.secretary_a)
    client.force_login(world.secretary_a)

    response = client.get(pdf_url(case, "closing_report"), follow=True)

    assert response.redirect_chain == [(reverse("cases:detail", args=[case.pk]), 302)]
    assert messages_of(response) == ["案件调解结束后才能填写结案报告表。"]
    assert not PersonalDataAccess.objects.exists()


def test_the_day_the_rights_were_told_is_recorded_from_the_case_page(client, world):
    case = builders.accepted_case(world)
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:rights_notice_record", args=[case.pk]),
        {"told_on": case.accepted_on.isoformat()},
        follow=True,
    )

    assert messages_of(response) == ["已记录权利义务告知日期。"]
    assert builders.refresh(case).rights_told_on == case.accepted_on
    assert case.events.filter(kind="rights_told").count() == 1


def test_a_rights_date_before_acceptance_is_refused_and_nothing_changes(client, world):
    case = builders.accepted_case(world)
    client.force_login(world.secretary_a)

    response = client.post(
        reverse("cases:rights_notice_record", args=[case.pk]),
        {"told_on": "2020-01-01"},
        follow=True,
    )

    assert messages_of(response) == ["告知日期不能早于受理日期。"]
    assert builders.refresh(case).rights_told_on is None
